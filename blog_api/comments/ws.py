"""`WS /api/blogs/{blog_id}/ws`: live comments, presence and typing for one approved post.

The protocol is documented in docs/websocket.md. In short: the socket is accepted, then
authenticated (`?ticket=` of purpose `ws`, or `Authorization: Bearer`), then closed with a 44xx
code if it may not stay. A socket that stays gets `hello`, `history` and `presence`, then, in
stream order, the `comment.*` events of the post from the event backbone (so comments written on
any worker, over REST or WebSocket, arrive everywhere in the same order), plus `presence` and
`typing` from `live.py`. Client mistakes (bad JSON, invalid input, refused writes) are `error`
messages; only abuse (too big, too many messages) and silence (unanswered pings) close it.

Once open, the socket is handed off (core/handoff.py) and served outside the middleware stack.
The request's own task reads client messages. What the server sends unasked (the post's events
from the hub subscription, presence/typing signals, keepalive pings) is sent by a short-lived
task started when there is something to send (the hub and the presence code call `_kick`, and
one timer per socket covers pings and the credential's expiry): an idle socket has no task
waiting for it, which is a third of what it would otherwise hold in memory. Both send through
one lock. Whichever decides the socket is done calls `finish(code)`; the close frame goes out
once, with that code.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from array import array
from collections.abc import Callable
from typing import Any

import anyio
from fastapi import APIRouter, WebSocket
from pydantic import TypeAdapter, ValidationError
from starlette.types import Receive, Send
from starlette.websockets import WebSocketDisconnect, WebSocketDisconnected, WebSocketState

from blog_api.auth import service as auth_service
from blog_api.auth.dependencies import Credential
from blog_api.blogs.models import Blog, BlogStatus
from blog_api.comments import service as comments_service
from blog_api.comments.live import LiveRooms, Viewer, get_live
from blog_api.comments.schemas import (
    CLIENT_MESSAGE_TYPES,
    CommentCreate,
    WsClientMessage,
    WsCommentAck,
    WsCommentCreate,
    WsCommentCreated,
    WsCommentDeleted,
    WsCommentUpdated,
    WsError,
    WsHello,
    WsHistory,
    WsLimits,
    WsPing,
    WsPong,
    WsPresence,
    WsReset,
    WsTyping,
)
from blog_api.core import metrics, requestid
from blog_api.core.config import Settings
from blog_api.core.errors import AppError
from blog_api.core.handoff import hand_off
from blog_api.core.ratelimit import RateLimited, get_rate_limiter
from blog_api.core.security import TokenError, TokenService
from blog_api.core.types import MAX_ID, ascii_int
from blog_api.realtime.bus import BusUnavailable
from blog_api.realtime.events import Event
from blog_api.realtime.hub import Closed, Message, Reset, Subscription
from blog_api.realtime.runtime import Realtime
from blog_api.users.models import User
from blog_api.users.schemas import UserPublic

logger = logging.getLogger("blog_api.comments.ws")

ws_router = APIRouter(tags=["comments"])

# Close codes (RFC 6455 registered ones, and 4xxx private ones mirroring HTTP statuses).
CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001  # the server is shutting down
CLOSE_TOO_BIG = 1009
CLOSE_INTERNAL = 1011
CLOSE_TRY_AGAIN = 1013  # fell too far behind, or a backend is down: reconnect shortly
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_TIMEOUT = 4408  # no answer to a ping
CLOSE_RATE_LIMITED = 4429

# `typing` is relayed at most this often per socket; more are dropped silently.
TYPING_MIN_INTERVAL = 2.0
# A send that cannot complete in this long means the client stopped reading.
SEND_TIMEOUT = 10.0

_client_message = TypeAdapter(WsClientMessage)


class CloseSocket(Exception):
    """Refuse or end a socket with `code` (raised during the handshake phase)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


# --- authentication -----------------------------------------------------------------------------


def _bearer(websocket: WebSocket) -> str | None:
    header = websocket.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


