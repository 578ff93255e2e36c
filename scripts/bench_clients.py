"""Lean raw-socket clients and account helpers for the benchmarks (`bench_ws.py`, `bench_idle.py`).

Thousands of connections from one client process must not make the client the bottleneck (or
the biggest user of memory), so the WebSocket and SSE clients here are bare `asyncio.Protocol`s
on top of the event loop's transports: no task, no stream reader, no library per connection.

- `WsClient`: the least of RFC 6455 a client needs: the opening handshake (with a check of
  `Sec-WebSocket-Accept`), masked client frames, unmasked server frames (text, binary,
  continuation, close, ping, pong). Protocol pings are answered with a pong carrying the same
  payload; the app's own `{"type":"ping"}` messages (docs/websocket.md) with `{"type":"pong"}`.
  Every other text message goes to `on_text(client, text, received_at)`.
- `SseClient`: a GET that reads a `text/event-stream` body (chunked or not), counts heartbeat
  comments and hands each event to `on_event(client, name, data, received_at)`.

Times are `time.perf_counter()` at the `data_received` call that completed the message (every
message of one read shares it). Nothing here is imported by the app.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import resource
import signal
import struct
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from pathlib import Path
from typing import Any, TypeVar, cast

import httpx
from bench_common import (
    PASSWORD,
    ROOT,
    Worker,
    cpu_seconds,
    free_port,
    rss_kib,
    run_cli,
    serve_arguments,
    spawn,
    wait_ready,
)

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
APP_PING = '{"type":"ping"}'
APP_PONG = '{"type":"pong"}'
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA

T = TypeVar("T")


# --- WebSocket ----------------------------------------------------------------------------------


def mask_payload(payload: bytes, key: bytes) -> bytes:
    """XOR `payload` with the 4-byte masking `key` repeated (RFC 6455 section 5.3)."""
    n = len(payload)
    if not n:
        return b""
    stream = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(stream, "big")).to_bytes(n, "big")


def client_frame(opcode: int, payload: bytes) -> bytes:
    """One final, masked client frame."""
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    key = os.urandom(4)
    return head + key + mask_payload(payload, key)


def request_head(path: str, host: str, port: int, token: str | None, *headers: str) -> bytes:
    """A GET request's head: `headers` after Host, then the bearer `token` if any."""
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", *headers]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _retrieve(future: asyncio.Future[None]) -> None:
    """Mark a future's exception as seen (it is reported where the future is awaited)."""
    if not future.cancelled():
        future.exception()


class HandshakeError(Exception):
    """The server refused the upgrade or the request (status line and the start of the body)."""


class RawClient(asyncio.Protocol):
    """What the raw-socket clients share: their transport, closed or aborted."""

    transport: asyncio.Transport | None

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()


C = TypeVar("C", bound=RawClient)


async def open_client(
    client: C, host: str, port: int, timeout: float, *waits: asyncio.Future[None]
) -> C:
    """Connect `client` and wait for each of `waits` (`timeout` seconds for each step); the
    client is aborted if any fails."""
    loop = asyncio.get_running_loop()
    try:
        await asyncio.wait_for(loop.create_connection(lambda: client, host, port), timeout)
        for future in waits:
            await asyncio.wait_for(future, timeout)
    except BaseException:
        client.abort()
        raise
    return client


