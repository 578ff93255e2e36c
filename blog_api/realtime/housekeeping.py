"""Event store housekeeping: one retention for the stream, the outbox and notifications.

Every `interval` seconds one worker (a Redis lock, `SET NX EX`, picks it; embedded mode has one
worker) drops what is older than `retention_seconds`:

1. the stream's entries with older ids (`XTRIM MINID`, exact), so a client resuming from an id
   before the cut gets `reset` (`HistoryGone`) and one resuming after it gets every event;
2. the outbox rows that occurred before the cut, once published (an unpublished row still
   waits for the relay and is never dropped), with their notifications;
3. notifications created before the cut;
4. the webhook delivery log's settled entries (delivered or given up) created before the cut;
   a message still waiting for an attempt is never dropped.

So the notification list a client reloads after a `reset` covers the same period the stream
still replays. MAXLEN still bounds the stream by count: whichever limit is reached first wins.
Each delete is a short batch of its own; running twice at once would be harmless (the deletes
are conditional and idempotent), the lock only saves the work.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, cast

from redis.exceptions import RedisError
from tortoise.queryset import QuerySet

from blog_api.realtime.bus import BusUnavailable, EventBus
from blog_api.realtime.models import Notification, OutboxEvent
from blog_api.realtime.redis_bus import RedisBus
from blog_api.webhooks.models import DeliveryStatus, WebhookDelivery

logger = logging.getLogger("blog_api.realtime.housekeeping")

BATCH = 1000
MAX_BATCHES = 100
LOCK_KEY = "blog_api:housekeeping:lock"


@dataclass
class Pruned:
    """How much one round dropped."""

    stream_entries: int = 0
    outbox_rows: int = 0
    notifications: int = 0
    webhook_deliveries: int = 0


def stream_id_at(moment: datetime) -> str:
    """The first stream id of a moment (ids are `<unix ms>-<seq>`)."""
    return f"{int(moment.timestamp() * 1000)}-0"


async def _old_ids(query: QuerySet[Any]) -> AsyncIterator[list[int]]:
    """Ids of `query`'s rows, oldest first, a batch at a time (the caller deletes each batch
    before the next is read), at most `MAX_BATCHES` batches per round."""
    for _ in range(MAX_BATCHES):
        # By id: the oldest rows come first in the primary key, so each batch stops early.
        rows = await query.order_by("id").limit(BATCH).values_list("id", flat=True)
        ids = cast(list[int], list(rows))  # flat=True: the ids themselves, not tuples
        if not ids:
            return
        yield ids
        if len(ids) < BATCH:
            return


async def prune(bus: EventBus, *, retention_seconds: float, now: datetime | None = None) -> Pruned:
    """Drop stream entries, outbox rows and notifications older than the retention."""
    cutoff = (now or datetime.now(timezone.utc)) - timedelta(seconds=retention_seconds)
    result = Pruned()
    try:
        result.stream_entries = await bus.trim_before(stream_id_at(cutoff))
    except BusUnavailable:
        logger.warning("housekeeping: the stream is unreachable; trimming it next time")
    async for ids in _old_ids(
        OutboxEvent.filter(occurred_at__lt=cutoff, published_at__isnull=False)
    ):
        result.notifications += await Notification.filter(event_id__in=ids).delete()
        result.outbox_rows += await OutboxEvent.filter(id__in=ids).delete()
    async for ids in _old_ids(Notification.filter(created_at__lt=cutoff)):
        result.notifications += await Notification.filter(id__in=ids).delete()
    settled = (DeliveryStatus.succeeded, DeliveryStatus.failed)
    async for ids in _old_ids(WebhookDelivery.filter(created_at__lt=cutoff, status__in=settled)):
        result.webhook_deliveries += await WebhookDelivery.filter(id__in=ids).delete()
    return result


class Housekeeping:
    """The periodic `prune` of one worker (the round runs on one worker per interval)."""

    def __init__(self, bus: EventBus, *, retention_seconds: float, interval: float) -> None:
        self.bus = bus
        self.retention_seconds = retention_seconds
        self.interval = interval
        self.owner = secrets.token_hex(8)
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def _our_turn(self) -> bool:
        if not isinstance(self.bus, RedisBus):
            return True  # embedded mode: one worker
        try:
            # Held for most of the interval: the other workers skip this round.
            ttl = max(1, int(self.interval * 0.9))
            return bool(await self.bus.client.set(LOCK_KEY, self.owner, nx=True, ex=ttl))
        except (RedisError, OSError):
            return False

    async def run_once(self) -> Pruned | None:
        """One round if it is this worker's turn; what it dropped (None: not our turn)."""
        if not await self._our_turn():
            return None
        pruned = await prune(self.bus, retention_seconds=self.retention_seconds)
        counts = dataclasses.asdict(pruned)
        if any(counts.values()):
            logger.info("housekeeping pruned old events", extra=counts)
        return pruned

    async def _run(self) -> None:
        while True:
            with suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=self.interval)
            if self._stop.is_set():
                return
            try:
                await self.run_once()
            except Exception:  # a failed round is retried at the next one
                logger.exception("housekeeping failed")

    async def start(self) -> None:
        self._stop.clear()
        self._task = asyncio.create_task(self._run(), name="realtime-housekeeping")

    async def stop(self) -> None:
        """Let a round in progress finish (cancelling a database call can break the pool)."""
        self._stop.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout=5.0)
            except asyncio.TimeoutError:
                self._task.cancel()
                await asyncio.wait([self._task], timeout=1.0)
            self._task = None
