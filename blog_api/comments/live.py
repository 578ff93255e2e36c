"""Who is watching which post, across workers: presence counts, typing relay, connection caps.

Comments themselves travel through the event backbone (outbox -> stream -> hub); this module
carries only the ephemeral side of the live page, which is never stored:

- **presence**: each viewer (one WebSocket) is a member of the sorted set
  `{prefix}:ws:presence:{blog_id}` scored by its expiry. Its worker refreshes it every third of
  `WS_PRESENCE_TTL_SECONDS`, so viewers of a crashed worker drop out after at most that long. A
  join or leave publishes `{"k": "p", "b": blog_id}` on the channel `{prefix}:ws:signals`; every
  worker with local viewers of that post then recounts (ZCARD after dropping expired members) and
  sends `presence` to those whose last known count differs. Recounting on the receiving side (not
  shipping the count) means two joins on two workers can never leave a stale count behind.
- **typing**: `{"k": "t", "b": blog_id, "u": {id, username}, "o": origin}` on the same channel,
  delivered to the post's local viewers except the origin socket. Lost messages are acceptable.
- **connections per user**: the sorted set `{prefix}:ws:user:{user_id}`, same expiry scheme; a
  Lua script admits a new socket only while fewer than `WS_MAX_CONNECTIONS_PER_USER` are live.

On a Redis Cluster the prefix is the hash tag `{blog_api:ws}` (one slot; see `RedisLive`), and the
channel is heard on every node (classic PUBLISH reaches the whole cluster).

One pub/sub connection per process, one channel for all posts: every worker sees every signal,
which is cheap at this scale (signals are tiny and typing is throttled per socket). Per-post
channels would be the next step if that ever shows up in Redis CPU.

Without Redis (`MemoryLive`) the same interface works inside the one process. Expiry times are
Redis' own clock (`TIME` inside the scripts), so worker clock skew does not matter.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from limits import RateLimitItem, parse_many
from pydantic import ValidationError
from redis.exceptions import RedisError

from blog_api.comments.schemas import WsPresence, WsUserTyping
from blog_api.core.config import Settings
from blog_api.core.deadlines import Deadlines
from blog_api.core.redis import execute_with_scripts, hash_tag, redis_client
from blog_api.realtime.slots import CLAIM_SCRIPT, DROP_ORPHANS, OwnerHeartbeat, Periodic

logger = logging.getLogger("blog_api.comments.live")

SIGNAL_QUEUE_SIZE = 64

# Drop expired members, then add/refresh a member unless the set is full; shared with the SSE cap.
JOIN_SCRIPT = CLAIM_SCRIPT
# Presence count: expired members and those of dead workers (ARGV[1]: owner key prefix) go.
COUNT_SCRIPT = (
    DROP_ORPHANS
    + """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
drop_orphans(KEYS[1], ARGV[1])
return redis.call('ZCARD', KEYS[1])
"""
)


# How long presence changes of a post are gathered before the viewers are told the new count.
PRESENCE_DEBOUNCE_SECONDS = 0.25


def _no_wake() -> None:
    return None


@dataclass(eq=False, slots=True)
class Viewer:
    """One WebSocket on one post; `pending` holds presence/typing messages for it, and `wake`
    tells its socket's sending task that there are some."""

    blog_id: int
    user_id: int
    conn_id: str = field(default_factory=lambda: secrets.token_hex(8))
    last_presence: int | None = None
    pending: list[dict[str, Any]] = field(default_factory=list)
    wake: Callable[[], None] = _no_wake

    def offer(self, message: dict[str, Any]) -> None:
        """Queue without waiting; when full the oldest goes (all of these are superseded soon)."""
        if len(self.pending) >= SIGNAL_QUEUE_SIZE:
            del self.pending[0]
        self.pending.append(message)
        self.wake()


