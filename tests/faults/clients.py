"""Clients that behave like a browser's, for fault tests: they reconnect by themselves and keep
the account of what they received, so a test can check that every event arrived exactly once.

`SseFollower` is what docs/auth-for-spa.md tells an SPA to do: a fresh ticket for every connection,
resume with the last id it saw, wait the stream's `retry:` after an error, and after `reset` reload
over REST (`GET /api/notifications`). `WsFollower` follows a post's comments socket the same way
(a fresh ticket each time; `history` on each join; after `reset`, `GET /api/blogs/{id}/comments`).
Both fall over to the other worker when theirs does not answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from tests.faults.conftest import Account
from tests.harness import Worker
from tests.realtime.sse_client import SseStream


class Refused(Exception):
    """The server answered, but not with a connection (a status or a close code)."""


class _Follower:
    """The reconnect loop shared by both kinds: `start()`, `bounce()`, `stop()`."""

    def __init__(self, name: str, account: Account, workers: list[Worker]) -> None:
        self.name = name
        self.account = account
        self.workers = workers
        self.target = 0
        self.connects = 0  # connections that were established
        self.refusals: list[Any] = []  # HTTP statuses / close codes of refused attempts
        self.failures: list[str] = []  # attempts that failed at the network level (retried)
        self.drops: list[Any] = []  # established connections the server ended, and why
        self.delay = 0.5
        self._task: asyncio.Task[None] | None = None
        self._session: asyncio.Task[None] | None = None
        # Bounded: a request that hangs shows up as a failure, not as a test that never ends.
        self.http = httpx.AsyncClient(timeout=httpx.Timeout(10.0))

    @property
    def worker(self) -> Worker:
        return self.workers[self.target]

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)

    def bounce(self) -> None:
        """Drop the current connection (a network blip); the loop reconnects."""
        if self._session is not None:
            self._session.cancel()

    async def stop(self) -> None:
        if self._task is not None:
            if self._task.done() and not self._task.cancelled() and self._task.exception():
                raise AssertionError(f"{self.name} failed") from self._task.exception()
            self._task.cancel()
            done, _ = await asyncio.wait({self._task}, timeout=15)
            assert done, f"{self.name} did not stop within 15 s: {self.describe()}"
        await self.http.aclose()

    def describe(self) -> str:
        """What happened to this client's connections, for failure messages."""
        return (
            f"{self.name}: connects={self.connects} refusals={self.refusals} "
            f"failures={self.failures} drops={self.drops}"
        )

    async def _run(self) -> None:
        try:
            while True:
                self._session = session = asyncio.create_task(self._connect_once(self.worker))
                await asyncio.wait({session})
                failed = not session.cancelled() and session.exception()
                if isinstance(failed, (httpx.ConnectError, ConnectionRefusedError)):
                    self.target = 1 - self.target  # that worker is gone: try the other one
                elif isinstance(failed, (httpx.HTTPError, EOFError, OSError, InvalidHandshake)):
                    # A browser retries these too (TimeoutError is an OSError).
                    self.failures.append(repr(failed)[:200])
                elif failed and not isinstance(failed, Refused):
                    raise failed
                await asyncio.sleep(self.delay)
        finally:
            if self._session is not None and not self._session.done():
                self._session.cancel()
                await asyncio.wait({self._session})

    async def _ticket(self, worker: Worker, purpose: str) -> str:
        resp = await self.http.post(
            worker.url + "/api/notifications/ticket",
            json={"purpose": purpose},
            headers=self.account.headers,
        )
        if resp.status_code != 201:
            self.refusals.append(("ticket", resp.status_code))
            raise Refused(f"ticket: {resp.status_code}")
        return str(resp.json()["ticket"])

    async def _connect_once(self, worker: Worker) -> None:
        raise NotImplementedError