async def authenticate(websocket: WebSocket) -> Credential:
    """The caller, by `Authorization: Bearer` (wins) or `?ticket=`, with the expiry and login of
    that credential (the socket closes with them); 4401/4403 otherwise."""
    token = _bearer(websocket)
    ticket = websocket.query_params.get("ticket")
    rt: Realtime = websocket.app.state.realtime
    if token:
        if ticket:
            # Spent all the same: single use means the first socket that carries it (a URL
            # with a live ticket ends up in logs and history). Failing closed if Redis is down.
            try:
                await rt.tickets.redeem(ticket, purpose="ws")
            except BusUnavailable as exc:
                raise CloseSocket(CLOSE_TRY_AGAIN, "real-time service unavailable") from exc
        tokens: TokenService = websocket.app.state.tokens
        try:
            claims = tokens.validate(token)
        except TokenError as exc:
            raise CloseSocket(CLOSE_UNAUTHENTICATED, "access token is invalid or expired") from exc
        user, revoked = await auth_service.session_user(claims)
        if user is not None and user.is_active and user.role.value != claims.role:
            raise CloseSocket(CLOSE_UNAUTHENTICATED, "role changed; refresh the token")
        expires_at, session_id = claims.expires_at, claims.session_id
    elif ticket:
        try:
            grant = await rt.tickets.redeem(ticket, purpose="ws")
        except BusUnavailable as exc:
            raise CloseSocket(CLOSE_TRY_AGAIN, "real-time service unavailable") from exc
        if grant is None:
            raise CloseSocket(
                CLOSE_UNAUTHENTICATED, "ticket is invalid, expired, used or not for ws"
            )
        user, revoked = await auth_service.user_of_session(grant.user_id, grant.session_id)
        # A ticket from before tickets carried `exp`: the ticket's own lifetime stands in.
        expires_at = grant.expires_at or int(time.time()) + rt.tickets.ttl_seconds
        session_id = grant.session_id
    else:
        raise CloseSocket(CLOSE_UNAUTHENTICATED, "send ?ticket= or Authorization: Bearer")
    if user is None:
        raise CloseSocket(CLOSE_UNAUTHENTICATED, "account does not exist")
    if not user.is_active:
        raise CloseSocket(CLOSE_FORBIDDEN, "account is not active")
    if revoked:
        raise CloseSocket(CLOSE_UNAUTHENTICATED, "session revoked")
    # With the powers the user may use, as over HTTP (a reviewer without the two-factor
    # REQUIRE_2FA_FOR_REVIEWERS asks for acts as a plain user): the event filter reads the role.
    auth_service.acting_user(user, websocket.app.state.settings)
    return Credential(user=user, expires_at=expires_at, session_id=session_id)


async def approved_blog(raw_id: str) -> Blog:
    """The approved post named in the path; 4404 for anything else (also bad ids)."""
    blog_id = ascii_int(raw_id, max_digits=10) or 0
    blog = await Blog.get_or_none(id=blog_id) if 1 <= blog_id <= MAX_ID else None
    if blog is None or blog.status is not BlogStatus.approved:
        raise CloseSocket(CLOSE_NOT_FOUND, f"no approved post {raw_id[:20]}")
    return blog


# --- per-socket state ---------------------------------------------------------------------------


class MessageWindow:
    """Moving-window limits for one socket's messages (`WS_MESSAGE_RATE`); no storage needed,
    since a socket lives in one process."""

    __slots__ = ("enabled", "windows")

    def __init__(self, live: LiveRooms) -> None:
        self.enabled = live.rate_limit_enabled
        # Short lists, not deques: a deque costs ~600 bytes even when empty, per idle socket.
        self.windows: list[tuple[int, float, list[float]]] = [
            (item.amount, float(item.get_expiry()), []) for item in live.message_rate
        ]

    def hit(self) -> bool:
        if not self.enabled:
            return True
        now = time.monotonic()
        for amount, span, stamps in self.windows:
            while stamps and stamps[0] <= now - span:
                del stamps[0]
            if len(stamps) >= amount:
                return False
        for _, _, stamps in self.windows:
            stamps.append(now)
        return True


