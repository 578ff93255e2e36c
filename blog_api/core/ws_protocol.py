"""Uvicorn's sans-I/O WebSocket protocol, with less held per open socket.

Measured with a no-op ASGI app (accept, then wait), Uvicorn's `websockets-sansio` protocol costs
about 19.5 KiB of resident memory per idle socket; this subclass about 15 KiB. The difference is
three things it keeps for the whole life of a connection although it needs them for a moment or
never: an `asyncio.Queue` for incoming messages (four deques and an Event), an `asyncio.Event`
for write flow control (a deque), and the handshake's request and response objects with their
header maps. Behaviour is unchanged: same queue and event semantics, same frames on the wire.

It leans on three attributes of the parent (`queue`, `writable`, `request`/`response`);
`tests/test_ws_protocol.py` fails if a Uvicorn upgrade renames them.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Generic, TypeVar, cast

from starlette.types import Scope
from uvicorn.protocols.utils import ClientDisconnected
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.http11 import Request

from blog_api.core.handoff import Slot, abort_handed_off, open_slot, take_continuation

T = TypeVar("T")

logger = logging.getLogger("blog_api.ws_protocol")


class SmallQueue(Generic[T]):
    """The part of `asyncio.Queue` the protocol uses: unbounded, one consumer."""

    __slots__ = ("_items", "_waiter")

    def __init__(self) -> None:
        self._items: list[T] = []
        self._waiter: asyncio.Future[None] | None = None

    def put_nowait(self, item: T) -> None:
        self._items.append(item)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def get(self) -> T:
        while not self._items:
            waiter = self._waiter = asyncio.get_running_loop().create_future()
            try:
                await waiter
            finally:
                self._waiter = None
        return self._items.pop(0)

    def empty(self) -> bool:
        return not self._items

    def qsize(self) -> int:
        return len(self._items)


class SmallEvent:
    """`asyncio.Event` without a deque until someone actually waits (writes rarely block)."""

    __slots__ = ("_value", "_waiters")

    def __init__(self) -> None:
        self._value = False
        self._waiters: list[asyncio.Future[None]] | None = None

    def is_set(self) -> bool:
        return self._value

    def set(self) -> None:
        self._value = True
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        self._value = False

    async def wait(self) -> bool:
        if self._value:
            return True
        waiter = asyncio.get_running_loop().create_future()
        if self._waiters is None:
            self._waiters = []
        self._waiters.append(waiter)
        try:
            await waiter
        finally:
            if self._waiters is not None and waiter in self._waiters:
                self._waiters.remove(waiter)
        return True


class LeanWebSocketProtocol(WebSocketsSansIOProtocol):
    """`blog-api serve` runs WebSockets on this (Uvicorn's `ws=` option)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = SmallQueue()  # type: ignore[assignment]
        self.writable = SmallEvent()  # type: ignore[assignment]
        self.writable.set()

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        # The scope has been built from it; nothing reads the request again. The parser of
        # `websockets` keeps the request object alive for the connection's life (a local of
        # its suspended generator), so empty it rather than only dropping our reference.
        self.request = None  # type: ignore[assignment]
        event.headers.clear()
        event.path = ""

    async def run_asgi(self) -> None:
        """Uvicorn's, plus the hand-off (core/handoff.py) one level further out than our
        outermost middleware: once the application has returned, every frame above it has
        unwound, and the continuation runs here, in the connection's task. (Uvicorn's own
        closes the transport as soon as the application returns, hence a copy, not a call.)"""
        scope = cast("Scope", self.scope)  # Uvicorn's TypedDict; the same dict
        slot: Slot | None = open_slot(scope)
        try:
            result = await self.app(self.scope, self.receive, self.send)
            continuation = take_continuation(scope, cast("Slot", slot))
            slot = None  # this frame lives as long as the socket: keep nothing of the opening
            if continuation is not None:
                # Same callables as the application got; typed by Uvicorn's own ASGI types.
                await continuation(self.receive, self.send)  # type: ignore[arg-type]
        except ClientDisconnected:
            pass
        except BaseException:
            if slot is not None:
                await abort_handed_off(slot)
            self.logger.exception("Exception in ASGI application\n")
            self.send_500_response()
        else:
            if not self.handshake_complete:
                self.logger.error("ASGI callable returned without completing handshake.")
                self.send_500_response()
            elif result is not None:
                self.logger.error("ASGI callable should return None, but returned '%s'.", result)
        if self.close_timer is None:
            self.transport.close()

    def send_receive_event_to_app(self) -> None:
        # A text message that is not UTF-8 is the client's mistake: Uvicorn closes with 1007
        # (RFC 6455), and so do we, but it also logs an ERROR with a traceback, which let any
        # client write errors into the server's log at will.
        if self.curr_msg_data_type == "text":
            data = self.frames[0] if len(self.frames) == 1 else b"".join(self.frames)
            try:
                data.decode()
            except UnicodeDecodeError:
                self.frames = []
                logger.info("invalid UTF-8 in a WebSocket text message; closing with 1007")
                self.conn.send_close(1007)
                self.handle_parser_exception()
                return
        super().send_receive_event_to_app()

    async def send(self, message: Any) -> None:
        await super().send(message)
        if message["type"] == "websocket.accept" and self.handshake_complete:
            # Sent; only a refused handshake (before this point) needs the response again.
            self.response = None  # type: ignore[assignment]