class WsClient(RawClient):
    """One WebSocket connection (see the module docstring)."""

    def __init__(
        self,
        host: str,
        port: int,
        path: str,
        *,
        token: str | None = None,
        on_text: Callable[[WsClient, str, float], None] | None = None,
        tag: Any = None,
    ) -> None:
        self.host, self.port, self.path = host, port, path
        self.token = token
        self.on_text = on_text
        self.tag = tag
        self.key = base64.b64encode(os.urandom(16)).decode()
        self.transport: asyncio.Transport | None = None
        self.upgraded = False
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[None] = loop.create_future()  # the 101 response
        self.greeted: asyncio.Future[None] = loop.create_future()  # the first text message
        for future in (self.opened, self.greeted):  # nobody may wait: no "never retrieved"
            future.add_done_callback(_retrieve)
        self._buf = bytearray()
        self._fragments: list[bytes] = []
        self._fragment_op = 0
        self.messages = 0
        self.app_pings = 0
        self.last_app_ping_at: float | None = None
        self.protocol_pings = 0
        self.last_protocol_ping_at: float | None = None
        self.pongs = 0
        self.last_pong_at: float | None = None
        self.last_rx_at: float | None = None
        self.close_code: int | None = None
        self.close_reason = ""
        self.closed_at: float | None = None
        self.error: str | None = None

    # -- asyncio.Protocol --

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's are not subclasses
        self.transport.write(
            request_head(
                *(self.path, self.host, self.port, self.token),
                *("Upgrade: websocket", "Connection: Upgrade"),
                *(f"Sec-WebSocket-Key: {self.key}", "Sec-WebSocket-Version: 13"),
            )
        )

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        self.last_rx_at = now
        self._buf += data
        if not self.upgraded and not self._handshake():
            return
        self._frames(now)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed_at = time.perf_counter()
        if exc is not None and self.error is None and self.close_code is None:
            self.error = f"{type(exc).__name__}: {exc}"
        for future, before in ((self.opened, "the upgrade"), (self.greeted, "a message")):
            if not future.done():
                future.set_exception(
                    HandshakeError(
                        self.error
                        or f"closed before {before} ({self.close_code} {self.close_reason})"
                    )
                )

    # -- parsing --

    def _handshake(self) -> bool:
        end = self._buf.find(b"\r\n\r\n")
        if end < 0:
            return False
        head = bytes(self._buf[:end]).decode("latin-1")
        del self._buf[: end + 4]
        status, *headers = head.split("\r\n")
        fields = {}
        for line in headers:
            name, _, value = line.partition(":")
            fields[name.strip().lower()] = value.strip()
        expected = base64.b64encode(hashlib.sha1((self.key + WS_GUID).encode()).digest()).decode()
        if not status.startswith("HTTP/1.1 101") or fields.get("sec-websocket-accept") != expected:
            self.error = f"handshake refused: {status} {bytes(self._buf[:200])!r}"
            if not self.opened.done():
                self.opened.set_exception(HandshakeError(self.error))
            self.abort()
            return False
        self.upgraded = True
        if not self.opened.done():
            self.opened.set_result(None)
        return True

    def _frames(self, now: float) -> None:
        buf = self._buf
        pos = 0
        size = len(buf)
        while size - pos >= 2:
            b0, b1 = buf[pos], buf[pos + 1]
            length = b1 & 0x7F
            offset = pos + 2
            if length == 126:
                if size - offset < 2:
                    break
                length = int.from_bytes(buf[offset : offset + 2], "big")
                offset += 2
            elif length == 127:
                if size - offset < 8:
                    break
                length = int.from_bytes(buf[offset : offset + 8], "big")
                offset += 8
            key = b""
            if b1 & 0x80:  # servers must not mask, but unmask if one does
                if size - offset < 4:
                    break
                key = bytes(buf[offset : offset + 4])
                offset += 4
            if size - offset < length:
                break
            payload = bytes(buf[offset : offset + length])
            if key:
                payload = mask_payload(payload, key)
            pos = offset + length
            self._frame(b0 & 0x80, b0 & 0x0F, payload, now)
            if self.transport is None or self.transport.is_closing():
                break
        if pos:
            del buf[:pos]

    def _frame(self, fin: int, opcode: int, payload: bytes, now: float) -> None:
        if opcode == OP_PING:
            self.protocol_pings += 1
            self.last_protocol_ping_at = now
            self._write(OP_PONG, payload)
            return
        if opcode == OP_PONG:
            return
        if opcode == OP_CLOSE:
            self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            self.close_reason = payload[2:].decode(errors="replace")
            self._write(OP_CLOSE, payload[:2])
            if self.transport is not None:
                self.transport.close()
            return
        if opcode != OP_CONT:
            self._fragment_op = opcode
        self._fragments.append(payload)
        if not fin:
            return
        data = b"".join(self._fragments)
        self._fragments = []
        if self._fragment_op != OP_TEXT:
            return  # the app never sends binary frames
        text = data.decode()
        self.messages += 1
        if not self.greeted.done():
            self.greeted.set_result(None)
        if text == APP_PING:
            self.app_pings += 1
            self.last_app_ping_at = now
            self.send_text(APP_PONG)
        elif text == APP_PONG:
            self.pongs += 1
            self.last_pong_at = now
        elif self.on_text is not None:
            self.on_text(self, text, now)

    # -- sending --

    def _write(self, opcode: int, payload: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(client_frame(opcode, payload))

    def send_text(self, text: str) -> None:
        self._write(OP_TEXT, text.encode())

    @property
    def is_open(self) -> bool:
        return (
            self.upgraded
            and self.transport is not None
            and not self.transport.is_closing()
            and self.closed_at is None
            and self.close_code is None
        )

    def close(self, code: int = 1000) -> None:
        """Send a close frame and close the socket (without waiting for the server's close)."""
        self._write(OP_CLOSE, code.to_bytes(2, "big"))
        super().close()


async def connect_ws(
    host: str,
    port: int,
    path: str,
    *,
    token: str | None = None,
    on_text: Callable[[WsClient, str, float], None] | None = None,
    tag: Any = None,
    timeout: float = 30.0,
    greeted: bool = True,
) -> WsClient:
    """Connect and complete the upgrade, then (`greeted`) wait for the first message: the app
    sends `hello` once the socket is authenticated and subscribed, or closes it with a 44xx
    code. HandshakeError (refused or closed) or OSError otherwise."""
    client = WsClient(host, port, path, token=token, on_text=on_text, tag=tag)
    waits = (client.opened, client.greeted) if greeted else (client.opened,)
    return await open_client(client, host, port, timeout, *waits)


# --- Server-Sent Events -------------------------------------------------------------------------


class SseClient(RawClient):
    """One `text/event-stream` GET (see the module docstring)."""

    def __init__(
        self,
        host: str,
        port: int,
        path: str,
        *,
        token: str | None = None,
        on_event: Callable[[SseClient, str, str, float], None] | None = None,
        tag: Any = None,
    ) -> None:
        self.host, self.port, self.path = host, port, path
        self.token = token
        self.on_event = on_event
        self.tag = tag
        self.transport: asyncio.Transport | None = None
        self.status: int | None = None
        self.chunked = False
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.ready.add_done_callback(_retrieve)
        self._head = bytearray()
        self._raw = bytearray()  # body bytes still chunk-encoded
        self._text = ""  # decoded body not yet split into events
        self.bytes_received = 0
        self.events = 0
        self.heartbeats = 0
        self.last_heartbeat_at: float | None = None
        self.last_rx_at: float | None = None
        self.reconnect_reason: str | None = None
        self.closed_at: float | None = None
        self.error: str | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's are not subclasses
        self.transport.write(
            request_head(self.path, self.host, self.port, self.token, "Accept: text/event-stream")
        )

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        self.last_rx_at = now
        self.bytes_received += len(data)
        if self.status is None:
            self._head += data
            end = self._head.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self._head[:end]).decode("latin-1")
            data = bytes(self._head[end + 4 :])
            self._head = bytearray()
            status, *headers = head.split("\r\n")
            self.status = int(status.split()[1])
            for line in headers:
                name, _, value = line.partition(":")
                if name.strip().lower() == "transfer-encoding" and "chunked" in value.lower():
                    self.chunked = True
            if self.status != 200:
                self.error = f"HTTP {self.status}: {data[:200]!r}"
                if not self.ready.done():
                    self.ready.set_exception(HandshakeError(self.error))
                self.abort()
                return
        if self.chunked:
            self._raw += data
            data = self._dechunk()
        if data:
            self._text += data.decode()
            self._split(now)

    def _dechunk(self) -> bytes:
        out = bytearray()
        raw = self._raw
        while True:
            eol = raw.find(b"\r\n")
            if eol < 0:
                break
            size = int(bytes(raw[:eol]).split(b";")[0], 16)
            if len(raw) < eol + 2 + size + 2:
                break
            out += raw[eol + 2 : eol + 2 + size]
            del raw[: eol + 2 + size + 2]
        return bytes(out)

    def _split(self, now: float) -> None:
        *blocks, self._text = self._text.split("\n\n")
        for block in blocks:
            if not block:
                continue
            if block.startswith(":"):
                self.heartbeats += 1
                self.last_heartbeat_at = now
                continue
            name, data = "message", ""
            for line in block.split("\n"):
                field, _, value = line.partition(":")
                if field == "event":
                    name = value.strip()
                elif field == "data":
                    data = value.strip()
            if not data and name == "message":
                continue  # the `retry:` preamble
            self.events += 1
            if name == "ready" and not self.ready.done():
                self.ready.set_result(None)
            elif name == "reconnect":
                self.reconnect_reason = data
            if self.on_event is not None:
                self.on_event(self, name, data, now)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed_at = time.perf_counter()
        if exc is not None and self.error is None:
            self.error = f"{type(exc).__name__}: {exc}"
        if not self.ready.done():
            self.ready.set_exception(HandshakeError(self.error or "closed before `ready`"))

    @property
    def is_open(self) -> bool:
        return (
            self.status == 200
            and self.transport is not None
            and not self.transport.is_closing()
            and self.closed_at is None
            and self.reconnect_reason is None
        )