class Connection:
    """One accepted socket of a user on a post, after authentication.

    It is opened by the route (accept, authenticate, subscribe, `hello`/`history`/`presence`)
    and then handed off (core/handoff.py): `__call__` serves it outside the middleware stack
    with the server's own `receive`/`send`. Only ids are kept, not the `User` and `Blog` rows:
    what an idle socket holds is multiplied by thousands.
    """

    __slots__ = (
        "_close_sent",
        "_ended",
        "_outbound_task",
        "_receive",
        "_send",
        "_send_lock",
        "_serving",
        "_timer",
        "_timer_due",
        "blog_id",
        "close_code",
        "close_reason",
        "expires_at",
        "history_ids",
        "last_seen",
        "last_typing",
        "limiter",
        "live",
        "pinged_at",
        "role",
        "settings",
        "sub",
        "user_id",
        "user_public",
        "viewer",
        "window",
    )

    def __init__(
        self,
        websocket: WebSocket,
        *,
        user: User,
        blog: Blog,
        settings: Settings,
        live: LiveRooms,
        expires_at: int,
    ) -> None:
        self._receive: Receive = websocket.receive
        self._send: Send = websocket.send
        self.user_id, self.role = user.id, user.role.value
        self.user_public = {"id": user.id, "username": user.username}
        self.blog_id = blog.id
        self.settings = settings
        self.live = live
        self.limiter = get_rate_limiter(websocket.app)
        self.viewer = Viewer(blog_id=blog.id, user_id=user.id)
        self.window = MessageWindow(live)
        # Comment ids sent in `history`, whose `comment.created` events must not be sent again.
        self.history_ids = array("i")  # ids are at most MAX_ID (2**31 - 1)
        self.last_seen = time.monotonic()
        # When the credential the socket was opened with expires (`exp`, on the monotonic
        # clock): the socket closes then with 4401 (`_outbound`).
        self.expires_at = self.last_seen + (expires_at - time.time())
        self.last_typing = 0.0
        self.close_code: int | None = None
        self.close_reason = ""
        self.sub: Subscription | None = None
        # asyncio's lock, not anyio's: anyio's yields to the loop on every uncontended acquire,
        # which was a fifth of a worker's CPU when one comment goes to 500 viewers.
        self._send_lock = asyncio.Lock()
        self._outbound_task: asyncio.Task[None] | None = None
        self._ended = False  # `finish` was called: start no more sending
        self._serving = False  # handed off: `__call__` runs, sends go to the server directly
        self._timer: int | None = None  # slot in `live.deadlines`
        self._timer_due = 0.0
        self.pinged_at: float | None = None  # when our unanswered ping went out
        self._close_sent = False

    # -- lifecycle --

    def finish(self, code: int | None, reason: str = "") -> None:
        """End the socket: `code` None means the client is already gone.

        The sending task stops; it then sends the close frame (one is started for that if none
        is running), after which the client's own close ends the reader. When the client is
        gone, the reader's side cleans up.
        """
        if self.close_code is None and code is not None:
            self.close_code, self.close_reason = code, reason
        self._ended = True
        task = self._outbound_task
        if task is None:
            if code is not None and self._serving:
                self._outbound_task = asyncio.create_task(self._run_outbound())
        elif task is not asyncio.current_task():
            task.cancel()

    def _kick(self) -> None:
        """There may be something to send: start the sending task unless it runs already.
        Called synchronously by the hub's reader (a new message), by `Viewer.offer` (presence,
        typing) and by the deadline."""
        if self._outbound_task is None and not self._ended:
            self._outbound_task = asyncio.create_task(self._run_outbound())

    def on_deadline(self) -> None:
        """The timer set by `_arm_timer` (core/deadlines.py)."""
        self._timer = None
        self._kick()

    def _arm_timer(self) -> None:
        """Have `_kick` called when the next ping, ping timeout or credential expiry is due.
        Client messages move `last_seen` without touching the timer: when it fires early,
        the sending task finds nothing due and sets it again."""
        if self.pinged_at is not None:
            due = self.pinged_at + self.settings.ws_ping_timeout_seconds
        else:
            due = self.last_seen + self.settings.ws_ping_interval_seconds
        due = min(due, self.expires_at)
        if self._timer is not None:
            if self._timer_due <= due:
                return  # fires first; the task then looks again
            self.live.deadlines.discard(self, self._timer)
        self._timer_due = due
        self._timer = self.live.deadlines.add(self, due - time.monotonic())

    async def close(self) -> None:
        """Send the close frame `finish` chose (1000 if none), once, unless the client is gone."""
        if self._close_sent:
            return
        self._close_sent = True
        code = CLOSE_NORMAL if self.close_code is None else self.close_code
        message = {"type": "websocket.close", "code": code, "reason": self.close_reason[:120]}
        # The client may already be gone.
        with contextlib.suppress(WebSocketDisconnect, WebSocketDisconnected, OSError):
            await self._send(message)

    async def send(self, message: dict[str, Any]) -> None:
        await self.send_text(json.dumps(message, separators=(",", ":"), default=str))

    async def send_text(self, text: str) -> None:
        """Send a message already serialised (events are, once for every viewer).

        A send still pending after `SEND_TIMEOUT` means the client stopped reading: a timer
        (cheaper than a cancel scope per message) ends the socket with 4408.
        """
        async with self._send_lock:
            if self._close_sent:
                return
            timer = asyncio.get_running_loop().call_later(
                SEND_TIMEOUT, self.finish, CLOSE_TIMEOUT, "client stopped reading"
            )
            try:
                await self._send({"type": "websocket.send", "text": text})
            finally:
                timer.cancel()

    async def error(self, code: str, detail: str, **extra: Any) -> None:
        message = WsError(code=code, detail=detail, **extra)
        await self.send(message.model_dump(mode="json", exclude_none=True))

    async def __call__(self, receive: Receive, send: Send) -> None:
        """Serve the socket (after the hand-off): the reader here; sending starts on demand."""
        self._receive, self._send = receive, send
        self._serving = True
        assert self.sub is not None
        self.sub.on_message(self._kick)
        self.viewer.wake = self._kick
        self._kick()  # what arrived while the socket was being opened, and the first timer
        metrics.WS_OPEN.inc()
        try:
            await self._reader()  # (not through a helper: a frame per idle socket)
        except Exception as exc:
            self._failed(exc)
        finally:
            metrics.WS_OPEN.dec()
            with anyio.CancelScope(shield=True):
                self.finish(None)
                if self._outbound_task is not None:
                    await asyncio.wait([self._outbound_task])
                await self.close()
                await self.abort()

    async def abort(self) -> None:
        """Leave the post and the hub, give back the connection slot (idempotent)."""
        if self._timer is not None:
            self.live.deadlines.discard(self, self._timer)
            self._timer = None
        sub, self.sub = self.sub, None
        if sub is None:
            return
        try:
            await self.live.leave(self.viewer)
            await sub.__aexit__(None, None, None)
        finally:
            await self.live.release(self.viewer)

    async def _run_outbound(self) -> None:
        try:
            stays_open = await self._outbound()
        except asyncio.CancelledError:
            if self.close_code is None:
                return  # the reader's side ended the socket and closes it
            stays_open = False
        except Exception as exc:
            self._failed(exc)
            stays_open = False
        if stays_open:
            # Nothing left to send. No await since the last look, so nothing can have been
            # queued in between without a `_kick` that saw this task still running.
            self._outbound_task = None
            self._arm_timer()
            return
        if self.close_code is not None:
            # This side decided: the close frame makes the client close, ending the reader.
            await self.close()

    def _failed(self, exc: Exception) -> None:
        """End the socket after `exc` ended the reader or the sending task."""
        if isinstance(exc, TimeoutError):  # before OSError, of which it is a subclass
            self.finish(CLOSE_TIMEOUT, "client stopped reading")
        elif isinstance(exc, (WebSocketDisconnect, WebSocketDisconnected, OSError)):
            self.finish(None)  # the client went away
        else:
            logger.error("websocket task failed", exc_info=exc, extra={"blog_id": self.blog_id})
            self.finish(CLOSE_INTERNAL, "internal error")

    # -- tasks --

    async def _reader(self) -> None:
        max_bytes = self.settings.ws_max_message_bytes
        while True:
            message = await self._receive()
            if message["type"] == "websocket.disconnect":
                self.finish(None)
                return
            if self._close_sent:
                continue  # closing: only the client's close is awaited now
            self.last_seen = time.monotonic()
            text: str | None = message.get("text")
            data: bytes | None = message.get("bytes")
            size = len(text.encode()) if text is not None else len(data or b"")
            if size > max_bytes:
                self.finish(CLOSE_TOO_BIG, f"message over {max_bytes} bytes")
                return
            if not self.window.hit():
                self.finish(CLOSE_RATE_LIMITED, "too many messages")
                return
            if text is None:
                await self.error("unsupported-frame", "send JSON as text frames, not binary")
                continue
            await self._handle(text)

    async def _handle(self, text: str) -> None:
        try:
            raw = json.loads(text)
        except ValueError:
            await self.error("bad-json", "message is not valid JSON")
            return
        if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
            await self.error("validation-error", 'every message is a JSON object with a "type"')
            return
        if raw["type"] not in CLIENT_MESSAGE_TYPES:
            await self.error(
                "unknown-type",
                f"unknown message type {raw['type'][:40]!r}; "
                f"expected one of {', '.join(CLIENT_MESSAGE_TYPES)}",
            )
            return
        client_id = raw.get("client_id") if isinstance(raw.get("client_id"), str) else None
        try:
            msg = _client_message.validate_python(raw)
        except ValidationError as exc:
            errors = [
                {"loc": [str(p) for p in e["loc"][1:]], "msg": e["msg"], "type": e["type"]}
                for e in exc.errors(include_url=False, include_input=False)
            ]
            summary = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors[:5])
            extra = {"client_id": client_id[:64]} if client_id else {}
            await self.error("validation-error", summary, errors=errors, **extra)
            return
        if isinstance(msg, WsCommentCreate):
            await self._create(msg)
        elif isinstance(msg, WsTyping):
            now = time.monotonic()
            if now - self.last_typing >= TYPING_MIN_INTERVAL:
                self.last_typing = now
                await self.live.typing(self.viewer, self.user_public)
        elif msg.type == "ping":
            await self.send(WsPong(type="pong").model_dump())
        # `pong` needs nothing: receiving it already refreshed `last_seen`.

    async def _create(self, msg: WsCommentCreate) -> None:
        limiter, limit_key = self.limiter, f"user:{self.user_id}"
        try:
            # Tested now, counted only once the comment exists (as over REST).
            await limiter.check("comment", limit_key, count=False)
        except RateLimited as exc:
            await self.error(
                "rate-limited", exc.detail, client_id=msg.client_id, retry_after=exc.retry_after
            )
            return
        # Shielded: once started, the write completes (and commits) even if the socket ends.
        with anyio.CancelScope(shield=True):
            author = await User.get_or_none(id=self.user_id)
            if author is None or not author.is_active:
                self.finish(CLOSE_FORBIDDEN, "account is not active")
                return
            blog = await Blog.get_or_none(id=self.blog_id)
            if blog is None:
                self.finish(CLOSE_NOT_FOUND, "the post was deleted")
                return
            try:
                result = await comments_service.create_comment(
                    blog,
                    author=author,
                    data=CommentCreate(
                        body=msg.body, parent_id=msg.parent_id, client_id=msg.client_id
                    ),
                )
            except AppError as exc:
                await self.error(exc.code, exc.detail, client_id=msg.client_id)
                return
            if result.created:
                await limiter.record("comment", limit_key)
        ack = WsCommentAck(client_id=msg.client_id, created=result.created, comment=result.comment)
        await self.send(ack.model_dump(mode="json"))

    async def _outbound(self) -> bool:
        """Send what is due, then return (True: the socket stays open): the post's events,
        presence and typing signals, the keepalive, and the end of the credential's lifetime.

        A ping goes out after `ws_ping_interval_seconds` without a message from the client; no
        message within `ws_ping_timeout_seconds` after it closes the socket (4408). When the
        token the socket was opened with (or that asked for its ticket) expires, it closes with
        4401 "token expired". The timer set when this returns brings it back for those.
        """
        sub, viewer = self.sub, self.viewer
        if sub is None or self._ended:
            return False
        interval = self.settings.ws_ping_interval_seconds
        timeout = self.settings.ws_ping_timeout_seconds
        while True:
            while viewer.pending:
                await self.send(viewer.pending.pop(0))
            now = time.monotonic()
            if now >= self.expires_at:
                self.finish(CLOSE_UNAUTHENTICATED, "token expired")
                return False
            if self.pinged_at is not None and self.last_seen >= self.pinged_at:
                self.pinged_at = None  # answered
            if self.pinged_at is not None and now - self.pinged_at >= timeout:
                self.finish(CLOSE_TIMEOUT, "no answer to ping")
                return False
            if self.pinged_at is None and now - self.last_seen >= interval:
                await self.send(WsPing(type="ping").model_dump())
                self.pinged_at = time.monotonic()
            msg = sub.next_nowait()
            if msg is None:
                if viewer.pending:
                    continue
                return True
            if not await self._deliver(msg):
                return False

    async def _deliver(self, msg: Message) -> bool:
        """Send one message of the subscription; False when it ends the socket."""
        if isinstance(msg, Event):
            if msg.subject.kind == "blog":  # blog.deleted (see `accept`)
                self.finish(CLOSE_NOT_FOUND, "the post was deleted")
                return False
            if msg.subject.kind == "user":  # about this user or their login (see `accept`)
                if msg.type == "user.deactivated":
                    self.finish(CLOSE_FORBIDDEN, "account is not active")
                elif msg.type == "user.role_changed":
                    # The token the socket was opened with names the old role.
                    self.finish(CLOSE_UNAUTHENTICATED, "role changed; sign in again")
                else:  # session.revoked: the login it was opened with ended (logout, reuse)
                    self.finish(CLOSE_UNAUTHENTICATED, "session revoked")
                return False
            comment_id = msg.data.get("comment_id")
            if msg.type == "comment.created" and comment_id in self.history_ids:
                return True  # already sent in `history`
            await self.send_text(msg.encoded("ws", _event_message))
        elif isinstance(msg, Reset):
            # Events may have been lost: the client reloads the thread over REST.
            await self.send(WsReset(reason=msg.reason).model_dump())
        elif isinstance(msg, Closed):
            if msg.reason == "shutdown":
                self.finish(CLOSE_GOING_AWAY, "server shutting down")
            else:
                self.finish(CLOSE_TRY_AGAIN, f"reconnect ({msg.reason})")
            return False
        return True  # `Ready` needs nothing


