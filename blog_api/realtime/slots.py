"""Per-user caps on open connections across workers: `claim` a slot, `release` it when done.

    slot = await slots.claim(user.id)    # None: the user already has `cap` connections open
    ...                                  # serve the connection
    await slots.release(user.id, slot)   # always (in a `finally`)

Used for SSE streams (`SSE_MAX_CONNECTIONS_PER_USER`). With Redis, the scheme of the WebSocket cap
of live comments (comments/live.py), whose Lua script lives here: per user a sorted set
`{prefix}:user:{user_id}` of slot ids scored by their expiry on Redis' own clock; `CLAIM_SCRIPT`
drops expired members and admits a newcomer only while fewer than the cap are live; every worker
refreshes its own slots every third of the TTL. A worker that dies cannot release its slots, and
its users reconnect within seconds (SSE `retry:` is 3 s): waiting for the TTL would refuse them
with 429 for up to a minute. So each member is `<owner>|<slot>`, where the owner is one worker's
store, alive while its key `{prefix}:owner:<owner>` exists (`OwnerHeartbeat`: set every second,
expiring after `OWNER_TTL_SECONDS`); when a user's set is full, the script first drops the members
of owners that are gone. A crashed worker's slots are therefore free within about three seconds.
If Redis is unreachable a claim is admitted (the policy of the rate limiter: an outage must not
lock everyone out). Without Redis, a dict in process memory.

The scripts read owner keys that are not in KEYS. A Redis Cluster allows that only within the
slot of the declared key, so on a cluster the prefix is a hash tag (`{blog_api:sse}`, see
`build_realtime`): all users' sets and all owner keys share one slot. Tagging per user would need
an owner key per user slot; the sets are small and touched once per connect, disconnect and
refresh, so one slot carries them easily.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from blog_api.core.redis import execute_with_scripts

logger = logging.getLogger("blog_api.realtime.slots")

# Drops the members of owners whose key (ARGV[4] .. owner) is gone; members are "<owner>|<id>".
DROP_ORPHANS = """
local function drop_orphans(key, owner_prefix)
  for _, member in ipairs(redis.call('ZRANGE', key, 0, -1)) do
    local owner = string.match(member, '^([^|]+)|')
    if owner and redis.call('EXISTS', owner_prefix .. owner) == 0 then
      redis.call('ZREM', key, member)
    end
  end
end
"""

# Drop expired members, then add/refresh ARGV[1] unless the set is full (ARGV[3] > 0 is the cap;
# when full, members of dead owners are dropped first). Returns the number of live members, or
# -1 when the cap refused the newcomer.
CLAIM_SCRIPT = (
    DROP_ORPHANS
    + """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local cap = tonumber(ARGV[3])
if cap > 0 and not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  if redis.call('ZCARD', KEYS[1]) >= cap then
    drop_orphans(KEYS[1], ARGV[4])
    if redis.call('ZCARD', KEYS[1]) >= cap then return -1 end
  end
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2])) + 1)
return redis.call('ZCARD', KEYS[1])
"""
)

# How long a slot outlives the last refresh of its worker (the backstop behind the owner keys).
SLOT_TTL_SECONDS = 60.0
# An owner key is set every OWNER_BEAT_SECONDS and lives OWNER_TTL_SECONDS: a worker is taken
# for dead about three seconds after its last beat, and a Redis stall of under two beats is not
# mistaken for a death.
OWNER_BEAT_SECONDS = 1.0
OWNER_TTL_SECONDS = 3.0


class Periodic:
    """Runs `step()` every `period` seconds in a task until `stop()`, which lets a step in
    flight finish instead of cancelling it: a Redis command cut off mid-flight can leave its
    pooled connection unusable, and the next command on it waits out the socket timeout
    (seconds; once more than asgi-lifespan's whole shutdown budget)."""

    def __init__(self, step: Callable[[], Awaitable[None]], period: float, *, name: str) -> None:
        self.step = step
        self.period = period
        self.name = name
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self._loop(), name=self.name)

    async def stop(self) -> None:
        self._stopping.set()
        task, self._task = self._task, None
        if task is not None:
            await asyncio.wait([task])  # its outcome (even a cancellation) is not ours to raise

    async def _loop(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._stopping.wait(), self.period)
                return
            except asyncio.TimeoutError:
                pass
            await self.step()


