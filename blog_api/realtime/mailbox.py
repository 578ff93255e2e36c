"""A bounded, single-consumer mailbox: what every open connection waits on.

`asyncio.Queue` costs four deques and an Event (about 4 KiB) per instance; a worker holds one
per open SSE stream and WebSocket, thousands of them mostly idle. This one is a list and, only
while its consumer waits, one future.
"""

from __future__ import annotations

import asyncio
from typing import Generic, TypeVar

T = TypeVar("T")


def _resolve(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class Mailbox(Generic[T]):
    """Items in arrival order for one consumer task; producers never wait."""

    __slots__ = ("_items", "_waiter", "maxsize")

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._items: list[T] = []
        self._waiter: asyncio.Future[None] | None = None

    def __len__(self) -> int:
        return len(self._items)

    def full(self) -> bool:
        return len(self._items) >= self.maxsize

    def put(self, item: T) -> bool:
        """Append `item`; False (and nothing appended) when the mailbox is full."""
        if len(self._items) >= self.maxsize:
            return False
        self._items.append(item)
        self._wake()
        return True

    def put_dropping_oldest(self, item: T) -> None:
        """Append `item`, dropping the oldest when full (for messages that supersede others)."""
        if len(self._items) >= self.maxsize:
            del self._items[0]
        self._items.append(item)
        self._wake()

    def replace_all(self, item: T) -> None:
        """Drop everything waiting and leave only `item` (a terminal message)."""
        self._items = [item]
        self._wake()

    async def take(self, timeout: float | None = None) -> T | None:
        """The oldest item, waiting up to `timeout` seconds (None: forever); None on timeout."""
        if not self._items:
            loop = asyncio.get_running_loop()
            waiter = self._waiter = loop.create_future()
            timer = None if timeout is None else loop.call_later(max(timeout, 0), _resolve, waiter)
            try:
                await waiter
            finally:
                self._waiter = None
                if timer is not None:
                    timer.cancel()
            if not self._items:
                return None
        # Popping the front of a short bounded list is cheaper than keeping a deque per consumer.
        return self._items.pop(0)

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)
