"""A small WebSocket test client over real sockets (the `websockets` library), and an in-process
Uvicorn for the test app, so WebSocket tests run against a real server without subprocesses."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from blog_api.core.ws_protocol import LeanWebSocketProtocol
from tests.harness import free_port

TIMEOUT = 5.0


class WsClient:
    """One socket; `expect(type)` reads until a message of that type (keeping the others)."""

    def __init__(self, conn: ClientConnection) -> None:
        self.conn = conn
        self.seen: list[dict[str, Any]] = []

    async def send(self, message: dict[str, Any] | str | bytes) -> None:
        await self.conn.send(message if isinstance(message, (str, bytes)) else json.dumps(message))

    async def recv(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.conn.recv(), timeout)
        message = json.loads(raw)
        self.seen.append(message)
        return message

    async def expect(self, type_: str, timeout: float = TIMEOUT, **match: Any) -> dict[str, Any]:
        """The next message of `type_` (whose fields equal `match`), skipping any others."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            message = await self.recv(max(0.01, deadline - loop.time()))
            if message["type"] == type_ and all(message.get(k) == v for k, v in match.items()):
                return message

    async def next_event(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The next `comment.*` message, skipping presence, typing and pings (which may come
        in between at any time: presence counts are sent a moment after a join)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            message = await self.recv(max(0.01, deadline - loop.time()))
            if message["type"].startswith("comment."):
                return message

    async def join(self) -> dict[str, Any]:
        """Read `hello`, `history` and the first `presence`; returns the history message."""
        assert (await self.recv())["type"] == "hello"
        history = await self.recv()
        assert history["type"] == "history"
        assert (await self.recv())["type"] == "presence"
        return history

    async def closed(self, timeout: float = TIMEOUT) -> tuple[int | None, str | None]:
        """Wait for the server to close the socket; returns (code, reason)."""
        with contextlib.suppress(ConnectionClosed):
            while True:
                self.seen.append(json.loads(await asyncio.wait_for(self.conn.recv(), timeout)))
        await asyncio.wait_for(self.conn.wait_closed(), timeout)
        return self.conn.close_code, self.conn.close_reason

    async def quiet(self, seconds: float = 0.3) -> list[dict[str, Any]]:
        """Messages arriving within `seconds` (to assert that something is NOT sent)."""
        out: list[dict[str, Any]] = []
        with contextlib.suppress(asyncio.TimeoutError):
            while True:
                out.append(await self.recv(seconds))
        return out


@contextlib.asynccontextmanager
async def ws_connect(
    url: str, *, token: str | None = None, ticket: str | None = None
) -> AsyncIterator[WsClient]:
    """Open a socket with a bearer token or a ticket (or neither)."""
    headers = {"Authorization": f"Bearer {token}"} if token else None
    if ticket:
        url = f"{url}?ticket={ticket}"
    async with connect(url, additional_headers=headers, open_timeout=TIMEOUT) as conn:
        yield WsClient(conn)


@contextlib.asynccontextmanager
async def serve_in_process(app: FastAPI) -> AsyncIterator[str]:
    """Serve an already started app (its lifespan is the fixture's) on a free port; yields the
    `ws://` base URL."""
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        lifespan="off",
        log_level="warning",
        timeout_graceful_shutdown=1,
        # The WebSocket protocol `blog-api serve` runs.
        ws=LeanWebSocketProtocol,
    )
    server = uvicorn.Server(config)
    # Not `serve()`: that installs signal handlers, which belong to pytest here.
    config.load()
    server.lifespan = config.lifespan_class(config)
    await server.startup()
    main = asyncio.create_task(server.main_loop())
    try:
        yield f"ws://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await main
        await server.shutdown()
