"""The lean WebSocket protocol behaves as Uvicorn's own, over a real socket."""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import socket
import struct
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from blog_api.core.ws_protocol import LeanWebSocketProtocol

BIG = "x" * (4 * 1024 * 1024)  # far over the transport's write buffer: exercises flow control
received: list[dict[str, Any]] = []


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Echo; `big` sends BIG three times; `close` closes with 4408; records what it got."""
    assert scope["type"] == "websocket"
    assert (await receive())["type"] == "websocket.connect"
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        received.append(message)
        if message["type"] == "websocket.disconnect":
            return
        if message.get("text") == "close":
            await send({"type": "websocket.close", "code": 4408, "reason": "bye"})
        elif message.get("text") == "big":
            for _ in range(3):
                await send({"type": "websocket.send", "text": BIG})
        else:
            await send({"type": "websocket.send", "text": message.get("text") or ""})


@pytest.fixture
async def server() -> AsyncIterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        app, ws=LeanWebSocketProtocol, log_level="warning", lifespan="off", ws_max_size=2**23
    )
    srv = uvicorn.Server(config)
    task = asyncio.create_task(srv.serve(sockets=[sock]))
    while not srv.started:
        await asyncio.sleep(0.01)
    received.clear()
    yield f"ws://127.0.0.1:{sock.getsockname()[1]}/"
    srv.should_exit = True
    await task


async def test_messages_go_both_ways_in_order(server: str) -> None:
    async with connect(server) as ws:
        for i in range(50):
            await ws.send(f"m{i}")
        assert [await ws.recv() for _ in range(50)] == [f"m{i}" for i in range(50)]


async def test_a_slow_reader_gets_every_byte_of_large_messages(server: str) -> None:
    async with connect(server, max_size=None, max_queue=1) as ws:
        await ws.send("big")
        await asyncio.sleep(0.5)  # the server's writes pause until we read
        assert [await ws.recv() for _ in range(3)] == [BIG, BIG, BIG]


async def test_the_app_close_code_reaches_the_client(server: str) -> None:
    async with connect(server) as ws:
        await ws.send("close")
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4408, "bye")


async def test_the_client_close_reaches_the_app_as_disconnect(server: str) -> None:
    async with connect(server) as ws:
        await ws.send("hi")
        await ws.recv()
    for _ in range(100):
        if received and received[-1]["type"] == "websocket.disconnect":
            break
        await asyncio.sleep(0.01)
    assert received[-1] == {"type": "websocket.disconnect", "code": 1000, "reason": ""}


def masked_frame(payload: bytes, opcode: int = 1) -> bytes:
    """A client frame (masked), FIN set."""
    mask = os.urandom(4)
    n = len(payload)
    if n < 126:
        head = bytes([0x80 | opcode, 0x80 | n])
    elif n < 65536:
        head = bytes([0x80 | opcode, 0x80 | 126]) + struct.pack("!H", n)
    else:
        head = bytes([0x80 | opcode, 0x80 | 127]) + struct.pack("!Q", n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


@pytest.mark.parametrize("then_oversize", [False, True])
async def test_invalid_utf8_closes_1007_without_logging_an_error(
    server: str, caplog: pytest.LogCaptureFixture, then_oversize: bool
) -> None:
    caplog.set_level(logging.INFO)
    host, port = server[len("ws://") :].rstrip("/").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        f"GET / HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    await reader.readuntil(b"\r\n\r\n")
    oversize = masked_frame(b"x" * (2**23 + 10)) if then_oversize else b""
    writer.write(masked_frame(b"\xff\xfe") + oversize)
    close = await asyncio.wait_for(reader.read(4), 5)
    writer.close()
    # Alone: 1007. Followed at once by an oversize frame, the parser may fail first: 1009.
    expected = (1007, 1009) if then_oversize else (1007,)
    assert close[:1] == b"\x88" and struct.unpack("!H", close[2:4])[0] in expected
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_it_replaces_what_the_parent_holds() -> None:
    """If a Uvicorn upgrade renames these, the subclass would silently stop saving memory."""
    import inspect

    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

    source = inspect.getsource(WebSocketsSansIOProtocol)
    for attribute in ("self.queue = ", "self.writable = ", "self.request = ", "self.response = "):
        assert attribute in source.replace(": asyncio.Queue[ASGIReceiveEvent]", "")


class Echo:
    """A handed-off continuation (core/handoff.py): echoes one message, then closes."""

    def __init__(self, events: list[str]) -> None:
        self.events = events

    async def __call__(self, receive: Any, send: Any) -> None:
        self.events.append("continuation")
        message = await receive()
        await send({"type": "websocket.send", "text": "echo:" + message["text"]})
        await send({"type": "websocket.close", "code": 1000})

    async def abort(self) -> None:
        self.events.append("aborted")


async def test_the_protocol_runs_a_hand_off_after_the_whole_application_returned() -> None:
    """Even the frames above our outermost middleware unwind before the socket's long life."""
    from blog_api.core.handoff import HandoffMiddleware, hand_off

    events: list[str] = []
    scopes: list[dict[str, Any]] = []

    async def route(scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        scope["framework_state"] = object()
        scopes.append(scope)
        hand_off(scope, Echo(events))

    inner = HandoffMiddleware(route)

    async def outer(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await inner(scope, receive, send)
        events.append("application returned")

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(outer, ws=LeanWebSocketProtocol, log_level="warning", lifespan="off")
    srv = uvicorn.Server(config)
    task = asyncio.create_task(srv.serve(sockets=[sock]))
    try:
        while not srv.started:
            await asyncio.sleep(0.01)
        url = f"ws://127.0.0.1:{sock.getsockname()[1]}/live?ticket=secret"
        async with connect(url, additional_headers={"Authorization": "Bearer secret"}) as ws:
            await ws.send("hi")
            assert await ws.recv() == "echo:hi"
            with pytest.raises(ConnectionClosed):
                await ws.recv()
    finally:
        srv.should_exit = True
        await task
    assert events == ["application returned", "continuation"]
    # The scope the socket keeps: no credentials, nothing the stack added.
    (scope,) = scopes
    assert "framework_state" not in scope and "state" not in scope
    assert scope["headers"] == [] and scope["query_string"] == b""