class LiveRooms(ABC):
    """The process's viewers by post, and the cross-worker presence/typing/connection state."""

    def __init__(self, settings: Settings) -> None:
        self.max_per_user = settings.ws_max_connections_per_user
        self.ttl = settings.ws_presence_ttl_seconds
        self.rooms: dict[int, set[Viewer]] = {}
        # Parsed once at start-up, so a malformed WS_MESSAGE_RATE stops the app from starting.
        try:
            self.message_rate: list[RateLimitItem] = parse_many(settings.ws_message_rate)
        except ValueError as exc:
            raise ValueError(
                f"WS_MESSAGE_RATE={settings.ws_message_rate!r} is not a rate such as '20/10seconds'"
            ) from exc
        self.rate_limit_enabled = settings.rate_limit_enabled
        # The sockets' ping/expiry deadlines (comments/ws.py), on a few shared timers: slots of
        # a tenth of the shortest keepalive period (at most half a second).
        period = min(settings.ws_ping_interval_seconds, settings.ws_ping_timeout_seconds)
        self.deadlines = Deadlines(resolution=min(0.5, period / 10))

    @property
    def viewer_count(self) -> int:
        return sum(len(room) for room in self.rooms.values())

    @abstractmethod
    async def start(self) -> None:
        """Open connections and background tasks."""

    @abstractmethod
    async def stop(self) -> None:
        """Stop background tasks and close connections."""

    @abstractmethod
    async def claim(self, viewer: Viewer) -> bool:
        """Count a new socket of `viewer.user_id`; False when the user has too many open."""

    @abstractmethod
    async def release(self, viewer: Viewer) -> None:
        """Undo `claim`."""

    @abstractmethod
    async def join(self, viewer: Viewer) -> int:
        """Add the viewer to its post's room; returns the post's viewer count (all workers)."""

    @abstractmethod
    async def leave(self, viewer: Viewer) -> None:
        """Remove the viewer; the others are told the new count."""

    @abstractmethod
    async def typing(self, viewer: Viewer, user: dict[str, Any]) -> None:
        """Tell the post's other viewers that `user` is typing."""

    # --- local fan-out (shared) ---------------------------------------------------------------

    def _add_local(self, viewer: Viewer) -> None:
        self.rooms.setdefault(viewer.blog_id, set()).add(viewer)

    def _remove_local(self, viewer: Viewer) -> None:
        room = self.rooms.get(viewer.blog_id)
        if room is not None:
            room.discard(viewer)
            if not room:
                del self.rooms[viewer.blog_id]

    def deliver_presence(self, blog_id: int, count: int) -> None:
        message = WsPresence(count=count).model_dump()
        for viewer in list(self.rooms.get(blog_id, ())):
            if viewer.last_presence != count:
                viewer.last_presence = count
                viewer.offer(message)

    def deliver_typing(self, blog_id: int, user: dict[str, Any], origin: str) -> None:
        try:
            message = WsUserTyping.model_validate({"user": user}).model_dump()
        except ValidationError:
            logger.warning("ignoring a malformed typing signal")
            return
        for viewer in list(self.rooms.get(blog_id, ())):
            if viewer.conn_id != origin:
                viewer.offer(message)


