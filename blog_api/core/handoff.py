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


class HandoffMiddleware:
    """The outermost middleware: runs what a route handed off once the stack has unwound."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        # Middleware that rewrite the scope copy it ({**scope}); the list is shared by the copies.
        slot: list[Continuation] = []
        before = set(scope)
        scope[_KEY] = slot
        try:
            await self.app(scope, receive, send)
        except BaseException:
            if slot:
                with anyio.CancelScope(shield=True):
                    await slot.pop().abort()
            raise
        if slot:
            continuation = slot.pop()
            # What the stack stored in the scope (FastAPI's exit stacks, the route, the router,
            # the app) would otherwise live as long as the connection.
            for key in set(scope) - before:
                del scope[key]
            del before
            # The request's headers and query string were read when the connection opened;
            # kept, they would hold its credentials (bearer token, ticket) for hours. The
            # server reads neither again once the response or the socket has started.
            scope["headers"] = []
            scope["query_string"] = b""
            await continuation(receive, send)
