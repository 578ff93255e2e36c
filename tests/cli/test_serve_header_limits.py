"""`blog-api serve` reached directly (no proxy in front): slow and oversized request headers.

Uvicorn's httptools protocol has no header-read timeout (a connection that never finishes its
headers stays open for ever) and no header size limit. `blog-api serve` runs our subclass
(`blog_api.core.http_protocol`): `HTTP_HEADER_TIMEOUT_SECONDS` to receive a request's headers,
`HTTP_MAX_HEADER_BYTES` for the request line plus headers (431 beyond). Tested with raw sockets
against a real `blog-api serve` process, as an attacker would.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.cli.conftest import CliDb
from tests.conftest import PASSWORD, run_cli
from tests.harness import start_worker

HEADER_TIMEOUT = 1.0
MAX_HEADER_BYTES = 16_384


@dataclass
class Served:
    port: int
    log: Path

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One `blog-api serve` for the module, with a short header timeout so the tests are quick."""
    from tests.conftest import IS_POSTGRES

    if IS_POSTGRES:
        pytest.skip("independent of the pass's backend; runs in the SQLite pass")
    folder = tmp_path_factory.mktemp("serve-limits")
    db = CliDb(folder / "db.sqlite3")
    env = {
        **os.environ,
        **db.env,
        "HTTP_HEADER_TIMEOUT_SECONDS": str(HEADER_TIMEOUT),
        "HTTP_MAX_HEADER_BYTES": str(MAX_HEADER_BYTES),
        "SSE_HEARTBEAT_SECONDS": "0.5",
    }
    assert run_cli("migrate", env=env).returncode == 0
    created = run_cli(
        "create-admin", "--email", "root@example.com", "--username", "root",
        env={**env, "BLOG_API_ADMIN_PASSWORD": PASSWORD},
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    worker = start_worker("serve", env, folder)
    try:
        yield Served(worker.port, worker.log_path)
    finally:
        worker.stop(timeout=10)


def _read_until_closed(sock: socket.socket, timeout: float) -> bytes | None:
    """Everything the server sends until it closes; None if it is still open after `timeout`."""
    sock.settimeout(timeout)
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except TimeoutError:
        return None
    except ConnectionResetError:
        pass
    return received


def _read_response(sock: socket.socket) -> bytes:
    """One whole response with a Content-Length (headers and body), nothing more."""
    sock.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def _closed_within(sockets: list[socket.socket], seconds: float) -> list[bytes | None]:
    deadline = time.monotonic() + seconds
    return [_read_until_closed(s, max(0.05, deadline - time.monotonic())) for s in sockets]


def test_two_hundred_half_sent_headers_are_closed_after_the_header_timeout(
    served: Served,
) -> None:
    sockets = [served.connect() for _ in range(200)]
    try:
        for index, sock in enumerate(sockets):
            if index % 2:  # half send part of a request, half nothing at all
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        results = _closed_within(sockets, HEADER_TIMEOUT + 3)
    finally:
        for sock in sockets:
            sock.close()
    still_open = sum(result is None for result in results)
    assert still_open == 0, f"{still_open} of 200 connections still open"
    # Those that sent something are told why; those that sent nothing are just closed.
    assert all(r.startswith(b"HTTP/1.1 408 ") for r in results[1::2] if r), results[1]
    assert httpx.get(served.url("/healthz"), timeout=2).status_code == 200


def test_headers_dribbled_byte_by_byte_do_not_extend_the_timeout(served: Served) -> None:
    sock = served.connect()
    try:
        started = time.monotonic()
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        closed = False
        while time.monotonic() - started < HEADER_TIMEOUT + 3:
            try:
                sock.sendall(b"X")
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            sock.settimeout(0.2)
            try:
                sock.recv(65536)  # a 408 or the end of the stream: the server is done with us
            except TimeoutError:
                continue
            closed = True
            break
        assert closed, "a client sending a byte every 0.2 s kept the connection"
        assert time.monotonic() - started < HEADER_TIMEOUT + 1.5
    finally:
        sock.close()


def test_a_kept_alive_connection_has_the_same_timeout_for_its_next_request(
    served: Served,
) -> None:
    sock = served.connect()
    try:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        first = _read_response(sock)
        assert first.startswith(b"HTTP/1.1 200 "), first
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        result = _read_until_closed(sock, HEADER_TIMEOUT + 3)
        assert result is not None, "the second request's headers were waited for without end"
        assert result.startswith(b"HTTP/1.1 408 "), result
    finally:
        sock.close()


def test_a_megabyte_of_headers_is_refused_with_431(served: Served) -> None:
    sock = served.connect()
    try:
        request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
        try:
            sock.sendall(request)
            for _ in range(64):  # 1 MiB in 16 KiB header lines, as a client would send it
                sock.sendall(b"X-Pad: " + b"a" * 16_000 + b"\r\n")
            sock.sendall(b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before we finished sending: what we want; read the answer
        result = _read_until_closed(sock, 5)
    finally:
        sock.close()
    assert result is not None, "the connection stayed open"
    assert result.startswith(b"HTTP/1.1 431 "), result[:200]


def test_one_oversized_header_line_is_refused_with_431(served: Served) -> None:
    sock = served.connect()
    try:
        try:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nCookie: " + b"a" * 1_048_576)
            sock.sendall(b"\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        result = _read_until_closed(sock, 5)
    finally:
        sock.close()
    assert result is not None and result.startswith(b"HTTP/1.1 431 "), (result or b"")[:200]


def test_headers_just_under_the_limit_are_served(served: Served) -> None:
    pad = b"a" * (MAX_HEADER_BYTES - 200)
    response = httpx.get(served.url("/healthz"), headers={"X-Pad": pad.decode()}, timeout=5)
    assert response.status_code == 200


def test_a_pipelined_second_request_with_oversized_headers_is_refused(served: Served) -> None:
    # Both requests in one write: the size of the second one's headers is checked too.
    sock = served.connect()
    try:
        second = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 20_000 + b"\r\n\r\n"
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" + second)
        result = _read_until_closed(sock, 5)
    finally:
        sock.close()
    assert result is not None
    assert result.startswith(b"HTTP/1.1 200 "), result[:200]
    assert b"HTTP/1.1 431 " in result, result[-300:]


def test_a_long_stream_is_not_cut_by_the_header_timeout(served: Served) -> None:
    # The timeout is for receiving headers, not for the response: an SSE stream lives on.
    token = httpx.post(
        served.url("/api/auth/login"),
        json={"email": "root@example.com", "password": PASSWORD},
        timeout=5,
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    started = time.monotonic()
    with httpx.stream(
        "GET", served.url("/api/notifications/sse"), headers=headers, timeout=5
    ) as stream:
        assert stream.status_code == 200
        for _ in stream.iter_lines():
            if time.monotonic() - started > HEADER_TIMEOUT * 3:
                break
    assert time.monotonic() - started > HEADER_TIMEOUT * 3
