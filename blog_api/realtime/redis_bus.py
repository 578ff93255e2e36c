"""The event bus on a Redis Stream, shared by every worker.

Layout (see docs/realtime.md); `{prefix}` is `blog_api`, or `{blog_api}` on a Redis Cluster (one
hash slot for all of them, docs/redis.md):
- `{prefix}:events`: the stream. Each entry has one field `e`, the event envelope as JSON without
  its id (the entry id is the id). Trimmed on every XADD with `MAXLEN ~ settings.stream_maxlen`.
- `{prefix}:published:{key}`: the stream id an outbox row was published under (24 h), so a relay
  that retries, or two relays racing, append each row once (`publish` is one Lua script).
- `{prefix}:epoch`: a random value set once per stream lifetime; a reader that finds a different
  one after reconnecting knows Redis lost its data and tells its subscribers to reset.

Two kinds of connection: a small pool for publish/read/tickets with short timeouts and one quick
retry (so a request fails fast when Redis is down), and per process ONE dedicated connection for
the blocking XREAD of `tail`, whose socket timeout exceeds the block time (redis-py's default of
5 s would otherwise abort every idle read). Both come from core/redis.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import AsyncIterator
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from blog_api.core.redis import execute_with_scripts, hash_tag, reader_client, redis_client
from blog_api.realtime.bus import (
    DEDUPE_TTL_SECONDS,
    ZERO_ID,
    BusUnavailable,
    EventBus,
    HistoryGone,
    StreamReset,
    normalize_id,
    parse_id,
)
from blog_api.realtime.events import Event

logger = logging.getLogger("blog_api.realtime.redis")

# GET-or-XADD in one step: idempotent publication even with several relays.
PUBLISH_SCRIPT = """
if KEYS[2] then
  local seen = redis.call('GET', KEYS[2])
  if seen then return seen end
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[2])
if KEYS[2] then redis.call('SET', KEYS[2], id, 'EX', ARGV[3]) end
return id
"""

_TRANSIENT = (RedisConnectionError, RedisTimeoutError, OSError)


def _being_cancelled() -> bool:
    task = asyncio.current_task()
    cancelling = getattr(task, "cancelling", None)  # Python 3.11+
    return bool(cancelling and cancelling())


def _decode(stream_id: str, fields: dict[str, str]) -> Event:
    payload = json.loads(fields["e"])
    payload["id"] = stream_id
    return Event.model_validate(payload)


class RedisBus(EventBus):
    """Redis Streams implementation of `EventBus`."""

    def __init__(
        self,
        url: str,
        *,
        maxlen: int,
        prefix: str = "blog_api",
        block_ms: int = 5000,
        cluster: bool = False,
    ) -> None:
        self.url = url
        self.cluster = cluster
        self.maxlen = maxlen
        # On a cluster every key here shares one slot (`{blog_api}`): the publish script touches
        # the stream and a dedupe key together. The stream is one key, so one node serves it
        # whatever the tag; the dedupe keys are small and go with it (and so does the webhook
        # intake's counter, read in one pipeline with the stream).
        prefix = hash_tag(prefix, cluster=cluster)
        self.prefix = prefix
        self.stream_key = f"{prefix}:events"
        self.dedupe_prefix = f"{prefix}:published:"
        self.epoch_key = f"{prefix}:epoch"
        self.block_ms = block_ms
        # Connections open lazily; the ticket store shares this client.
        self.client = redis_client(url, cluster=cluster)
        self._publish = self.client.register_script(PUBLISH_SCRIPT)
        self._stopped = asyncio.Event()

    async def start(self) -> None:
        self._stopped.clear()

    async def stop(self) -> None:
        self._stopped.set()
        await self.client.aclose()

    async def publish(self, event: Event, *, dedupe_key: str | None = None) -> str:
        body = event.model_dump_json(exclude={"id"})
        keys = [self.stream_key] + ([self.dedupe_prefix + dedupe_key] if dedupe_key else [])
        try:
            stream_id = await self._publish(
                keys=keys, args=[self.maxlen, body, DEDUPE_TTL_SECONDS], client=self.client
            )
        except _TRANSIENT as exc:
            raise BusUnavailable(f"redis unreachable: {type(exc).__name__}") from exc
        return str(stream_id)

    async def publish_many(self, items: list[tuple[Event, str | None]]) -> list[str]:
        if len(items) == 1:
            event, key = items[0]
            return [await self.publish(event, dedupe_key=key)]

        async def fill(pipe: Any) -> None:
            for event, key in items:
                body = event.model_dump_json(exclude={"id"})
                keys = [self.stream_key] + ([self.dedupe_prefix + key] if key else [])
                await self._publish(
                    keys=keys, args=[self.maxlen, body, DEDUPE_TTL_SECONDS], client=pipe
                )

        try:
            # Not a MULTI: each script is atomic on its own, and a retry is deduplicated anyway.
            ids = await execute_with_scripts(self.client, [self._publish], fill)
        except _TRANSIENT as exc:
            raise BusUnavailable(f"redis unreachable: {type(exc).__name__}") from exc
        return [str(stream_id) for stream_id in ids]

    async def _info(self, client: Redis | None = None) -> dict[str, Any] | None:
        try:
            info: dict[str, Any] = await (client or self.client).xinfo_stream(self.stream_key)
        except ResponseError as exc:
            if "no such key" in str(exc).lower():
                return None
            raise
        return info

    @staticmethod
    def _check_retained(info: dict[str, Any] | None, last_id: str) -> None:
        """Raise `HistoryGone` unless every event after `last_id` is still in the stream."""
        wanted = parse_id(last_id)
        if info is None:
            if wanted != (0, 0):
                raise HistoryGone(normalize_id(last_id), ZERO_ID)
            return
        tip = str(info["last-generated-id"])
        trimmed = int(info.get("entries-added", info["length"])) > int(info["length"])
        complete_from = tip if trimmed else ZERO_ID
        if wanted > parse_id(tip):
            raise HistoryGone(normalize_id(last_id), tip, complete_from)
        # A reader before the first retained entry has possibly missed something: once anything
        # was trimmed (trimming is approximate and Redis does not record the newest trimmed id),
        # and also when nothing was, since then only an earlier life of the stream can have issued
        # that id (Redis restarted empty): its newer ids do not prove the gap is empty. "0-0", the
        # start of a stream, is the one id before the first entry an untrimmed stream covers.
        first = info.get("first-entry")
        first_id = parse_id(first[0]) if first else parse_id(tip)
        if wanted < first_id and (trimmed or wanted != (0, 0)):
            raise HistoryGone(normalize_id(last_id), tip, complete_from)

    async def read_since(self, last_id: str, *, limit: int = 500) -> list[Event]:
        try:
            # One MULTI so a trim cannot slip between the retention check and the read (one key:
            # a cluster runs it too).
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.xinfo_stream(self.stream_key)
                pipe.xrange(self.stream_key, min=f"({normalize_id(last_id)}", count=limit)
                info_or_error, entries = await pipe.execute(raise_on_error=False)
        except _TRANSIENT as exc:
            raise BusUnavailable(f"redis unreachable: {type(exc).__name__}") from exc
        if isinstance(info_or_error, ResponseError):
            if "no such key" not in str(info_or_error).lower():
                raise info_or_error
            info_or_error = None
        self._check_retained(info_or_error, last_id)
        if isinstance(entries, Exception):
            return []
        return [_decode(sid, fields) for sid, fields in entries]

    async def last_id(self) -> str:
        try:
            info = await self._info()
        except _TRANSIENT as exc:
            raise BusUnavailable(f"redis unreachable: {type(exc).__name__}") from exc
        return ZERO_ID if info is None else str(info["last-generated-id"])

    async def _epoch(self, client: Redis) -> str:
        await client.set(self.epoch_key, secrets.token_hex(8), nx=True)
        return str(await client.get(self.epoch_key))

    async def tail(self, after: str) -> AsyncIterator[Event | StreamReset]:
        cursor = normalize_id(after)
        epoch: str | None = None
        reader: Redis | None = None
        delay = 0.1
        try:
            while not self._stopped.is_set():
                try:
                    if reader is None:
                        # The dedicated connection of the one reader of this process.
                        reader = reader_client(
                            self.url,
                            cluster=self.cluster,
                            socket_timeout=self.block_ms / 1000 + 10,
                        )
                        current = await self._epoch(reader)
                        if epoch is not None and current != epoch:
                            # Redis came back without its data: resume from the new stream's
                            # start, but we cannot prove nothing was lost.
                            cursor = ZERO_ID
                            epoch = current
                            yield StreamReset(tip=cursor, reason="stream_restarted")
                        else:
                            if epoch is not None:
                                try:
                                    self._check_retained(await self._info(reader), cursor)
                                except HistoryGone as gone:
                                    cursor = gone.resume_from
                                    yield StreamReset(tip=cursor, reason="history_gone")
                            epoch = current
                    response: Any = await reader.xread(
                        {self.stream_key: cursor}, count=200, block=self.block_ms
                    )
                    delay = 0.1
                    for _key, entries in response or []:
                        for stream_id, fields in entries:
                            cursor = stream_id
                            yield _decode(stream_id, fields)
                except _TRANSIENT as exc:
                    if self._stopped.is_set() or _being_cancelled():
                        # redis-py may turn our cancellation into a ConnectionError.
                        raise asyncio.CancelledError from exc
                    logger.warning(
                        "event stream reader lost redis; retrying",
                        extra={"error": type(exc).__name__, "retry_in": delay},
                    )
                    if reader is not None:
                        await reader.aclose()
                        reader = None
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 2.0)
                except RedisError:
                    logger.exception("event stream reader failed; retrying")
                    await asyncio.sleep(1.0)
        finally:
            if reader is not None:
                await reader.aclose()

    async def trim_before(self, min_id: str) -> int:
        try:
            # Exact (no `~`): the retention is a promise to clients, and this runs rarely.
            dropped = await self.client.xtrim(
                self.stream_key, minid=normalize_id(min_id), approximate=False
            )
        except _TRANSIENT as exc:
            raise BusUnavailable(f"redis unreachable: {type(exc).__name__}") from exc
        return int(dropped)

    async def ping(self) -> bool:
        try:
            return bool(await asyncio.wait_for(self.client.ping(), timeout=2.0))
        except (RedisError, OSError, asyncio.TimeoutError):
            return False