class MemoryLive(LiveRooms):
    """One process, no Redis: the local rooms are the whole truth."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self._per_user: dict[int, set[str]] = {}

    async def start(self) -> None:
        pass  # nothing to open

    async def stop(self) -> None:
        pass

    async def claim(self, viewer: Viewer) -> bool:
        conns = self._per_user.setdefault(viewer.user_id, set())
        if len(conns) >= self.max_per_user:
            return False
        conns.add(viewer.conn_id)
        return True

    async def release(self, viewer: Viewer) -> None:
        conns = self._per_user.get(viewer.user_id)
        if conns is not None:
            conns.discard(viewer.conn_id)
            if not conns:
                del self._per_user[viewer.user_id]

    async def join(self, viewer: Viewer) -> int:
        self._add_local(viewer)
        count = len(self.rooms[viewer.blog_id])
        viewer.last_presence = count
        self.deliver_presence(viewer.blog_id, count)
        return count

    async def leave(self, viewer: Viewer) -> None:
        self._remove_local(viewer)
        self.deliver_presence(viewer.blog_id, len(self.rooms.get(viewer.blog_id, ())))

    async def typing(self, viewer: Viewer, user: dict[str, Any]) -> None:
        self.deliver_typing(viewer.blog_id, user, viewer.conn_id)


class RedisLive(LiveRooms):
    """Presence and caps in Redis sorted sets; signals over one pub/sub channel (module doc)."""

    def __init__(self, settings: Settings, *, prefix: str = "blog_api") -> None:
        super().__init__(settings)
        self.url = settings.redis_url
        # On a cluster `{blog_api:ws}`: the scripts read owner keys besides the declared one,
        # which a cluster allows only within one slot (the reasoning of realtime/slots.py).
        self.prefix = hash_tag(f"{prefix}:ws", cluster=settings.redis_cluster)
        self.channel = f"{self.prefix}:signals"
        self.client = redis_client(settings.redis_url, cluster=settings.redis_cluster)
        self._join = self.client.register_script(JOIN_SCRIPT)
        self._count = self.client.register_script(COUNT_SCRIPT)
        # Members are this worker's: a crashed worker's sockets stop counting within seconds.
        self.owner = OwnerHeartbeat(self.client, prefix=self.prefix)
        self._dirty: set[int] = set()
        self._dirty_event = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._heartbeat = Periodic(
            self._refresh_presence, self.ttl / 3, name="ws-presence-heartbeat"
        )
        self._subscribed = asyncio.Event()

    def _member(self, viewer: Viewer) -> str:
        return self.owner.member(viewer.conn_id)

    def _presence_key(self, blog_id: int) -> str:
        return f"{self.prefix}:presence:{blog_id}"

    def _user_key(self, user_id: int) -> str:
        return f"{self.prefix}:user:{user_id}"

    async def start(self) -> None:
        await self.owner.start()
        self._tasks = [
            asyncio.create_task(self._listen(), name="ws-signals-listener"),
            asyncio.create_task(self._recount_loop(), name="ws-presence-recount"),
        ]
        self._heartbeat.start()
        # New viewers should not join before this worker hears signals (bounded wait: if Redis
        # is down the listener keeps retrying and the app still starts).
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._subscribed.wait(), timeout=2.0)

    async def stop(self) -> None:
        await self._heartbeat.stop()  # not cancelled: see `Periodic`
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        await self.owner.stop()
        await self.client.aclose()

    async def claim(self, viewer: Viewer) -> bool:
        try:
            count = await self._join(
                keys=[self._user_key(viewer.user_id)],
                args=[self._member(viewer), self.ttl, self.max_per_user, self.owner.key_prefix],
            )
        except (RedisError, OSError):
            # Same policy as the rate limiter: a Redis outage must not lock everyone out.
            logger.warning("connection cap unavailable (redis); socket admitted", exc_info=True)
            return True
        return int(count) >= 0

    async def release(self, viewer: Viewer) -> None:
        with contextlib.suppress(RedisError, OSError):
            await self.client.zrem(self._user_key(viewer.user_id), self._member(viewer))

    async def _publish(self, message: dict[str, Any]) -> None:
        try:
            await self.client.publish(self.channel, json.dumps(message, separators=(",", ":")))
        except (RedisError, OSError):
            logger.warning("could not publish a live signal (redis)", exc_info=True)

    async def join(self, viewer: Viewer) -> int:
        self._add_local(viewer)
        try:
            count = int(
                await self._join(
                    keys=[self._presence_key(viewer.blog_id)],
                    args=[self._member(viewer), self.ttl, 0, self.owner.key_prefix],
                )
            )
        except (RedisError, OSError):
            logger.warning("presence unavailable (redis); counting this worker only")
            count = len(self.rooms[viewer.blog_id])
        viewer.last_presence = count
        await self._publish({"k": "p", "b": viewer.blog_id})
        return count

    async def leave(self, viewer: Viewer) -> None:
        self._remove_local(viewer)
        with contextlib.suppress(RedisError, OSError):
            await self.client.zrem(self._presence_key(viewer.blog_id), self._member(viewer))
        await self._publish({"k": "p", "b": viewer.blog_id})

    async def typing(self, viewer: Viewer, user: dict[str, Any]) -> None:
        await self._publish({"k": "t", "b": viewer.blog_id, "u": user, "o": viewer.conn_id})

    # --- background tasks ---------------------------------------------------------------------

    def _mark_dirty(self, blog_id: int) -> None:
        if blog_id in self.rooms:
            self._dirty.add(blog_id)
            self._dirty_event.set()

    def _on_signal(self, raw: str) -> None:
        try:
            message = json.loads(raw)
            kind, blog_id = message["k"], int(message["b"])
        except (ValueError, KeyError, TypeError):
            logger.warning("ignoring a malformed live signal")
            return
        if kind == "p":
            self._mark_dirty(blog_id)
        elif kind == "t" and isinstance(message.get("u"), dict):
            self.deliver_typing(blog_id, message["u"], str(message.get("o", "")))

    async def _listen(self) -> None:
        """The process's one subscriber of the signal channel; reconnects with backoff."""
        delay = 0.1
        while True:
            pubsub = self.client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                self._subscribed.set()
                # Anything may have changed while we were not listening.
                for blog_id in list(self.rooms):
                    self._mark_dirty(blog_id)
                delay = 0.1
                while True:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if message is not None and message.get("type") == "message":
                        self._on_signal(str(message["data"]))
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                logger.warning(
                    "live signal listener lost redis; retrying",
                    extra={"error": type(exc).__name__, "retry_in": delay},
                )
            except Exception:
                logger.exception("live signal listener failed; retrying")
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

    async def _recount_loop(self) -> None:
        """Recount dirty rooms (coalesced: a burst of joins costs one ZCARD per post).

        After the first change it waits `PRESENCE_DEBOUNCE_SECONDS` for more: every recount
        sends `presence` to every viewer of the post, so 1,000 viewers arriving one by one would
        otherwise cost up to a million messages (measured: 129,000-257,000 and connect times of
        seconds with 1,000 viewers of one post).
        """
        while True:
            await self._dirty_event.wait()
            await asyncio.sleep(PRESENCE_DEBOUNCE_SECONDS)
            self._dirty_event.clear()
            dirty, self._dirty = self._dirty, set()
            for blog_id in dirty:
                if blog_id not in self.rooms:
                    continue
                try:
                    count = int(
                        await self._count(
                            keys=[self._presence_key(blog_id)], args=[self.owner.key_prefix]
                        )
                    )
                except (RedisError, OSError):
                    logger.warning("presence recount failed (redis)")
                    continue
                self.deliver_presence(blog_id, count)

    async def _refresh_presence(self) -> None:
        """Keep this worker's viewers (and their connection claims) alive; recount every room."""
        viewers = [v for room in list(self.rooms.values()) for v in room]
        if not viewers:
            return

        async def fill(pipe: Any) -> None:
            for v in viewers:
                for key in (self._presence_key(v.blog_id), self._user_key(v.user_id)):
                    await self._join(
                        keys=[key],
                        args=[self._member(v), self.ttl, 0, self.owner.key_prefix],
                        client=pipe,
                    )

        try:
            await execute_with_scripts(self.client, [self._join], fill)
        except (RedisError, OSError):
            logger.warning("presence heartbeat failed (redis)")
            return
        # Viewers of a worker that died have expired by now: refresh everyone's count.
        for blog_id in list(self.rooms):
            self._mark_dirty(blog_id)


def build_live(settings: Settings) -> LiveRooms:
    return RedisLive(settings) if settings.uses_redis else MemoryLive(settings)


def install_live_comments(app: FastAPI) -> None:
    """Create the process's `LiveRooms` (validating its settings now) and run it with the app."""
    settings: Settings = app.state.settings
    live = build_live(settings)
    app.state.live_comments = live

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await live.start()
        try:
            yield
        finally:
            await live.stop()

    app.state.lifespan_hooks.append(lifespan)


def get_live(app: Any) -> LiveRooms:
    live: LiveRooms = app.state.live_comments
    return live