async def connect_sse(
    host: str,
    port: int,
    path: str = "/api/notifications/sse",
    *,
    token: str | None = None,
    on_event: Callable[[SseClient, str, str, float], None] | None = None,
    tag: Any = None,
    timeout: float = 30.0,
) -> SseClient:
    """Connect and wait for the stream's `ready` event (HandshakeError or OSError otherwise)."""
    client = SseClient(host, port, path, token=token, on_event=on_event, tag=tag)
    return await open_client(client, host, port, timeout, client.ready)


# --- many connections ---------------------------------------------------------------------------


async def bounded(
    factories: Iterable[Callable[[], Awaitable[T]]], limit: int
) -> tuple[list[T], list[str], list[float]]:
    """Run the coroutines `limit` at a time: (results, errors, seconds each successful one took).

    A bounded number of connections in flight keeps the listen backlog of the workers (Uvicorn's
    default 2048) from overflowing, which would show up as SYN retries of 1 s or more.
    """
    pending = list(factories)
    pending.reverse()
    results: list[T] = []
    errors: list[str] = []
    took: list[float] = []

    async def lane() -> None:
        while pending:
            factory = pending.pop()
            start = time.perf_counter()
            try:
                results.append(await factory())
                took.append(time.perf_counter() - start)
            except (OSError, HandshakeError, asyncio.TimeoutError) as exc:
                errors.append(f"{type(exc).__name__}: {exc or 'no answer in time'}"[:300])

    await asyncio.gather(*(lane() for _ in range(max(1, limit))))
    return results, errors, took


