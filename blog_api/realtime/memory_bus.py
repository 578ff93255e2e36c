"""Embedded mode: the event bus in process memory, for one worker without Redis.

Same contract as `RedisBus` (see `bus.py`): Redis-style ids, bounded history, `HistoryGone` for
ids older than the retention, idempotent publishing by key. History is lost on restart, which a
single-worker development or test setup can afford; clients then get `reset`, as with a wiped
Redis.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator

from blog_api.realtime.bus import (
    ZERO_ID,
    EventBus,
    HistoryGone,
    StreamReset,
    normalize_id,
    parse_id,
)
from blog_api.realtime.events import Event


class MemoryBus(EventBus):
    """A bounded in-memory stream; `maxlen` is exact (Redis trims approximately)."""

    def __init__(self, *, maxlen: int) -> None:
        self.maxlen = maxlen
        self._entries: deque[Event] = deque()
        self._last: tuple[int, int] = (0, 0)
        # Newest trimmed id: a reader at or after it has missed nothing.
        self._trimmed_upto: tuple[int, int] | None = None
        self._dedupe: OrderedDict[str, str] = OrderedDict()
        self._changed = asyncio.Condition()
        self._stopped = False

    async def start(self) -> None:
        self._stopped = False

    async def stop(self) -> None:
        self._stopped = True
        async with self._changed:
            self._changed.notify_all()

    def _next_id(self) -> tuple[int, int]:
        now = int(time.time() * 1000)
        ms, seq = self._last
        # Same rule as Redis: ids never go backwards, even if the clock does.
        return (ms, seq + 1) if now <= ms else (now, 0)

    async def publish(self, event: Event, *, dedupe_key: str | None = None) -> str:
        if dedupe_key is not None and dedupe_key in self._dedupe:
            return self._dedupe[dedupe_key]
        self._last = self._next_id()
        stream_id = f"{self._last[0]}-{self._last[1]}"
        self._entries.append(event.model_copy(update={"id": stream_id}))
        while len(self._entries) > self.maxlen:
            self._trimmed_upto = parse_id(self._entries.popleft().id)
        if dedupe_key is not None:
            self._dedupe[dedupe_key] = stream_id
            while len(self._dedupe) > self.maxlen:
                self._dedupe.popitem(last=False)
        async with self._changed:
            self._changed.notify_all()
        return stream_id

    def _check_retained(self, last_id: str) -> tuple[int, int]:
        wanted = parse_id(last_id)
        if self._trimmed_upto is not None:
            lost = wanted < self._trimmed_upto
        else:
            # Nothing trimmed, yet an id before the first entry (other than "0-0"): issued before
            # this process started, so whatever followed it is gone (same rule as `RedisBus`).
            lost = bool(self._entries) and (0, 0) < wanted < parse_id(self._entries[0].id)
        if wanted > self._last or lost:
            tip = f"{self._last[0]}-{self._last[1]}"
            complete_from = ZERO_ID if self._trimmed_upto is None else tip
            raise HistoryGone(normalize_id(last_id), tip, complete_from)
        return wanted

    async def read_since(self, last_id: str, *, limit: int = 500) -> list[Event]:
        wanted = self._check_retained(last_id)
        out: list[Event] = []
        # Newest entries are at the right; walk back to the first one after `wanted`.
        for event in reversed(self._entries):
            if parse_id(event.id) <= wanted:
                break
            out.append(event)
        out.reverse()
        return out[:limit]

    async def last_id(self) -> str:
        return ZERO_ID if self._last == (0, 0) else f"{self._last[0]}-{self._last[1]}"

    async def tail(self, after: str) -> AsyncIterator[Event | StreamReset]:
        cursor = normalize_id(after)
        while not self._stopped:
            try:
                batch = await self.read_since(cursor)
            except HistoryGone as gone:
                cursor = gone.resume_from
                yield StreamReset(tip=cursor, reason="history_gone")
                continue
            for event in batch:
                cursor = event.id
                yield event
            if batch:
                continue
            async with self._changed:
                if await self.last_id() == cursor and not self._stopped:
                    await self._changed.wait()

    async def trim_before(self, min_id: str) -> int:
        bound = parse_id(min_id)
        dropped = 0
        while self._entries and parse_id(self._entries[0].id) < bound:
            self._trimmed_upto = parse_id(self._entries.popleft().id)
            dropped += 1
        return dropped

    async def ping(self) -> bool:
        return True
