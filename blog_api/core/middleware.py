"""Pure ASGI middleware: request id, access log, body size limit.

Pure ASGI (not BaseHTTPMiddleware) so streaming responses (SSE) are never buffered.
"""

from __future__ import annotations

import logging
import time

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from blog_api.core import metrics, requestid
from blog_api.core.errors import problem_for_path
from blog_api.core.types import ascii_int

access_logger = logging.getLogger("blog_api.access")


class RequestContextMiddleware:
    """Assigns the request id, returns it in `X-Request-ID`, logs one line per request, and
    serves every path the same with or without a trailing slash."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if len(path) > 1 and path.endswith("/"):
            # `/api/blogs/` is `/api/blogs`: answered the same, with no redirect (curl, urllib
            # and httpx do not follow a 307 by default, so a POST would silently go nowhere),
            # and each path appears once in the OpenAPI document.
            path = path.rstrip("/") or "/"
            scope = {**scope, "path": path, "raw_path": path.encode()}
        headers = Headers(scope=scope)
        request_id = requestid.set_request_id(headers.get("x-request-id"))
        requestid.set_current_user_id(None)
        started = time.perf_counter()
        status_holder: dict[str, int] = {"status": 0}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                raw = list(message.get("headers", []))
                raw.append((b"x-request-id", request_id.encode()))
                message["headers"] = raw
            await send(message)

        # A WebSocket's `send` is not wrapped: the wrapper only touches HTTP response starts, and
        # a socket sends every live message through it (500 viewers: 500 calls per comment).
        try:
            await self.app(scope, receive, send_wrapper if scope["type"] == "http" else send)
        except Exception:
            # Starlette's ServerErrorMiddleware sits outside us: it sends the 500 only after the
            # exception has passed through here, so record what the client is about to get.
            if status_holder["status"] == 0 and scope["type"] == "http":
                status_holder["status"] = 500
            raise
        finally:
            duration = time.perf_counter() - started
            method = scope.get("method", "WS")
            # The route template (`/api/blogs/{blog_id}`), never the path: bounded label values.
            route = getattr(scope.get("route"), "path", "unmatched")
            metrics.HTTP_REQUESTS.labels(method, route, status_holder["status"]).inc()
            metrics.HTTP_DURATION.labels(method, route).observe(duration)
            access_logger.info(
                "request",
                extra={
                    "method": method,
                    "path": scope["path"],
                    "status": status_holder["status"],
                    "duration_ms": round(duration * 1000, 2),
                    "request_id": request_id,
                    "user_id": requestid.current_user_id(),
                },
            )


class BodySizeLimitMiddleware:
    """Rejects request bodies larger than a limit with 413, by header or while streaming."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes

    def _limit_for(self, scope: Scope) -> int:
        headers = Headers(scope=scope)
        if headers.get("content-type", "").startswith("multipart/form-data"):
            # Uploads get their own (larger) limit plus room for the multipart framing.
            return self.max_upload_bytes + 64 * 1024
        return self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit_for(scope)
        raw_length = Headers(scope=scope).get("content-length")
        declared = ascii_int(raw_length) if raw_length is not None else None
        if declared is not None and declared > limit:
            await _send_413(scope, send, limit)
            return
        received = 0
        rejected = False

        async def limited_receive() -> Message:
            nonlocal received, rejected
            if rejected:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Answer 413 ourselves and tell the app the client went away; whatever the
                    # app then tries to send is dropped.
                    rejected = True
                    await _send_413(scope, send, limit)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if not rejected:
                await send(message)

        await self.app(scope, limited_receive, guarded_send)


async def _send_413(scope: Scope, send: Send, limit: int) -> None:
    # The same problem body, bytes and all, as every other error (errors.problem_for_path).
    response = problem_for_path(
        scope["path"],
        413,
        f"request body exceeds the limit of {limit} bytes",
        headers={"Connection": "close"},
    )

    async def no_receive() -> Message:
        return {"type": "http.disconnect"}

    await response(scope, no_receive, send)