def raise_nofile_limit() -> tuple[int, int]:
    """Raise this process's soft RLIMIT_NOFILE to its hard limit; returns (soft, hard).

    Children (the workers) inherit it, so call it before starting them.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = max(soft, 1 << 20) if hard == resource.RLIM_INFINITY else hard
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def process_nofile_limit(pid: int) -> int | None:
    """The soft `Max open files` of another process (from /proc/<pid>/limits)."""
    try:
        for row in Path(f"/proc/{pid}/limits").read_text().splitlines():
            if row.startswith("Max open files"):
                value = row.split()[3]
                return None if value == "unlimited" else int(value)
    except OSError:
        return None
    return None


def log_records(text: str) -> tuple[list[dict[str, Any]], int]:
    """The JSON records of a process's log (other lines skipped) and its count of tracebacks."""
    records = []
    tracebacks = 0
    for line in text.splitlines():
        if line.startswith("Traceback"):
            tracebacks += 1
        if not line.startswith("{"):
            continue
        try:
            records.append(json.loads(line))
        except ValueError:
            continue
    return records, tracebacks


def log_problems(worker: Worker) -> dict[str, Any]:
    """Lines of a worker's log at WARNING or worse (JSON logs), counted by message."""
    counts: dict[str, int] = {}
    records, tracebacks = log_records(worker.log())
    for record in records:
        level = str(record.get("level", record.get("levelname", ""))).upper()
        if level in ("WARNING", "ERROR", "CRITICAL"):
            key = f"{level}: {record.get('message', record.get('msg', ''))}"[:160]
            counts[key] = counts.get(key, 0) + 1
    return {"by_message": counts, "tracebacks": tracebacks}


# --- workers with hooks -------------------------------------------------------------------------


