"""The outbox relay: publishes committed `OutboxEvent` rows to the bus, in id order.

One task per process. It wakes when `notify_outbox()` is called (`record_event` does it for every
event it writes), retries briefly until that row's transaction has committed, and also sweeps the
outbox every `sweep_seconds` so rows written by another process whose relay died, or while the bus
was down, are published too. If the bus is down it backs off (0.1 s doubling to 5 s) and the rows
wait: the request that wrote them has already succeeded.

Exactly-once into the stream: each row is published with `dedupe_key=str(row.id)`, which the bus
turns into a no-op returning the first id if the row was already appended (a crash between XADD
and the UPDATE below, or two processes sweeping the same rows). The stored `stream_id` is the
event's permanent public id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from datetime import datetime, timedelta, timezone

from blog_api.realtime.bus import BusUnavailable, EventBus
from blog_api.realtime.events import event_from_outbox
from blog_api.realtime.models import OutboxEvent

logger = logging.getLogger("blog_api.realtime.relay")

# Every running relay of this process (one per app; several only in tests).
_relays: weakref.WeakSet[OutboxRelay] = weakref.WeakSet()
# How long the relay keeps looking for a row announced by `notify_outbox` before leaving it to
# the sweep: covers the time between `record_event` and the commit of its transaction.
EXPECT_SECONDS = 2.0
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


def notify_outbox(outbox_id: int | None = None) -> None:
    """Wake this process's relay; pass the id of a row just written to have it chased.

    Safe to call from anywhere in the event loop thread, also when no relay runs (CLI, tests).
    """
    for relay in list(_relays):
        relay.wake(outbox_id)


class OutboxRelay:
    """Moves outbox rows to the bus; start/stop with the app."""

    def __init__(self, bus: EventBus, *, batch_size: int = 100, sweep_seconds: float = 5.0) -> None:
        self.bus = bus
        self.batch_size = batch_size
        self.sweep_seconds = sweep_seconds
        self._wake = asyncio.Event()
        self._expected: dict[int, float] = {}
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def wake(self, outbox_id: int | None = None) -> None:
        """Ask for a publication round soon (coalesced)."""
        if outbox_id is not None:
            self._expected[outbox_id] = asyncio.get_running_loop().time() + EXPECT_SECONDS
        self._wake.set()

    async def start(self) -> None:
        self._stopping = False
        _relays.add(self)
        self._task = asyncio.create_task(self._run(), name="realtime-outbox-relay")

    async def stop(self) -> None:
        """Let a round in progress finish (cancelling a database call mid-way can leave the
        connection pool unable to close), then end."""
        _relays.discard(self)
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout=5.0)
            except asyncio.TimeoutError:
                while not self._task.done():
                    self._task.cancel()
                    await asyncio.wait([self._task], timeout=0.5)
            self._task = None

    async def publish_pending(self) -> int:
        """Publish unpublished rows in id order until none are left; return how many.

        Raises `BusUnavailable` if the bus is down (the rows stay unpublished).
        """
        total = 0
        while True:
            rows = await OutboxEvent.filter(published_at=None).order_by("id").limit(self.batch_size)
            for row in rows:
                if self._stopping:
                    return total
                stream_id = await self.bus.publish(
                    event_from_outbox(row), dedupe_key=publication_key(row)
                )
                # Conditional: another process may have stored it first (same id, by dedupe).
                await OutboxEvent.filter(id=row.id, published_at=None).update(
                    published_at=datetime.now(timezone.utc), stream_id=stream_id
                )
                self._expected.pop(row.id, None)
                total += 1
            if len(rows) < self.batch_size:
                return total

    def _next_wait(self) -> float:
        """Seconds to sleep: short while announced rows are not yet visible, else the sweep."""
        now = asyncio.get_running_loop().time()
        for outbox_id, deadline in list(self._expected.items()):
            if deadline < now:
                del self._expected[outbox_id]  # rolled back, or left to the sweep
        return 0.02 if self._expected else self.sweep_seconds

    async def _run(self) -> None:
        backoff = 0.1
        while not self._stopping:
            self._wake.clear()
            try:
                await self.publish_pending()
                backoff = 0.1
                wait = self._next_wait()
            except asyncio.CancelledError:
                raise
            except BusUnavailable as exc:
                if self._stopping:
                    return
                logger.warning("outbox relay: bus unavailable, retrying", extra={"error": str(exc)})
                wait = backoff
                backoff = min(backoff * 2, 5.0)
            except Exception:
                logger.exception("outbox relay failed; retrying")
                wait = backoff
                backoff = min(backoff * 2, 5.0)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait)
