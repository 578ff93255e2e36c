"""`/api/notifications`: the live SSE stream, stream tickets, and the notification list."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from blog_api.auth.dependencies import CurrentCredential, CurrentUser, SettingsDep
from blog_api.core import metrics
from blog_api.core.config import Settings
from blog_api.core.errors import TooManyRequests, problem_responses
from blog_api.core.handoff import hand_off
from blog_api.core.pagination import DEFAULT_LIMIT, CursorParam, LimitParam, Page
from blog_api.core.types import IdPath
from blog_api.realtime import service as rt_service
from blog_api.realtime.dependencies import (
    HubDep,
    LastEventId,
    SseCaller,
    SseSlotsDep,
    TicketsDep,
)
from blog_api.realtime.events import Event
from blog_api.realtime.hub import Closed, Ready, Reset, Subscription
from blog_api.realtime.schemas import (
    MarkAllRead,
    MarkAllReadResult,
    NotificationRead,
    NotificationUpdate,
    SseReady,
    SseReconnect,
    SseReset,
    TicketCreate,
    TicketRead,
    UnreadCount,
)
from blog_api.users.models import User

router = APIRouter(prefix="/api/notifications", tags=["notifications"])


class TooManyStreams(TooManyRequests):
    code, title = "too-many-streams", "Too many open streams"


SSE_EXAMPLE = (
    "retry: 3000\n\n"
    'id: 1732450000000-0\nevent: ready\ndata: {"last_event_id": "1732450000000-0"}\n\n'
    'id: 1732450001000-0\nevent: blog.submitted\ndata: {"id": "1732450001000-0", '
    '"type": "blog.submitted", ...}\n\n'
    ": heartbeat\n\n"
    'event: reconnect\ndata: {"reason": "shutdown", "last_event_id": "1732450001000-0"}\n\n'
)


class EventStreamResponse(Response):
    """Opens an event stream through the middleware stack, then hands it off.

    The response head and the `retry:` frame go through the stack (CORS, request id, access
    log); the rest of the stream is served by `stream` outside it (core/handoff.py), because an
    idle stream that kept the stack's frames alive cost about twice as much memory.
    """

    media_type = "text/event-stream"

    def __init__(self, stream: SseStream) -> None:
        self.status_code = 200
        self.background = None
        self.stream = stream
        self.init_headers({"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
            retry = f"retry: {self.stream.settings.sse_retry_ms}\n\n".encode()
            await send({"type": "http.response.body", "body": retry, "more_body": True})
            hand_off(scope, self.stream)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await self.stream.abort()
            raise


async def _until_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


class SseStream:
    """The life of one stream once open: what it holds is all an idle stream costs.

    Only the caller's id and the expiry (`exp`) of the credential it was opened with are kept
    (not the `User`), and one task besides the request's own watches for the client leaving,
    so the subscription is freed at once rather than at the next heartbeat's failed write. The
    credential's login is matched by the subscription's filter (`_accept_for`), not kept here.
    """

    __slots__ = ("expires_at", "release", "settings", "sub", "user_id")

    def __init__(
        self,
        sub: Subscription,
        *,
        user_id: int,
        expires_at: int,
        settings: Settings,
        release: Callable[[], Awaitable[None]],
    ) -> None:
        self.sub = sub
        self.user_id = user_id
        self.expires_at = expires_at
        self.settings = settings
        self.release = release

    async def __call__(self, receive: Receive, send: Send) -> None:
        watcher = asyncio.ensure_future(_until_disconnect(receive))
        watcher.add_done_callback(self._client_left)
        metrics.SSE_OPEN.inc()
        try:
            await self._pump(send)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except OSError:
            pass  # the client went away mid-write
        finally:
            metrics.SSE_OPEN.dec()
            watcher.cancel()
            with anyio.CancelScope(shield=True):
                await self.abort()

    def _client_left(self, watcher: asyncio.Future[None]) -> None:
        if not watcher.cancelled():
            self.sub.close("disconnected")

    async def abort(self) -> None:
        """Leave the hub and give back the connection slot (idempotent)."""
        release, self.release = self.release, _nothing
        await release()

    async def _pump(self, send: Send) -> None:
        """Ready/reset, events, heartbeats, and a final `reconnect`."""
        sub, settings = self.sub, self.settings
        loop = asyncio.get_running_loop()
        # The stream ends at its maximum lifetime, or when the token it was opened with (or that
        # asked for its ticket) expires, whichever comes first: no timer, the wait is bounded.
        deadline = loop.time() + settings.sse_max_seconds
        expiry = loop.time() + (self.expires_at - time.time())
        end_reason = "max_lifetime"
        if expiry < deadline:
            deadline, end_reason = expiry, "token_expired"
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                msg: Any = Closed(end_reason)
            else:
                msg = await sub.next(timeout=min(settings.sse_heartbeat_seconds, remaining))
            frame = HEARTBEAT
            if isinstance(msg, Ready):
                ready = SseReady(last_event_id=msg.last_event_id)
                frame = _frame(event="ready", id=msg.last_event_id, data=ready.model_dump())
            elif isinstance(msg, Reset):
                reset = SseReset(reason=msg.reason, last_event_id=msg.last_event_id)
                frame = _frame(event="reset", id=msg.last_event_id, data=reset.model_dump())
            elif isinstance(msg, Event) and msg.type == "session.revoked":
                # Internal, never sent: the login this stream was opened with has ended (logout,
                # refresh-token reuse); `_accept_for` lets through only that login's event.
                msg = Closed("revoked")
            elif isinstance(msg, Event):
                frame = msg.encoded("sse", _event_frame)
                if msg.subject.kind == "user" and msg.subject.id == self.user_id:
                    if msg.type == "user.role_changed":
                        # The caller's token now names the old role: make them sign in again.
                        msg = Closed("reauthenticate")
                    elif msg.type == "user.deactivated":
                        msg = Closed("deactivated")
            if isinstance(msg, Closed):
                end = SseReconnect(reason=msg.reason, last_event_id=sub.last_event_id)
                if frame is not HEARTBEAT:
                    await send({"type": "http.response.body", "body": frame, "more_body": True})
                frame = _frame(event="reconnect", data=end.model_dump())
                await send({"type": "http.response.body", "body": frame, "more_body": True})
                return
            await send({"type": "http.response.body", "body": frame, "more_body": True})


async def _nothing() -> None:
    return None


# One event of the stream, as OpenAPI 3.1 tools read `schema` for text/event-stream (3.2 calls
# it `itemSchema`): the SSE fields, `data` being JSON text. The opening `retry:` frame has no data.
SSE_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "event": {"type": "string", "description": "Event type, or ready / reset / reconnect."},
        "data": {"type": "string", "contentMediaType": "application/json"},
        "id": {"type": "string", "description": "Stream id; send it back as Last-Event-ID."},
        "retry": {"type": "integer", "minimum": 0},
    },
}


def _frame(*, event: str, data: dict[str, Any], id: str | None = None) -> bytes:
    head = f"id: {id}\n" if id else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


def _event_frame(event: Event) -> bytes:
    """The SSE frame of an event: the same bytes for every stream, so built once per process."""
    return f"id: {event.id}\nevent: {event.type}\ndata: {event.client_json()}\n\n".encode()


HEARTBEAT = b": heartbeat\n\n"


def _accept_for(user: User, session_id: str | None) -> Callable[[Event], bool]:
    """The hub filter: events addressed to the user or their role, plus the internal
    `session.revoked` of the login this stream was opened with (none for a token without
    `sid`, which ends at its expiry instead)."""
    user_id, role = user.id, user.role.value

    def accept(event: Event) -> bool:
        if event.type == "session.revoked":
            return (
                session_id is not None
                and event.subject.id == user_id
                and event.data.get("sid") == session_id
            )
        return event.addressed_to(user_id=user_id, role=role)

    return accept


@router.get(
    "/sse",
    response_model=None,
    response_class=EventStreamResponse,
    status_code=200,  # FastAPI reads it from the response class's __init__ otherwise
    summary="Live notifications (Server-Sent Events)",
    responses={
        200: {
            "description": "An endless `text/event-stream`. Event names are event types (see "
            "docs/events.md) plus `ready`, `reset` (reload: history was lost) and `reconnect` "
            "(the stream ends: reconnect with `Last-Event-ID`).",
            "content": {"text/event-stream": {"schema": SSE_EVENT_SCHEMA, "example": SSE_EXAMPLE}},
        },
        **problem_responses(401, 422, 429, 503),
    },
)
async def notifications_stream(
    caller: SseCaller,
    hub: HubDep,
    slots: SseSlotsDep,
    settings: SettingsDep,
    last_event_id: LastEventId,
) -> EventStreamResponse:
    """Stream the caller's events live, replaying from `Last-Event-ID` first."""
    user = caller.user
    slot = await slots.claim(user.id)
    if slot is None:
        raise TooManyStreams(
            f"at most {settings.sse_max_connections_per_user} open streams per user; "
            "close one (another tab?) first"
        )
    sub = hub.subscribe(accept=_accept_for(user, caller.session_id), last_event_id=last_event_id)
    try:
        # Never `BusUnavailable`: a resume while Redis is down opens and replays later (hub.py).
        await sub.__aenter__()
    except BaseException:
        await slots.release(user.id, slot)
        raise

    async def release() -> None:
        await sub.__aexit__(None, None, None)
        await slots.release(user_id, slot)

    user_id = user.id
    stream = SseStream(
        sub, user_id=user_id, expires_at=caller.expires_at, settings=settings, release=release
    )
    return EventStreamResponse(stream)