def start_hooked_worker(
    name: str, env: dict[str, str], log_dir: Path, *, graceful_timeout: int = 8
) -> Worker:
    """Like `bench_common.start_worker`, but through `bench_worker.py` (same `blog-api serve`,
    plus a SIGUSR1 handler running `gc.collect()`, and tracemalloc snapshots on SIGUSR2 when
    started with BENCH_TRACEMALLOC=<frames>); waits until /readyz answers 200."""
    port = free_port()
    script = str(ROOT / "scripts" / "bench_worker.py")
    command = [sys.executable, script, *serve_arguments(port, graceful_timeout)]
    env = {**env, "BENCH_WORKER_DIR": str(log_dir)}
    return wait_ready(spawn(name, port, command, log_dir, env))


# --- accounts and posts -------------------------------------------------------------------------


def create_admin(env: dict[str, str], email: str, username: str) -> None:
    """`blog-api create-admin` (the real command) with the benchmarks' password."""
    made = run_cli(
        *("create-admin", "--email", email, "--username", username),
        env={**env, "BLOG_API_ADMIN_PASSWORD": PASSWORD},
    )
    if made.returncode != 0:
        raise RuntimeError(f"create-admin failed: {made.stderr}")


async def login(http: httpx.AsyncClient, base: str, email: str) -> str:
    """An access token for `email` (password `PASSWORD`)."""
    response = await http.post(
        f"{base}/api/auth/login", json={"email": email, "password": PASSWORD}
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


async def register(
    http: httpx.AsyncClient, base: str, name: str, *, admin_token: str | None = None
) -> tuple[int, str]:
    """Register `name@example.com` (role user; promoted to admin by `admin_token` when given)
    and log in: (id, access token)."""
    email = f"{name}@example.com"
    body = {"email": email, "username": name, "password": PASSWORD}
    created = await http.post(f"{base}/api/auth/register", json=body)
    created.raise_for_status()
    user_id = int(created.json()["id"])
    if admin_token:
        promoted = await http.patch(
            f"{base}/api/users/{user_id}",
            json={"role": "admin"},
            headers={"Authorization": f"Bearer {admin_token}"},
        )
        promoted.raise_for_status()
    return user_id, await login(http, base, email)


async def register_many(
    http: httpx.AsyncClient,
    base: str,
    prefix: str,
    count: int,
    concurrency: int = 8,
    *,
    admin_token: str | None = None,
) -> list[str]:
    """`count` accounts `{prefix}_{n}` (admins when `admin_token` is given); their tokens."""
    limit = asyncio.Semaphore(concurrency)

    async def one(n: int) -> str:
        async with limit:
            return (await register(http, base, f"{prefix}_{n}", admin_token=admin_token))[1]

    return list(await asyncio.gather(*(one(n) for n in range(count))))


async def approved_post(
    http: httpx.AsyncClient, base: str, *, author_token: str, admin_token: str, title: str
) -> int:
    """A post submitted by the author and approved by the admin; its id."""
    created = await http.post(
        f"{base}/api/blogs",
        json={"title": title, "content": "Benchmark post: *live comments*."},
        headers={"Authorization": f"Bearer {author_token}"},
    )
    created.raise_for_status()
    blog_id = int(created.json()["id"])
    approved = await http.post(
        f"{base}/api/blogs/{blog_id}/approve", headers={"Authorization": f"Bearer {admin_token}"}
    )
    approved.raise_for_status()
    return blog_id


def setup_client() -> httpx.AsyncClient:
    """The httpx client of the setup (accounts, posts) and of REST calls: no pool limit."""
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    return httpx.AsyncClient(timeout=httpx.Timeout(30.0), limits=limits)


async def author_and_viewers(
    http: httpx.AsyncClient, base: str, admin_email: str, prefix: str, count: int
) -> tuple[str, str, list[str]]:
    """Tokens of the admin `admin_email`, of a new author `bench_author`, and of `count` new
    accounts `{prefix}_{n}`."""
    admin = await login(http, base, admin_email)
    _, author = await register(http, base, "bench_author")
    tokens = await register_many(http, base, prefix, count)
    return admin, author, tokens


def client_rss_kib() -> int:
    """VmRSS of this process."""
    return rss_kib(os.getpid())


async def open_loop(
    items: Iterable[T], rate: float, send: Callable[[T], Coroutine[Any, Any, None]]
) -> float:
    """Open loop: `send(item)` number n starts at n/rate seconds whatever the earlier ones are
    doing; returns the seconds until every one has finished."""
    start = time.perf_counter()
    tasks: list[asyncio.Task[None]] = []
    for n, item in enumerate(items):
        delay = start + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(item)))
    await asyncio.gather(*tasks)
    return time.perf_counter() - start


