"""The outbox relay: moves committed `OutboxEvent` rows to the bus.

Two paths, one task per process:

- **Publish on commit (the hot path).** `record_event` registers an after-commit hook on the
  service's transaction (`core.db.transaction`); right after the COMMIT the hook hands the row,
  already in memory, to every relay of the process (`publish_committed`). The relay appends what
  it was handed to the stream at once, several rows in one pipelined round trip, and marks them
  published with one UPDATE. No polling interval and no SELECT sit between a commit and its XADD.
- **The sweep (the safety net).** Every `sweep_seconds`, and as soon as the bus is back after a
  failure, the relay publishes every row still unpublished, in id order, in batches (pipelined
  XADD, one UPDATE per batch): rows of a process that died between its commit and its XADD, rows
  written while Redis was down, rows written by a process without a relay (CLI imports, seeds).

While the hot path has failed and the sweep has not yet caught up, newly committed rows wait for
the sweep too, so one process's events never overtake its earlier ones in the stream. If the bus
is down the relay backs off (0.1 s doubling to 5 s) and the rows wait: the request that wrote them
has already succeeded.

Exactly-once into the stream: each row is published with `dedupe_key=publication_key(row)`, which
the bus turns into a no-op returning the first id if the row was already appended (a crash
between XADD and the UPDATE, or the hot path of one process racing the sweep of another). The
stored `stream_id` is the event's permanent public id.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from tortoise import connections

from blog_api.core import metrics
from blog_api.realtime.bus import BusUnavailable, EventBus
from blog_api.realtime.events import Event, event_from_outbox
from blog_api.realtime.mailbox import Doorbell
from blog_api.realtime.models import OutboxEvent

logger = logging.getLogger("blog_api.realtime.relay")

# Every running relay of this process (one per app; several only in tests).
_relays: weakref.WeakSet[OutboxRelay] = weakref.WeakSet()
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def publication_key(row: OutboxEvent) -> str:
    """The bus's dedupe key of a row: its id and the microsecond it occurred at.

    The id alone is not enough: a database that is re-created or restored while Redis keeps its
    keys (for `DEDUPE_TTL_SECONDS`) hands out the same ids again, and the bus would silently drop
    those new events as duplicates of old ones. Every process reads the same stored `occurred_at`,
    so retries and concurrent relays still agree on the key.
    """
    occurred = row.occurred_at
    if occurred.tzinfo is None:  # stored in UTC (`use_tz`); be safe with a naive value
        occurred = occurred.replace(tzinfo=timezone.utc)
    micros = (occurred - _EPOCH) // timedelta(microseconds=1)
    return f"{row.id}:{micros}"


def publish_committed(row: OutboxEvent) -> None:
    """Hand a just-committed row to this process's relays (the after-commit hook).

    Safe to call when no relay runs (CLI, tests): the row then waits for a server's sweep.
    """
    for relay in list(_relays):
        relay.committed(row)


async def measure_outbox() -> None:
    """Set the outbox gauges of /metrics: unpublished rows and the age of the oldest one."""
    pending = OutboxEvent.filter(published_at=None)
    backlog = await pending.count()
    metrics.OUTBOX_BACKLOG.set(backlog)
    oldest = await pending.order_by("id").first() if backlog else None
    if oldest is None:
        metrics.OUTBOX_LAG.set(0)
        return
    occurred = oldest.occurred_at
    if occurred.tzinfo is None:  # SQLite hands back naive UTC
        occurred = occurred.replace(tzinfo=timezone.utc)
    metrics.OUTBOX_LAG.set(max(0.0, (datetime.now(timezone.utc) - occurred).total_seconds()))


def notify_outbox() -> None:
    """Ask this process's relays to sweep now (rows written outside the hot path)."""
    for relay in list(_relays):
        relay.wake()


