"""Per-process fan-out: ONE reader of the bus feeds every local subscriber through bounded queues.

    hub = request.app.state.realtime.hub          # or the `HubDep` dependency
    async with hub.subscribe(accept=predicate, last_event_id="1732450000000-0") as sub:
        while True:
            msg = await sub.next(timeout=15)       # None when nothing came within `timeout`
            match msg:
                case None: ...                     # idle: send a heartbeat
                case Ready(last_event_id=i): ...   # first message: live from `i`
                case Reset(last_event_id=i): ...   # history gone: client must reload, live from `i`
                case Event(): ...                  # deliver (`msg.id` is the resume point)
                case Closed(reason=r): break       # terminal: tell the client to reconnect+resume

Guarantees for one subscription: events arrive in stream-id order, each at most once (ids at or
below the subscription's cursor are skipped, which is what makes replay-then-live seamless), and
only those for which `accept(event)` is true. A subscriber whose queue is full is evicted at once
(its queue is dropped and replaced by `Closed("slow_consumer")`): it never delays the others, and
the client loses nothing because it resumes from the last id it received. On shutdown every
subscription gets `Closed("shutdown")`.

A resume while Redis is down does not fail: the subscription opens (`Ready` with the requested
id), and `next()` retries the replay with a short backoff (0.25 s doubling to 2 s, jittered),
returning None at its timeout meanwhile (heartbeats); once Redis answers, the replay is delivered
before any live event, with the same order and exactly-once guarantees. `close()` (shutdown,
disconnect, eviction) ends the wait at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

from blog_api.core import metrics
from blog_api.realtime.bus import (
    BusUnavailable,
    EventBus,
    HistoryGone,
    StreamReset,
    normalize_id,
    parse_id,
)
from blog_api.realtime.events import Event
from blog_api.realtime.mailbox import Mailbox

logger = logging.getLogger("blog_api.realtime.hub")

REPLAY_PAGE = 500
# While Redis is down, a pending replay is tried again after this long, doubling up to the max
# (each wait jittered down to half, so the streams of a worker do not retry in step).
REPLAY_RETRY_FIRST = 0.25
REPLAY_RETRY_MAX = 2.0


@dataclass(frozen=True)
class Ready:
    """First message of a normal subscription: events after `last_event_id` follow."""

    last_event_id: str | None


@dataclass(frozen=True)
class Reset:
    """Events the client asked for (or the hub) may be lost: reload, then live after the id."""

    last_event_id: str
    reason: str


@dataclass(frozen=True)
class Closed:
    """Terminal: reconnect and resume from the last delivered id."""

    reason: str


Message = Ready | Reset | Event | Closed
Accept = Callable[[Event], bool]


class Subscription:
    """One local consumer; use as `async with hub.subscribe(...) as sub`."""

    # One per open SSE stream and WebSocket: no per-instance dict.
    __slots__ = (
        "_closed",
        "_cursor",
        "_inbox",
        "_last_reset",
        "_pending",
        "_replay_from",
        "accept",
        "hub",
        "requested_id",
    )

    def __init__(
        self, hub: Hub, *, accept: Accept, last_event_id: str | None, queue_size: int
    ) -> None:
        self.hub = hub
        self.accept = accept
        self.requested_id = normalize_id(last_event_id) if last_event_id else None
        self._inbox: Mailbox[Event | Reset | Closed] = Mailbox(queue_size)
        self._cursor: tuple[int, int] | None = None
        self._pending: list[Message] = []  # replay and control messages, before the inbox
        self._replay_from: str | None = None
        self._closed: Closed | None = None
        self._last_reset: str | None = None  # position of the last `Reset` given out

    @property
    def last_event_id(self) -> str | None:
        """Id of the last event delivered (or the starting point): where a client resumes."""
        return None if self._cursor is None else f"{self._cursor[0]}-{self._cursor[1]}"

    async def __aenter__(self) -> Subscription:
        # Register before reading history, so nothing published meanwhile falls between the two;
        # the cursor drops what both deliver.
        self.hub._register(self)
        try:
            if self.requested_id is None:
                start = self.hub.position
                self._cursor = parse_id(start) if start else None
                self._pending.append(Ready(start))
            else:
                self._cursor = parse_id(self.requested_id)
                self._replay_from = self.requested_id
                # Redis down: the stream opens all the same and `next()` replays once it is back.
                with contextlib.suppress(BusUnavailable):
                    await self._replay_page()
                if not self._pending or not isinstance(self._pending[0], Reset):
                    self._pending.insert(0, Ready(self.requested_id))
        except BaseException:
            self.hub._unregister(self)
            raise
        self.hub._entered(+1)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.hub._unregister(self)
        self.hub._entered(-1)

    async def _replay_page(self) -> None:
        """Queue the next page of history after `_replay_from` (raises `BusUnavailable`)."""
        assert self._replay_from is not None
        try:
            page = await self.hub.bus.read_since(self._replay_from, limit=REPLAY_PAGE)
        except HistoryGone as gone:
            # Reload (the reset), then whatever the stream still holds after the resume point:
            # after a Redis restart, every event of the new stream.
            resume = gone.resume_from
            self._replay_from = resume if resume != gone.tip else None
            self._cursor = parse_id(resume)
            self._pending.append(Reset(resume, "history_gone"))
            return
        self._replay_from = page[-1].id if len(page) == REPLAY_PAGE else None
        self._pending.extend(e for e in page if self._safe_accept(e))

    def _safe_accept(self, event: Event) -> bool:
        try:
            return self.accept(event)
        except Exception:
            logger.exception("subscriber filter failed; event skipped", extra={"id": event.id})
            return False

    def close(self, reason: str) -> None:
        """End this subscription now: the consumer's next message is `Closed(reason)`."""
        self.hub._evict(self, reason)

    def _offer(self, item: Event | Reset) -> None:
        """Called by the hub's reader: enqueue or evict; never waits."""
        if not self._inbox.put(item):
            self.hub._evict(self, "slow_consumer")

    def _close(self, reason: str) -> None:
        # The queued events are dropped on purpose: the client resumes from its last id.
        self._inbox.replace_all(Closed(reason))

    async def next(self, timeout: float | None = None) -> Message | None:
        """The next message, or None if nothing arrived within `timeout` seconds."""
        if self._closed is not None:
            return self._closed
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        retry_in = REPLAY_RETRY_FIRST
        while True:
            if not self._pending and self._replay_from is not None:
                try:
                    await self._replay_page()
                except BusUnavailable:
                    # Keep the resume point and try again shortly. Live events wait in the
                    # inbox meanwhile (they must not overtake the replay); only a `Closed`
                    # there (close(), shutdown, eviction) ends the wait, at once.
                    remaining = None if deadline is None else deadline - loop.time()
                    if remaining is not None and remaining <= 0:
                        return None
                    pause = retry_in * random.uniform(0.5, 1.0)  # noqa: S311  (jitter)
                    woken = True
                    if not isinstance(self._inbox.peek(), Closed):  # closed during the read
                        woken = await self._inbox.wait(
                            pause if remaining is None else min(pause, remaining)
                        )
                    head = self._inbox.peek()
                    if isinstance(head, Closed):
                        self._closed = head
                        return head
                    if woken:
                        return None  # live events: let the consumer look
                    retry_in = min(retry_in * 2, REPLAY_RETRY_MAX)
                    continue
            if self._pending:
                item: Message = self._pending.pop(0)
            else:
                remaining = None if deadline is None else deadline - loop.time()
                if remaining is not None and remaining <= 0:
                    return None
                taken = await self._inbox.take(remaining)
                if taken is None:
                    return None
                item = taken
            admitted = self._admit(item)
            if admitted is not None:
                return admitted

    def next_nowait(self) -> Message | None:
        """The next message if one is queued, else None at once: for a consumer that does not
        wait on the subscription but is called back (`on_message`) when there is something.
        Only for subscriptions from now (no `last_event_id`), which never replay."""
        if self._closed is not None:
            return self._closed
        while True:
            item = self._pending.pop(0) if self._pending else self._inbox.take_nowait()
            if item is None:
                return None
            admitted = self._admit(item)
            if admitted is not None:
                return admitted

    def on_message(self, callback: Callable[[], None]) -> None:
        """Call `callback` (synchronously, from the reader) whenever a message is queued,
        instead of waking a task waiting in `next()`."""
        self._inbox.notify = callback

    def _admit(self, item: Message) -> Message | None:
        """Advance the cursor past `item`; None for an event already delivered (replay)."""
        if isinstance(item, Event):
            position = parse_id(item.id)
            if self._cursor is not None and position <= self._cursor:
                return None  # already delivered by the replay
            self._cursor = position
        elif isinstance(item, Reset):
            if item.last_event_id == self._last_reset and self._cursor is not None:
                # The same reset again: the replay met a Redis restart before the hub's reader
                # did, and the reader now reports it too, followed by the new stream's events
                # the replay already delivered. Moving the cursor back would deliver them
                # twice. (A later restart would report the same position, "0-0"; its events
                # still pass, their ids being newer than the cursor.)
                return None
            self._last_reset = item.last_event_id
            self._cursor = parse_id(item.last_event_id)
        elif isinstance(item, Closed):
            self._closed = item
        return item