async def wait_for_silence(last: Callable[[], float], seconds: float, limit: float) -> float:
    """Wait until `last()` (the time of the last message) is `seconds` old, `limit` seconds at
    most; returns how long that took."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        if time.perf_counter() - last() >= seconds:
            break
        await asyncio.sleep(0.1)
    return time.perf_counter() - started


def _signal_and_wait(worker: Worker, log_dir: Path, signum: int, marker: str) -> int:
    """Send `signum` and wait (10 s at most) for one more `{marker}-<pid>-<n>` file; returns n."""
    pattern = f"{marker}-{worker.pid}-*"
    before = len(list(log_dir.glob(pattern)))
    os.kill(worker.pid, signum)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if len(list(log_dir.glob(pattern))) > before:
            return before + 1
        time.sleep(0.02)
    raise RuntimeError(f"worker {worker.name} did not answer signal {signum}")


def collect_garbage(worker: Worker, log_dir: Path) -> None:
    """`gc.collect()` inside a worker started by `start_hooked_worker` (SIGUSR1)."""
    _signal_and_wait(worker, log_dir, signal.SIGUSR1, "gc")


def tracemalloc_snapshot(worker: Worker, log_dir: Path) -> Path:
    """A tracemalloc snapshot of a hooked worker started with BENCH_TRACEMALLOC (SIGUSR2); the
    first one starts tracing."""
    n = _signal_and_wait(worker, log_dir, signal.SIGUSR2, "snap")
    return log_dir / f"tracemalloc-{worker.pid}-{n}.snap"


def live_claims(redis_url: str) -> dict[str, int]:
    """Unexpired members of the app's per-connection sorted sets in Redis: SSE slots
    (`blog_api:sse:user:*`), WebSocket claims (`blog_api:ws:user:*`) and presence
    (`blog_api:ws:presence:*`). Once every client has closed, each should be 0; what is left
    counts against the users' connection caps (and in presence) until it expires."""
    import redis

    client = redis.Redis.from_url(redis_url, decode_responses=True)
    out = {"sse_slots": 0, "ws_user_claims": 0, "ws_presence": 0}
    try:
        seconds, micros = client.time()
        now = seconds + micros / 1_000_000
        for pattern, kind in (
            ("blog_api:sse:user:*", "sse_slots"),
            ("blog_api:ws:user:*", "ws_user_claims"),
            ("blog_api:ws:presence:*", "ws_presence"),
        ):
            for key in client.scan_iter(match=pattern, count=1000):
                out[kind] += int(client.zcount(key, f"({now}", "+inf"))
    finally:
        client.close()
    return out


async def claims_after_close(
    redis_url: str, pids: Iterable[int] = (), limit: float = 30.0
) -> dict[str, Any]:
    """`live_claims` once they stop changing: read every second until all are 0, or three
    readings in a row are equal while the worker processes `pids` used less than 5 % of a CPU
    (they are done with the disconnects), or `limit` seconds have passed (under the claims' own
    expiry of 45-60 s). What is left is what the server failed to release."""
    pids = list(pids)
    start = time.perf_counter()
    readings: list[dict[str, int]] = []
    cpu = sum(cpu_seconds(pid) for pid in pids)
    while time.perf_counter() - start < limit:
        readings.append(live_claims(redis_url))
        busy = sum(cpu_seconds(pid) for pid in pids)
        idle, cpu = busy - cpu < 0.05, busy
        if not any(readings[-1].values()):
            break
        if idle and len(readings) >= 3 and readings[-1] == readings[-2] == readings[-3]:
            break
        await asyncio.sleep(1.0)
    return {**readings[-1], "seconds_after_close": round(time.perf_counter() - start, 1)}


def redis_connections(redis_url: str) -> int:
    """`connected_clients` of the Redis server (ourselves included), from INFO clients."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        return int(client.info("clients")["connected_clients"])
    finally:
        client.close()