def _event_message(event: Event) -> str:
    """The WebSocket message of a comment event: the same text for every viewer of the post."""
    comment = comments_service.read_from_event(event.type, event.data)
    message: WsCommentCreated | WsCommentUpdated | WsCommentDeleted
    if event.type == "comment.deleted":
        by_moderator = bool(event.data.get("by_moderator"))
        message = WsCommentDeleted(event_id=event.id, comment=comment, by_moderator=by_moderator)
    elif event.type == "comment.updated":
        message = WsCommentUpdated(event_id=event.id, comment=comment)
    else:
        message = WsCommentCreated(event_id=event.id, comment=comment)
    return message.model_dump_json()


def _accept_for(blog_id: int, user: User, session_id: str | None) -> Callable[[Event], bool]:
    """The hub filter (runs in the reader for every event: keep it cheap).

    Besides the post's events: this user's deactivation and role change, and the internal
    `session.revoked` of the login the socket was opened with (none for a token without `sid`,
    whose socket ends at its expiry instead).
    """
    user_id, role = user.id, user.role.value

    def accept(event: Event) -> bool:
        if event.subject.kind == "comment":
            return (
                event.type in comments_service.COMMENT_EVENT_TYPES
                and event.data.get("blog_id") == blog_id
                and event.visible_to(user_id=user_id, role=role)
            )
        if event.subject.kind == "user":
            if event.subject.id != user_id:
                return False
            if event.type == "session.revoked":
                return session_id is not None and event.data.get("sid") == session_id
            return event.type in ("user.deactivated", "user.role_changed")
        return (
            event.type == "blog.deleted"
            and event.subject.kind == "blog"
            and event.subject.id == blog_id
        )

    return accept


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    if websocket.application_state is WebSocketState.CONNECTED:
        # The client may already be gone.
        with contextlib.suppress(WebSocketDisconnect, WebSocketDisconnected, OSError):
            await websocket.close(code=code, reason=reason[:120])