# Something in the process that reacts to every change (e.g. the public response cache): it
# sees each event of the stream, and a `StreamReset` when changes may have been missed.
ChangeListener = Callable[[Event | StreamReset], None]


class Hub:
    """Owns the process's single bus reader and its local subscribers."""

    def __init__(self, bus: EventBus, *, queue_size: int) -> None:
        self.bus = bus
        self.queue_size = queue_size
        self.listeners: list[ChangeListener] = []
        self.position: str | None = None  # id of the last event the reader dispatched
        self._subs: set[Subscription] = set()
        self._task: asyncio.Task[None] | None = None
        self._closing: str | None = None
        self.ready = asyncio.Event()
        # Subscriptions whose `async with` block is still running (evicted ones included): a
        # consumer leaves the block only once it has told its client (SSE `reconnect`, WebSocket
        # close frame), so zero means every client was told.
        self._open = 0
        self._drained = asyncio.Event()
        self._drained.set()

    @property
    def subscriber_count(self) -> int:
        return len(self._subs)

    def subscribe(
        self, *, accept: Accept, last_event_id: str | None = None, queue_size: int | None = None
    ) -> Subscription:
        """A subscription receiving accepted events after `last_event_id` (or from now)."""
        return Subscription(
            self,
            accept=accept,
            last_event_id=last_event_id,
            queue_size=queue_size or self.queue_size,
        )

    def _register(self, sub: Subscription) -> None:
        self._subs.add(sub)
        if self._closing is not None:
            self._evict(sub, self._closing)

    def _unregister(self, sub: Subscription) -> None:
        self._subs.discard(sub)

    def _entered(self, delta: int) -> None:
        self._open += delta
        if self._open:
            self._drained.clear()
        else:
            self._drained.set()

    async def wait_drained(self, timeout: float) -> bool:
        """Wait until no subscription block is running (at most `timeout` s); True if none is."""
        try:
            await asyncio.wait_for(self._drained.wait(), timeout)
        except asyncio.TimeoutError:  # (not the built-in TimeoutError before Python 3.11)
            return False
        return True

    def _evict(self, sub: Subscription, reason: str) -> None:
        self._subs.discard(sub)
        sub._close(reason)
        if reason == "slow_consumer":
            metrics.SUBSCRIBERS_EVICTED.inc()
            logger.info("evicted a slow subscriber", extra={"queue_size": sub._inbox.maxsize})

    def close_all(self, reason: str = "shutdown") -> None:
        """End every subscription now (and any opened later): used on shutdown."""
        self._closing = reason
        for sub in list(self._subs):
            self._evict(sub, reason)

    def dispatch(self, item: Event | StreamReset) -> None:
        """Hand one item from the bus to every interested subscriber (the reader calls this)."""
        for listener in self.listeners:
            listener(item)
        if isinstance(item, StreamReset):
            self.position = item.tip
            for sub in list(self._subs):
                sub._offer(Reset(item.tip, item.reason))
            return
        self.position = item.id
        delivered = 0
        for sub in list(self._subs):
            if sub._safe_accept(item):
                sub._offer(item)
                delivered += 1
        # Once per event per worker, never per subscriber (this loop is the fan-out hot path).
        metrics.EVENTS_RECEIVED.inc()
        if delivered:
            metrics.EVENTS_DELIVERED.inc(delivered)

    async def start(self) -> None:
        self._closing = None
        self._task = asyncio.create_task(self._run(), name="realtime-hub-reader")

    async def stop(self) -> None:
        self.close_all("shutdown")
        if self._task is not None:
            # Re-cancel until done: a client library may swallow one cancellation while it
            # tears a connection down (redis-py can replace it with a ConnectionError).
            while not self._task.done():
                self._task.cancel()
                await asyncio.wait([self._task], timeout=0.5)
            self._task = None

    async def _run(self) -> None:
        delay = 0.1
        while True:
            try:
                if self.position is None:
                    self.position = await self.bus.last_id()
                self.ready.set()
                async for item in self.bus.tail(self.position):
                    self.dispatch(item)
                return  # the bus was stopped
            except asyncio.CancelledError:
                raise
            except BusUnavailable:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
            except Exception:
                logger.exception("hub reader failed; restarting")
                await asyncio.sleep(1.0)