@router.post(
    "/ticket",
    response_model=TicketRead,
    status_code=201,
    summary="Get a single-use stream ticket",
    responses=problem_responses(400, 401, 422, 503),
)
async def create_ticket(
    caller: CurrentCredential, tickets: TicketsDep, body: TicketCreate
) -> TicketRead:
    """Issue a short-lived, single-use ticket for `?ticket=` on the SSE stream or WebSocket."""
    return await rt_service.issue_ticket(
        tickets,
        user=caller.user,
        purpose=body.purpose,
        expires_at=caller.expires_at,
        session_id=caller.session_id,
    )


@router.get(
    "",
    response_model=Page[NotificationRead],
    summary="List my notifications",
    responses=problem_responses(401, 422),
)
async def list_notifications(
    user: CurrentUser,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
    unread_only: Annotated[bool, Query(description="Only unread notifications.")] = False,
) -> Page[NotificationRead]:
    """List the caller's notifications, newest first, paginated by cursor."""
    return await rt_service.list_notifications(
        user, limit=limit, cursor=cursor, unread_only=unread_only
    )


@router.get(
    "/unread-count",
    response_model=UnreadCount,
    summary="Count my unread notifications",
    responses=problem_responses(401),
)
async def unread_count(user: CurrentUser) -> UnreadCount:
    """How many of the caller's notifications are unread."""
    return UnreadCount(unread=await rt_service.unread_count(user))


@router.post(
    "/read",
    response_model=MarkAllReadResult,
    summary="Mark my notifications read",
    responses=problem_responses(400, 401, 422),
)
async def mark_all_read(user: CurrentUser, body: MarkAllRead) -> MarkAllReadResult:
    """Mark every unread notification (up to `up_to_id`, if given) read."""
    return MarkAllReadResult(updated=await rt_service.mark_all_read(user, up_to_id=body.up_to_id))


@router.patch(
    # `:int`: only a number names a notification, so PATCH on /read, /ticket or /unread-count
    # reaches no handler and is a 405 (with their real `Allow`), not a 422 about this path.
    "/{notification_id:int}",
    response_model=NotificationRead,
    summary="Mark one notification read or unread",
    responses=problem_responses(400, 401, 404, 422),
)
async def update_notification(
    user: CurrentUser, notification_id: IdPath, body: NotificationUpdate
) -> NotificationRead:
    """Set the read mark of one of the caller's notifications."""
    n = await rt_service.get_notification(user, notification_id)
    return rt_service.to_read(await rt_service.set_read(n, read=body.read))