class OutboxRelay:
    """Moves outbox rows to the bus; start/stop with the app."""

    def __init__(self, bus: EventBus, *, batch_size: int = 100, sweep_seconds: float = 5.0) -> None:
        self.bus = bus
        self.batch_size = batch_size
        self.sweep_seconds = sweep_seconds
        self._wake = Doorbell()
        self._fresh: deque[OutboxEvent] = deque()
        self._sweep_due = True  # the first round sweeps what an earlier life left
        # Set when a hot-path publication failed: until a sweep succeeds, fresh rows wait for
        # it, so they cannot overtake the failed ones.
        self._behind = False
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        # Told of each row this process commits, at once: the process that made a change
        # must not serve what it replaced until its own copy of the event comes back.
        self.listeners: list[Callable[[Event], None]] = []

    def committed(self, row: OutboxEvent) -> None:
        """Queue a committed row for immediate publication."""
        self._fresh.append(row)
        self._wake.ring()
        if self.listeners:
            event = event_from_outbox(row)
            for listener in self.listeners:
                listener(event)

    def wake(self) -> None:
        """Ask for a sweep soon (coalesced)."""
        self._sweep_due = True
        self._wake.ring()

    async def start(self) -> None:
        self._stopping = False
        _relays.add(self)
        self._task = asyncio.create_task(self._run(), name="realtime-outbox-relay")

    async def stop(self) -> None:
        """Let a round in progress finish (cancelling a database call mid-way can leave the
        connection pool unable to close), then end. Rows not yet published wait for the sweep of
        the next process that starts."""
        _relays.discard(self)
        self._stopping = True
        self._wake.ring()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout=5.0)
            except asyncio.TimeoutError:
                while not self._task.done():
                    self._task.cancel()
                    await asyncio.wait([self._task], timeout=0.5)
            self._task = None

    async def _publish_rows(self, rows: list[OutboxEvent]) -> None:
        """Append `rows` to the stream in one round trip, then record their ids in one UPDATE."""
        ids = await self.bus.publish_many(
            [(event_from_outbox(row), publication_key(row)) for row in rows]
        )
        metrics.EVENTS_PUBLISHED.inc(len(rows))
        now = datetime.now(timezone.utc)
        for row, stream_id in zip(rows, ids, strict=True):
            row.stream_id = stream_id
            row.published_at = now
        # Unconditional: a racing process stores the same stream id (dedupe), so either write
        # is right. One UPDATE for the whole batch.
        conn = connections.get("default")
        if conn.capabilities.dialect == "postgres":
            # Written out: building the ORM's UPDATE ... CASE costs more CPU than running it.
            await conn.execute_query(
                "UPDATE outbox_events AS o SET published_at = $1, stream_id = d.sid "
                "FROM unnest($2::bigint[], $3::text[]) AS d(id, sid) WHERE o.id = d.id",
                [now, [row.id for row in rows], ids],
            )
        else:
            await OutboxEvent.bulk_update(
                rows, fields=["published_at", "stream_id"], batch_size=self.batch_size
            )

    async def publish_fresh(self) -> int:
        """Publish the rows handed over by `committed`; return how many.

        Raises `BusUnavailable` if the bus is down (the rows stay unpublished for the sweep).
        """
        total = 0
        while self._fresh and not self._stopping:
            batch = [self._fresh.popleft() for _ in range(min(len(self._fresh), self.batch_size))]
            if self._behind:
                continue  # the sweep that is due publishes them, in order
            try:
                await self._publish_rows(batch)
            except BusUnavailable:
                self._behind = True
                self._sweep_due = True
                self._fresh.clear()
                raise
            total += len(batch)
        return total

    async def publish_pending(self) -> int:
        """The sweep: publish every unpublished row in id order, in batches; return how many.

        Raises `BusUnavailable` if the bus is down (the rows stay unpublished).
        """
        total = 0
        while not self._stopping:
            rows = await OutboxEvent.filter(published_at=None).order_by("id").limit(self.batch_size)
            if rows:
                await self._publish_rows(list(rows))
                total += len(rows)
            if len(rows) < self.batch_size:
                self._behind = False
                return total
        return total

    async def _round(self) -> None:
        await self.publish_fresh()
        if self._sweep_due:
            self._sweep_due = False
            try:
                swept = await self.publish_pending()
            except BaseException:
                self._sweep_due = True
                raise
            if swept:
                logger.info("outbox sweep published rows", extra={"count": swept})

    async def _run(self) -> None:
        backoff = 0.1
        loop = asyncio.get_running_loop()
        next_sweep = loop.time() + self.sweep_seconds
        while not self._stopping:
            self._wake.clear()
            if loop.time() >= next_sweep:
                self._sweep_due = True
                next_sweep = loop.time() + self.sweep_seconds
            try:
                await self._round()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self._stopping:
                    return
                if isinstance(exc, BusUnavailable):
                    logger.warning(
                        "outbox relay: bus unavailable, retrying", extra={"error": str(exc)}
                    )
                else:
                    logger.exception("outbox relay failed; retrying")
                self._sweep_due = True
                self._behind = True
                # Commits meanwhile do not cut the pause short: they wait for the sweep.
                retry_at = loop.time() + backoff
                backoff = min(backoff * 2, 5.0)
                while not self._stopping and loop.time() < retry_at:
                    self._wake.clear()
                    await self._wake.wait(retry_at - loop.time())
                continue
            backoff = 0.1
            if self._fresh or self._sweep_due:
                continue  # more arrived during the round
            await self._wake.wait(next_sweep - loop.time())
