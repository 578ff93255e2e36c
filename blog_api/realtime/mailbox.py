"""What the real-time tasks sleep on: a bounded mailbox per connection, a doorbell for the relay.

`asyncio.Queue` costs four deques and an Event (about 4 KiB) per instance; a worker holds one
mailbox per open SSE stream and WebSocket, thousands of them mostly idle. A `Mailbox` is a list
and, only while its consumer waits, one future. Both wake their one waiter in the next loop
iteration (`asyncio.wait_for(event.wait(), t)` would wrap each wait in a task of its own).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


def _resolve(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class _Waitable:
    """One task sleeps on it until `_wake` or a timeout; or, instead of a sleeping task, a
    `notify` callback is called on every `_wake` (a consumer that starts work only when there
    is some, so that nothing waits while it is idle)."""

    __slots__ = ("_waiter", "notify")

    def __init__(self) -> None:
        self._waiter: asyncio.Future[None] | None = None
        self.notify: Callable[[], None] | None = None

    def _wake(self) -> None:
        if self._waiter is not None:
            _resolve(self._waiter)
        if self.notify is not None:
            self.notify()

    async def _sleep(self, timeout: float | None) -> None:
        """Return on `_wake`, or after `timeout` seconds (None: only on `_wake`)."""
        loop = asyncio.get_running_loop()
        waiter = self._waiter = loop.create_future()
        timer = None if timeout is None else loop.call_later(max(timeout, 0.0), _resolve, waiter)
        try:
            await waiter
        finally:
            self._waiter = None
            if timer is not None:
                timer.cancel()


class Mailbox(_Waitable, Generic[T]):
    """Items in arrival order for one consumer task; producers never wait."""

    __slots__ = ("_items", "maxsize")

    def __init__(self, maxsize: int) -> None:
        super().__init__()
        self.maxsize = maxsize
        self._items: list[T] = []

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

    def peek(self) -> T | None:
        """The oldest item without taking it (None when empty)."""
        return self._items[0] if self._items else None

    async def wait(self, timeout: float) -> bool:
        """Sleep until an item is put, `_wake` is called or `timeout` seconds pass, taking
        nothing; True when woken before the timeout."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        await self._sleep(timeout)
        return loop.time() < end

    def take_nowait(self) -> T | None:
        """The oldest item, or None when empty."""
        return self._items.pop(0) if self._items else None

    async def take(self, timeout: float | None = None) -> T | None:
        """The oldest item, waiting up to `timeout` seconds (None: forever); None on timeout."""
        if not self._items:
            await self._sleep(timeout)
            if not self._items:
                return None
        # Popping the front of a short bounded list is cheaper than keeping a deque per consumer.
        return self._items.pop(0)


class Doorbell(_Waitable):
    """Rung by producers (commits), slept on by one task (the relay); rings are coalesced."""

    __slots__ = ("_rung",)

    def __init__(self) -> None:
        super().__init__()
        self._rung = False

    def ring(self) -> None:
        self._rung = True
        self._wake()

    def clear(self) -> None:
        self._rung = False

    async def wait(self, timeout: float) -> None:
        """Return when rung (at once if rung since the last `clear`) or after `timeout` s."""
        if not self._rung:
            await self._sleep(timeout)
        self._rung = False
