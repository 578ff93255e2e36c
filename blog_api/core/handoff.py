"""Long-lived connections leave the middleware stack once they are open.

An SSE stream or a WebSocket is opened by an ordinary route (dependencies, authorization,
problems, CORS, the request id and the access log all apply), but it then lives for minutes or
hours doing almost nothing. Were it to live inside the route, every frame of the stack below it
(each middleware's coroutine and send/receive wrappers, the router, FastAPI's dependency exit
stacks, the `Request`, the resolved dependencies) would stay in memory with it: measured, about
half of what an idle stream cost.

So the route opens the connection (response head and first frames sent through the stack), calls
`hand_off(scope, continuation)` and returns; the stack unwinds, and `HandoffMiddleware`, the
outermost layer, runs `continuation(receive, send)` with the server's own callables. Every message
after the opening therefore bypasses the middleware, which only ever rewrites response heads.

A server protocol can take the hand-off one level further out (`core/ws_protocol.py` does, for
WebSockets): it puts its own slot in the scope before calling the application (`open_slot`) and
runs the continuation itself once the application has returned (`take_continuation`), so that
the frames above our middleware (Starlette's and FastAPI's application objects, their error
middleware, the server's proxy-headers wrapper) unwind too. `HandoffMiddleware` then sees the slot
is already there and only passes the connection through.
"""

from __future__ import annotations

from typing import Protocol

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send

_KEY = "blog_api.handoff"


class Continuation(Protocol):
    """What a route hands off: the rest of a connection's life."""

    async def __call__(self, receive: Receive, send: Send) -> None:
        """Serve the connection until it ends, then free what it held."""

    async def abort(self) -> None:
        """Free what the connection held without serving it (the stack failed after the
        hand-off, so `__call__` will never run)."""


class HandoffUnavailable(RuntimeError):
    """`hand_off` was called for a request that did not come through `HandoffMiddleware`."""


def hand_off(scope: Scope, continuation: Continuation) -> None:
    """Run `continuation(receive, send)` after the route returns, outside every middleware.

    The route must have started the response (HTTP) or accepted the socket (WebSocket) already;
    the continuation owns the connection from then on, including ending it.
    """
    slot: list[Continuation] | None = scope.get(_KEY)
    if slot is None:
        raise HandoffUnavailable("HandoffMiddleware is not installed around this app")
    slot.append(continuation)


# What the server itself reads from a connection's scope after it started (logging, HEAD, the
# chunked encoding); the rest (`state`, `extensions`, `subprotocols`, `asgi`) is the
# application's, read when the connection opened, and a few small dicts per idle connection.
_KEPT = frozenset(
    (
        "type",
        "http_version",
        "method",
        "scheme",
        "server",
        "client",
        "root_path",
        "path",
        "raw_path",
        "query_string",
        "headers",
    )
)


class Slot:
    """Where a route's continuation waits for the outermost layer, with the scope's keys from
    before the application ran (what the stack adds is dropped at the hand-off)."""

    __slots__ = ("before", "continuations")

    def __init__(self, scope: Scope) -> None:
        self.before = tuple(scope)
        self.continuations: list[Continuation] = []


def open_slot(scope: Scope) -> Slot:
    """Make `hand_off` work for this connection: call before running the application."""
    slot = Slot(scope)
    # Middleware that rewrite the scope copy it ({**scope}); the list is shared by the copies.
    scope[_KEY] = slot.continuations
    return slot


def take_continuation(scope: Scope, slot: Slot) -> Continuation | None:
    """After the application returned: what it handed off, with the scope cleaned for a long
    life (None if nothing was handed off; then the scope is left alone)."""
    if not slot.continuations:
        return None
    continuation = slot.continuations.pop()
    # What the stack stored in the scope (FastAPI's exit stacks, the route, the router, the
    # app) would otherwise live as long as the connection. The request's headers and query
    # string were read when the connection opened; kept, they would hold its credentials
    # (bearer token, ticket) for hours. The server reads neither again once the response or
    # the socket has started. Rebuilt rather than deleted from: a dict never shrinks its
    # table, and the stack had grown it.
    kept = {key: scope[key] for key in slot.before if key in scope and key in _KEPT}
    scope.clear()
    scope.update(kept)
    scope["headers"] = []
    scope["query_string"] = b""
    return continuation


async def abort_handed_off(slot: Slot) -> None:
    """The application failed after handing off: free what the continuation held."""
    if slot.continuations:
        with anyio.CancelScope(shield=True):
            await slot.continuations.pop().abort()


class HandoffMiddleware:
    """The outermost middleware: runs what a route handed off once the stack has unwound."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or _KEY in scope:
            # Not a connection, or the server runs hand-offs itself (see the module's doc).
            await self.app(scope, receive, send)
            return
        slot = open_slot(scope)
        try:
            await self.app(scope, receive, send)
        except BaseException:
            await abort_handed_off(slot)
            raise
        continuation = take_continuation(scope, slot)
        del slot
        if continuation is not None:
            await continuation(receive, send)