@ws_router.websocket("/api/blogs/{blog_id}/ws")
async def comments_socket(websocket: WebSocket, blog_id: str) -> None:
    """Live comments, presence and typing for one approved post (docs/websocket.md)."""
    # Accept first: a refusal before accepting is an HTTP 403 that browsers do not expose; after
    # accepting, the close code tells the client exactly what went wrong.
    await websocket.accept()
    settings: Settings = websocket.app.state.settings
    live = get_live(websocket.app)
    try:
        caller = await authenticate(websocket)
        user = caller.user
        requestid.set_current_user_id(user.id)
        blog = await approved_blog(blog_id)
    except CloseSocket as refused:
        await _close(websocket, refused.code, refused.reason)
        return
    conn = Connection(
        websocket,
        user=user,
        blog=blog,
        settings=settings,
        live=live,
        expires_at=caller.expires_at,
    )
    if not await live.claim(conn.viewer):
        await _close(
            websocket,
            CLOSE_RATE_LIMITED,
            f"too many open sockets (at most {settings.ws_max_connections_per_user} per user)",
        )
        return
    rt: Realtime = websocket.app.state.realtime
    sub = rt.hub.subscribe(accept=_accept_for(blog.id, user, caller.session_id))
    try:
        # Subscribe before reading the history: a comment committed in between is in one or
        # both, never in neither (`history_ids` drops the duplicates).
        await sub.__aenter__()
    except BaseException:
        with anyio.CancelScope(shield=True):
            await live.release(conn.viewer)
        raise
    conn.sub = sub
    try:
        history = await comments_service.recent_comments(blog.id, limit=settings.ws_history_size)
        conn.history_ids.extend(c.id for c in history.items)
        count = await live.join(conn.viewer)
        limits = WsLimits(
            max_message_bytes=settings.ws_max_message_bytes,
            messages=settings.ws_message_rate,
            ping_interval_seconds=settings.ws_ping_interval_seconds,
        )
        user_public = UserPublic.model_validate(conn.user_public)
        hello = WsHello(blog_id=blog.id, user=user_public, limits=limits)
        await conn.send(hello.model_dump(mode="json"))
        past = WsHistory(comments=history.items, next_cursor=history.next_cursor)
        await conn.send(past.model_dump(mode="json"))
        await conn.send(WsPresence(count=count).model_dump())
        # The rest of the socket's life runs outside the middleware stack (core/handoff.py).
        hand_off(websocket.scope, conn)
    except BaseException as exc:
        with anyio.CancelScope(shield=True):
            if not isinstance(exc, (WebSocketDisconnect, WebSocketDisconnected, OSError)):
                await conn.close()
            await conn.abort()
        if isinstance(exc, (WebSocketDisconnect, WebSocketDisconnected, OSError)):
            return
        raise