class SseFollower(_Follower):
    """Follows `GET /api/notifications/sse`, counting events of one type by subject id."""

    def __init__(
        self,
        name: str,
        account: Account,
        workers: list[Worker],
        event_type: str = "blog.submitted",
    ) -> None:
        super().__init__(name, account, workers)
        self.event_type = event_type
        self.live: list[int] = []  # subject ids of `event_type`, as received (live or resumed)
        self.last_id: str | None = None
        self.resets = 0
        self.backfilled: set[int] = set()  # subject ids the REST reload after a reset returned
        self.reconnect_reasons: list[str] = []

    async def _connect_once(self, worker: Worker) -> None:
        params = {"ticket": await self._ticket(worker, "sse")}
        if self.last_id:
            params["last_event_id"] = self.last_id
        async with self.http.stream(
            "GET",
            worker.url + "/api/notifications/sse",
            params=params,
            timeout=httpx.Timeout(10.0, read=None),  # reads are bounded by `next` below
        ) as response:
            if response.status_code != 200:
                self.refusals.append(("sse", response.status_code))
                raise Refused(f"sse: {response.status_code}")
            self.connects += 1
            stream = SseStream(response)
            while True:
                msg = await stream.next(timeout=60)
                if msg.retry is not None:
                    self.delay = msg.retry / 1000
                if msg.data is None:
                    continue
                if msg.event == "reconnect":
                    self.reconnect_reasons.append(msg.data["reason"])
                    self.drops.append(("reconnect", msg.data["reason"]))
                    return
                if msg.event == "reset":
                    self.resets += 1
                    await self._reload(worker)
                elif msg.event == self.event_type:
                    self.live.append(int(msg.data["subject"]["id"]))
                if msg.id:
                    self.last_id = msg.id

    async def _reload(self, worker: Worker) -> None:
        """What an SPA does on `reset`: reload the notifications over REST."""
        cursor: str | None = None
        while True:
            params = {"limit": "100"} | ({"cursor": cursor} if cursor else {})
            resp = await self.http.get(
                worker.url + "/api/notifications", params=params, headers=self.account.headers
            )
            assert resp.status_code == 200, resp.text
            page = resp.json()
            for item in page["items"]:
                if item["type"] == self.event_type:
                    self.backfilled.add(int(item["subject"]["id"]))
            cursor = page.get("next_cursor")
            if not cursor:
                return

    def live_ids(self) -> set[int]:
        """Every subject id received on a stream (live or by resume)."""
        return set(self.live)

    def account_for(self, posted: list[int]) -> Tally:
        """Each posted id once: received live/by resume, or (only after a reset) reloaded."""
        return Tally.of(self.name, posted, self.live, self.backfilled if self.resets else set())


@dataclass
class WsConnection:
    history: list[int] = field(default_factory=list)
    live: list[int] = field(default_factory=list)
    reloaded: set[int] = field(default_factory=set)
    resets: int = 0
    close_code: int | None = None


