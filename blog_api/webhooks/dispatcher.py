"""The webhook machinery of one worker: the intake (events -> deliveries) and the sender.

**Intake, with Redis**: a consumer group (`webhooks`) on the event stream. Every worker is a
consumer; Redis hands each entry to one of them (XREADGROUP), which writes its deliveries and
only then acknowledges it (XACK). An entry read by a worker that died before its XACK stays
pending, and another worker takes it over after `claim_idle_seconds` (XAUTOCLAIM): at least
once, and `enqueue_events` is idempotent. **Without Redis** an in-process loop tails the memory
bus (one worker) and does the same.

**Order per endpoint.** Entries are spread over consumers, so a newer event's delivery may be
written before an older one's. The sender therefore only sends messages up to the intake's
*watermark*: the newest stream id before which every entry has been acknowledged (before the
oldest pending entry, or the group's last delivered id when none is pending). Within that, an
endpoint's messages go oldest event first, one at a time, by whichever worker holds the
endpoint's lease.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from blog_api.core.config import Settings
from blog_api.core.redis import reader_client
from blog_api.realtime.bus import ZERO_ID, EventBus, StreamReset, parse_id
from blog_api.realtime.events import Event
from blog_api.realtime.memory_bus import MemoryBus
from blog_api.realtime.redis_bus import RedisBus
from blog_api.webhooks import outbound
from blog_api.webhooks import service as webhooks_service
from blog_api.webhooks.models import WebhookEndpoint

logger = logging.getLogger("blog_api.webhooks")

GROUP = "webhooks"
BATCH = 100
# A watermark above every id: what a sender may use when the intake has nothing pending.
_TOP = webhooks_service.event_key(f"{2**63}-0")


def _decode(stream_id: str, fields: dict[str, str]) -> Event:
    payload = json.loads(fields["e"])
    payload["id"] = stream_id
    return Event.model_validate(payload)


def _previous(stream_id: str) -> str:
    """The id just before `stream_id` (what is complete when `stream_id` is still pending)."""
    ms, seq = parse_id(stream_id)
    if seq:
        return f"{ms}-{seq - 1}"
    return f"{ms - 1}-{2**63}" if ms else ZERO_ID


class ChangeCounter:
    """A value that changes whenever an endpoint is added, changed or removed."""

    async def read(self) -> str | None:  # pragma: no cover - interface
        """The current value, or None when it cannot be known."""
        raise NotImplementedError

    async def bump(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class LocalCounter(ChangeCounter):
    """Embedded mode: one process, so a plain integer."""

    def __init__(self) -> None:
        self._value = 0

    async def read(self) -> str | None:
        return str(self._value)

    async def bump(self) -> None:
        self._value += 1


class RedisCounter(ChangeCounter):
    """A Redis integer every worker reads. Created with a random value when missing, so a
    Redis that restarted empty never hands back a value a worker has cached under."""

    def __init__(self, client: Redis, key: str) -> None:
        self.client = client
        self.key = key

    async def read(self) -> str | None:
        try:
            value = await self.client.get(self.key)
            if value is None:
                await self.client.set(self.key, secrets.randbelow(2**52), nx=True)
                value = await self.client.get(self.key)
        except Exception:  # RedisError, OSError, and the cluster client's own errors
            return None
        return None if value is None else str(value)

    async def bump(self) -> None:
        try:
            await self.client.incr(self.key)
        except Exception as exc:  # the change is committed: never fail the request for this
            # Other workers notice it only when their copy expires (`EndpointCache.max_age`).
            logger.warning(
                "webhook endpoints changed but the counter could not be bumped",
                extra={"error": repr(exc)},
            )


class EndpointCache:
    """This worker's copy of the active endpoints, keyed by the change counter.

    The intake needs the endpoints for every batch it reads and the sender for every round;
    read from the database each time, that was a query (and a sender round) per event on some
    worker, on the loop that was delivering the same event to SSE streams and WebSockets at
    that moment: in a profile of the SSE benchmark, a worker spent about half as much CPU on
    webhooks as on the hub and its streams, with no endpoint registered. The copy is re-read
    when the counter moved, when it cannot be read, and at least every `max_age` seconds (a
    bump lost to a Redis error: events handled by another worker in those seconds may miss a
    new endpoint).

    An endpoint registered while an event is being handled may or may not get that event (the
    counter is bumped after the endpoint's commit; reading the database had the same window
    between the endpoint's creation time and its commit).
    """

    def __init__(self, counter: ChangeCounter, *, max_age: float = 10.0) -> None:
        self.counter = counter
        self.max_age = max_age
        self._version: str | None = None
        self._read_at = 0.0
        self._endpoints: list[webhooks_service.ActiveEndpoint] = []

    async def get(self, version: str | None = None) -> list[webhooks_service.ActiveEndpoint]:
        """The active endpoints; `version` is the counter if the caller just read it."""
        if version is None:
            version = await self.counter.read()
        fresh = time.monotonic() - self._read_at < self.max_age
        if version is None or version != self._version or not fresh:
            # The counter is read before the database: a change in between bumps it again.
            self._endpoints = await webhooks_service.active_endpoints()
            self._version, self._read_at = version, time.monotonic()
        return self._endpoints

    async def changed(self) -> None:
        """Tell every worker the endpoints changed (after the change is committed)."""
        await self.counter.bump()

    def forget(self) -> None:
        """Re-read on the next `get()` (after a failed write: an endpoint may have gone)."""
        self._version = None


class Intake:
    """Turns stream entries into deliveries; `watermark()` says how far that is complete."""

    wake_sender: asyncio.Event
    endpoints: EndpointCache

    async def start(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    async def stop(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    async def watermark(self) -> str:  # pragma: no cover - interface
        raise NotImplementedError


class MemoryIntake(Intake):
    """Embedded mode: tail the in-process bus from its current end."""

    def __init__(self, bus: MemoryBus, wake_sender: asyncio.Event) -> None:
        self.bus = bus
        self.wake_sender = wake_sender
        self.endpoints = EndpointCache(LocalCounter())
        self._done = ZERO_ID
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._done = await self.bus.last_id()
        self._task = asyncio.create_task(self._run(), name="webhooks-intake")

    async def _run(self) -> None:
        async for item in self.bus.tail(self._done):
            if isinstance(item, StreamReset):
                self._done = item.tip
                continue
            while True:
                try:
                    endpoints = await self.endpoints.get()
                    if await webhooks_service.enqueue_events([item], endpoints):
                        self.wake_sender.set()
                    break
                except Exception:
                    logger.exception("webhook intake failed; retrying")
                    self.endpoints.forget()
                    await asyncio.sleep(1.0)
            self._done = item.id

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def watermark(self) -> str:
        return webhooks_service.event_key(self._done)


class RedisIntake(Intake):
    """A consumer of the `webhooks` group on the event stream."""

    def __init__(
        self,
        bus: RedisBus,
        wake_sender: asyncio.Event,
        *,
        claim_idle_seconds: float,
        block_ms: int = 2000,
    ) -> None:
        self.bus = bus
        self.wake_sender = wake_sender
        self.counter = RedisCounter(bus.client, f"{bus.prefix}:webhooks:endpoints-version")
        self.endpoints = EndpointCache(self.counter)
        self.claim_idle_ms = int(claim_idle_seconds * 1000)
        self.block_ms = block_ms
        self.consumer = f"{socket.gethostname()}-{secrets.token_hex(4)}"
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    async def _ensure_group(self, client: Redis, start: str) -> None:
        try:
            await client.xgroup_create(self.bus.stream_key, GROUP, id=start, mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def start(self) -> None:
        self._stopping = False
        # New events only when the group is first made; an existing group keeps its place.
        with suppress(RedisError, OSError):
            await self._ensure_group(self.bus.client, "$")
        self._task = asyncio.create_task(self._run(), name="webhooks-intake")

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _handle(
        self,
        client: Redis,
        entries: list[tuple[str, dict[str, str] | None]],
        version: str | None = None,
    ) -> None:
        """Write the deliveries of `entries`, then acknowledge them (never before).

        `version` is the endpoints' change counter if it was read with the entries.
        """
        # With no active endpoint there is nothing to write, and nothing a sender could send.
        endpoints = await self.endpoints.get(version)
        if endpoints:
            events = []
            for sid, fields in entries:
                try:
                    if fields:
                        events.append(_decode(sid, fields))
                except (KeyError, ValueError):
                    # Not an event we can read: retrying would never succeed; it is skipped.
                    logger.error("webhook intake skipped an unreadable entry", extra={"id": sid})
            if await webhooks_service.enqueue_events(events, endpoints):
                self.wake_sender.set()
        ids = [sid for sid, _ in entries]
        if ids:
            await client.xack(self.bus.stream_key, GROUP, *ids)
            if endpoints:
                self.wake_sender.set()  # the watermark moved

    async def _claim(self, client: Redis) -> None:
        """Take over entries a dead (or stuck) consumer read and never acknowledged."""
        cursor = ZERO_ID
        while not self._stopping:
            reply: Any = await client.xautoclaim(
                self.bus.stream_key, GROUP, self.consumer, self.claim_idle_ms, cursor, count=BATCH
            )
            cursor, claimed = reply[0], reply[1]
            deleted = reply[2] if len(reply) > 2 else []
            if deleted:  # trimmed from the stream meanwhile: nothing left to deliver
                await client.xack(self.bus.stream_key, GROUP, *deleted)
            if claimed:
                logger.info("webhook intake claimed entries", extra={"count": len(claimed)})
                await self._handle(client, claimed)
            if cursor in (ZERO_ID, "0"):
                return

    async def _run(self) -> None:
        client = reader_client(
            self.bus.url, cluster=self.bus.cluster, socket_timeout=self.block_ms / 1000 + 10
        )
        own_backlog = True  # entries we read but did not acknowledge (after an error)
        next_claim = 0.0
        delay = 0.1
        try:
            while not self._stopping:
                try:
                    if time.monotonic() >= next_claim:
                        await self._claim(client)
                        next_claim = time.monotonic() + max(self.claim_idle_ms / 2000, 0.2)
                    start = "0" if own_backlog else ">"
                    # The endpoints' change counter comes in the same round trip, read by
                    # Redis right after it hands over the entries.
                    async with client.pipeline(transaction=False) as pipe:
                        pipe.xreadgroup(
                            GROUP,
                            self.consumer,
                            {self.bus.stream_key: start},
                            count=BATCH,
                            block=None if own_backlog else self.block_ms,
                        )
                        pipe.get(self.counter.key)
                        response, version = await pipe.execute()
                    entries = [e for _key, batch in response or [] for e in batch]
                    if own_backlog and not entries:
                        own_backlog = False
                    if entries:
                        await self._handle(client, entries, version)
                    delay = 0.1
                except asyncio.CancelledError:
                    raise
                except ResponseError as exc:
                    if "NOGROUP" in str(exc):
                        # Redis lost the stream (restarted empty): everything in it is new.
                        with suppress(RedisError, OSError):
                            await self._ensure_group(client, "0")
                    else:
                        logger.exception("webhook intake failed; retrying")
                    own_backlog = True
                    self.endpoints.forget()
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 5.0)
                except Exception as exc:
                    if self._stopping:
                        return
                    logger.warning("webhook intake: retrying", extra={"error": repr(exc)})
                    own_backlog = True
                    self.endpoints.forget()
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 5.0)
        finally:
            await client.aclose()

    async def watermark(self) -> str:
        # The group's last delivered id is read first, then the pending entries: an entry
        # delivered up to that id is, at the second read, either pending or acknowledged (its
        # deliveries written). A pipeline is not atomic: read the other way round, an entry
        # another consumer took between the two reads counted as complete while its
        # deliveries were still being written, and a newer message could go before it.
        async with self.bus.client.pipeline(transaction=False) as pipe:
            pipe.xinfo_groups(self.bus.stream_key)
            pipe.xpending(self.bus.stream_key, GROUP)
            groups, pending = await pipe.execute()
        last = ZERO_ID
        for group in groups:
            if group.get("name") == GROUP:
                last = str(group["last-delivered-id"])
        mark = webhooks_service.event_key(last)
        if pending and pending.get("pending"):
            mark = min(mark, webhooks_service.event_key(_previous(str(pending["min"]))))
        return mark


@dataclass
class SenderConfig:
    allow_private: bool
    timeout: float
    max_response_bytes: int
    schedule: list[float]
    poll_seconds: float


class Sender:
    """Sends due messages, one endpoint at a time per lease, oldest event first."""

    def __init__(self, intake: Intake, wake: asyncio.Event, config: SenderConfig) -> None:
        self.intake = intake
        self.wake = wake
        self.config = config
        self.owner = f"{socket.gethostname()}-{secrets.token_hex(4)}"
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None
        # Long enough for a full attempt; renewed per message.
        self.lease_seconds = config.timeout + 10

    async def start(self) -> None:
        self._stopping = False
        # trust_env=False: no proxy from the environment may see (or redirect) deliveries.
        self._client = httpx.AsyncClient(trust_env=False, follow_redirects=False)
        self._task = asyncio.create_task(self._run(), name="webhooks-sender")

    async def stop(self) -> None:
        self._stopping = True
        self.wake.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout=self.config.timeout + 2)
            except asyncio.TimeoutError:
                self._task.cancel()
                await asyncio.wait([self._task], timeout=1.0)
            self._task = None
        if self._client is not None:
            await self._client.aclose()

    async def _send_endpoint(self, endpoint_id: int, watermark: str) -> None:
        if not await webhooks_service.take_lease(
            endpoint_id, owner=self.owner, seconds=self.lease_seconds
        ):
            return
        try:
            while not self._stopping:
                delivery = await webhooks_service.head_delivery(endpoint_id, watermark=watermark)
                if delivery is None or delivery.next_attempt_at > webhooks_service.now():
                    return
                endpoint = await WebhookEndpoint.get_or_none(id=endpoint_id, is_active=True)
                if endpoint is None:
                    return
                assert self._client is not None
                outcome = await outbound.post(
                    self._client,
                    endpoint.url,
                    body=delivery.payload,
                    headers=webhooks_service.signed_headers(
                        endpoint, delivery, timestamp=int(time.time())
                    ),
                    allow_private=self.config.allow_private,
                    timeout=self.config.timeout,
                    max_response_bytes=self.config.max_response_bytes,
                )
                settled = await webhooks_service.record_attempt(
                    delivery, outcome, schedule=self.config.schedule
                )
                if settled and not outcome.ok:  # given up: the endpoint was disabled
                    await self.intake.endpoints.changed()
                if not settled:
                    return  # its retry is due later; the newer messages wait behind it
                # Keep the endpoint for its next message (or stop if the lease was lost).
                if not await webhooks_service.renew_lease(
                    endpoint_id, owner=self.owner, seconds=self.lease_seconds
                ):
                    return
        finally:
            await webhooks_service.release_lease(endpoint_id, owner=self.owner)

    async def run_once(self) -> None:
        """One round: every endpoint with a due message, concurrently."""
        if not await self.intake.endpoints.get():
            return  # only active endpoints get messages
        watermark = await self.intake.watermark()
        endpoint_ids = await webhooks_service.endpoints_with_due_messages(
            watermark=watermark, now=webhooks_service.now()
        )
        if endpoint_ids:
            await asyncio.gather(*(self._send_endpoint(e, watermark) for e in endpoint_ids))

    async def _run(self) -> None:
        while not self._stopping:
            self.wake.clear()
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                if self._stopping:
                    return
                logger.exception("webhook sender failed; retrying")
            with suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout=self.config.poll_seconds)


def parse_schedule(text: str) -> list[float]:
    """`"5,300,1800"` -> `[5.0, 300.0, 1800.0]` (seconds before each retry)."""
    return [float(part) for part in text.split(",") if part.strip()]


def build(settings: Settings, bus: EventBus) -> tuple[Intake, Sender]:
    """The intake and sender for this worker's bus."""
    wake = asyncio.Event()
    intake: Intake
    if isinstance(bus, RedisBus):
        intake = RedisIntake(bus, wake, claim_idle_seconds=settings.webhook_claim_idle_seconds)
    else:
        assert isinstance(bus, MemoryBus)
        intake = MemoryIntake(bus, wake)
    sender = Sender(
        intake,
        wake,
        SenderConfig(
            allow_private=settings.webhook_allow_private,
            timeout=settings.webhook_timeout_seconds,
            max_response_bytes=settings.webhook_max_response_bytes,
            schedule=parse_schedule(settings.webhook_retry_schedule),
            poll_seconds=settings.webhook_poll_seconds,
        ),
    )
    return intake, sender


def install_webhooks(app: FastAPI) -> None:
    """Run the intake and the sender in the app's lifespan (after the event machinery)."""

    @asynccontextmanager
    async def webhooks_lifespan(app: FastAPI) -> AsyncIterator[None]:
        intake, sender = build(app.state.settings, app.state.realtime.bus)
        await intake.start()
        await sender.start()
        app.state.webhooks = (intake, sender)
        try:
            yield
        finally:
            await sender.stop()
            await intake.stop()

    app.state.lifespan_hooks.append(webhooks_lifespan)