class OwnerHeartbeat:
    """This worker's liveness for the members it adds to Redis sets (see the module docstring)."""

    def __init__(self, client: Redis, *, prefix: str) -> None:
        self.client = client
        self.id = secrets.token_hex(6)
        self.key_prefix = f"{prefix}:owner:"
        self._beats = Periodic(self._beat, OWNER_BEAT_SECONDS, name="owner-heartbeat")
        self._failing = False

    def member(self, local_id: str) -> str:
        """The set member for `local_id`, tied to this owner."""
        return f"{self.id}|{local_id}"

    async def start(self) -> None:
        await self._beat()  # before the first claim, so no one takes our members for orphans
        self._beats.start()

    async def stop(self) -> None:
        await self._beats.stop()
        with contextlib.suppress(RedisError, OSError):
            await self.client.delete(self.key_prefix + self.id)

    async def _beat(self) -> None:
        try:
            await self.client.set(self.key_prefix + self.id, b"1", px=int(OWNER_TTL_SECONDS * 1000))
        except (RedisError, OSError):
            # Once per outage, not every second.
            if not self._failing:
                logger.warning("owner heartbeat failed (redis); retrying every second")
            self._failing = True
        else:
            if self._failing:
                logger.info("owner heartbeat restored (redis)")
            self._failing = False


class SlotStore(ABC):
    """At most `cap` open connections per user."""

    def __init__(self, *, cap: int) -> None:
        self.cap = cap

    @abstractmethod
    async def start(self) -> None:
        """Start background work (the Redis store's refresh task)."""

    @abstractmethod
    async def stop(self) -> None:
        """Stop background work."""

    @abstractmethod
    async def claim(self, user_id: int) -> str | None:
        """A new slot id for `user_id`, or None when they already hold `cap` slots."""

    @abstractmethod
    async def release(self, user_id: int, slot: str) -> None:
        """Give a slot back (idempotent)."""


class MemorySlotStore(SlotStore):
    """One process: the slots are a dict."""

    def __init__(self, *, cap: int) -> None:
        super().__init__(cap=cap)
        self._held: dict[int, set[str]] = {}

    async def start(self) -> None:
        pass  # nothing runs in the background

    async def stop(self) -> None:
        pass

    async def claim(self, user_id: int) -> str | None:
        held = self._held.setdefault(user_id, set())
        if len(held) >= self.cap:
            return None
        slot = secrets.token_hex(8)
        held.add(slot)
        return slot

    async def release(self, user_id: int, slot: str) -> None:
        held = self._held.get(user_id)
        if held is not None:
            held.discard(slot)
            if not held:
                del self._held[user_id]


class RedisSlotStore(SlotStore):
    """Slots in Redis sorted sets, shared by every worker (see the module docstring)."""

    def __init__(
        self, client: Redis, *, cap: int, prefix: str, ttl_seconds: float = SLOT_TTL_SECONDS
    ) -> None:
        super().__init__(cap=cap)
        self.client = client
        self.prefix = prefix
        self.ttl = ttl_seconds
        self._claim = client.register_script(CLAIM_SCRIPT)
        self.owner = OwnerHeartbeat(client, prefix=prefix)
        self._local: dict[str, int] = {}  # this worker's slots (members) -> user id
        self._refresher = Periodic(self._refresh, self.ttl / 3, name="connection-slots-refresh")

    def _key(self, user_id: int) -> str:
        return f"{self.prefix}:user:{user_id}"

    async def start(self) -> None:
        await self.owner.start()
        self._refresher.start()

    async def stop(self) -> None:
        await self._refresher.stop()
        await self.owner.stop()

    async def claim(self, user_id: int) -> str | None:
        slot = self.owner.member(secrets.token_hex(8))
        owners = self.owner.key_prefix
        try:
            live = await self._claim(
                keys=[self._key(user_id)], args=[slot, self.ttl, self.cap, owners]
            )
        except (RedisError, OSError):
            logger.warning("connection cap unavailable (redis); connection admitted", exc_info=True)
        else:
            if int(live) < 0:
                return None
        self._local[slot] = user_id
        return slot

    async def release(self, user_id: int, slot: str) -> None:
        self._local.pop(slot, None)
        with contextlib.suppress(RedisError, OSError):
            await self.client.zrem(self._key(user_id), slot)

    async def _refresh(self) -> None:
        if not self._local:
            return
        held = list(self._local.items())

        async def fill(pipe: Any) -> None:
            for slot, user_id in held:
                await self._claim(
                    keys=[self._key(user_id)],
                    args=[slot, self.ttl, 0, self.owner.key_prefix],
                    client=pipe,
                )

        try:
            await execute_with_scripts(self.client, [self._claim], fill)
            # A slot released while the refresh was in flight may have been re-added.
            for slot, user_id in held:
                if slot not in self._local:
                    await self.client.zrem(self._key(user_id), slot)
        except (RedisError, OSError):
            logger.warning("connection slots refresh failed (redis)")