class WsFollower(_Follower):
    """Follows `WS /api/blogs/{id}/ws`, counting `comment.created` by comment id."""

    def __init__(self, name: str, account: Account, workers: list[Worker], post_id: int) -> None:
        super().__init__(name, account, workers)
        self.post_id = post_id
        self.connections: list[WsConnection] = []
        self.delay = 0.3

    async def _connect_once(self, worker: Worker) -> None:
        ticket = await self._ticket(worker, "ws")
        url = f"{worker.ws_url}/api/blogs/{self.post_id}/ws?ticket={ticket}"
        try:
            async with connect(url, open_timeout=5, close_timeout=3) as ws:
                conn = WsConnection()
                try:
                    hello = json.loads(await ws.recv())
                    if hello["type"] != "hello":
                        raise Refused(hello)
                    self.connections.append(conn)
                    self.connects += 1
                    async for raw in ws:
                        message = json.loads(raw)
                        kind = message["type"]
                        if kind == "history":
                            conn.history = [c["id"] for c in message["comments"]]
                        elif kind == "comment.created":
                            conn.live.append(int(message["comment"]["id"]))
                        elif kind == "reset":
                            conn.resets += 1
                            conn.reloaded |= await self._reload(worker)
                        elif kind == "ping":
                            await ws.send(json.dumps({"type": "pong"}))
                except ConnectionClosed:
                    pass
                conn.close_code = ws.close_code
                if not self.connections or self.connections[-1] is not conn:
                    self.refusals.append(("ws", ws.close_code, ws.close_reason))
                else:
                    self.drops.append(("ws", ws.close_code, ws.close_reason))
        except InvalidStatus as exc:
            self.refusals.append(("ws-handshake", exc.response.status_code))
            raise Refused(str(exc)) from exc

    async def _reload(self, worker: Worker) -> set[int]:
        ids: set[int] = set()
        cursor: str | None = None
        while True:
            params = {"limit": "100"} | ({"cursor": cursor} if cursor else {})
            resp = await self.http.get(
                f"{worker.url}/api/blogs/{self.post_id}/comments", params=params
            )
            assert resp.status_code == 200, resp.text
            page = resp.json()
            ids |= {int(c["id"]) for c in page["items"]}
            cursor = page.get("next_cursor")
            if not cursor:
                return ids

    def describe(self) -> str:
        conns = [
            f"(history={len(c.history)} live={len(c.live)} resets={c.resets} "
            f"reloaded={len(c.reloaded)} close={c.close_code})"
            for c in self.connections
        ]
        return f"{super().describe()} connections={conns}"

    def live_ids(self) -> set[int]:
        """Every comment id received live, on any connection."""
        return {i for conn in self.connections for i in conn.live}

    def account_for(self, posted: list[int]) -> Tally:
        """The last connection alone must hold every comment once: from its `history` (or the
        REST reload after a `reset`), or live, never both; and no connection got one live twice."""
        last = self.connections[-1] if self.connections else WsConnection()
        live_everywhere = [i for conn in self.connections for i in conn.live]
        tally = Tally.of(self.name, posted, last.live, set(last.history) | last.reloaded)
        tally.duplicates |= {i for i, n in Counter(live_everywhere).items() if n > 1}
        overlap = set(last.history) & set(last.live)
        tally.duplicates |= overlap
        return tally


@dataclass
class Tally:
    """Per client: what is missing, what came twice, and where each id came from."""

    name: str
    missing: set[int]
    duplicates: set[int]
    live: int
    backfilled: int

    @classmethod
    def of(
        cls,
        name: str,
        posted: list[int],
        live: list[int],
        backfill: set[int],
    ) -> Tally:
        counts = Counter(live)
        duplicates = {i for i, n in counts.items() if n > 1}
        # A reload only counts for what the live stream did not bring: never twice.
        from_backfill = (backfill & set(posted)) - set(counts)
        missing = set(posted) - set(counts) - from_backfill
        return cls(name, missing, duplicates, len(counts), len(from_backfill))

    @property
    def exact(self) -> bool:
        return not self.missing and not self.duplicates


async def wait_for(followers: list[Any], posted: list[int], timeout: float = 30.0) -> list[Tally]:
    """Wait until every follower accounts for every posted id (or the timeout); their tallies."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        tallies = [f.account_for(posted) for f in followers]
        if all(not t.missing for t in tallies) or loop.time() > deadline:
            return tallies
        await asyncio.sleep(0.2)


async def connected(*followers: _Follower, count: int = 1, timeout: float = 15.0) -> None:
    """Until each follower has made `count` connections."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not all(f.connects >= count for f in followers):
        assert loop.time() < deadline, [(f.name, f.refusals) for f in followers]
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def following(*followers: _Follower) -> Any:
    for follower in followers:
        follower.start()
    try:
        yield followers
    finally:
        for follower in followers:
            await follower.stop()
