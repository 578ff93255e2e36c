"""Many coarse deadlines on few timers: one loop timer per time slot, not one per connection.

Every open WebSocket has a deadline (its next keepalive ping, the end of a ping's grace period,
the expiry of the credential it was opened with). An asyncio `TimerHandle` per socket costs about
half a kilobyte with its context and bound method, multiplied by every idle socket of a worker.
Here a deadline is an entry in the set of its slot (`resolution` seconds wide, rounded up, so
nothing fires early), and each slot has one loop timer however many deadlines share it.
"""

from __future__ import annotations

import asyncio
import math
from typing import Protocol


class Timed(Protocol):
    """What can wait for a deadline (hashable, by identity)."""

    def on_deadline(self) -> None:
        """Called once, from the event loop, when the deadline is reached."""


class Deadlines:
    """Deadlines of many objects, fired by slot (`resolution` seconds)."""

    __slots__ = ("_loop", "_slots", "resolution")

    def __init__(self, resolution: float = 0.05) -> None:
        self.resolution = resolution
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots: dict[int, set[Timed]] = {}

    def add(self, item: Timed, delay: float) -> int:
        """Call `item.on_deadline()` in `delay` seconds (at most `resolution` later); returns
        the slot, for `discard`."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            # Slots of a loop that is gone would never fire.
            self._loop, self._slots = loop, {}
        slot = math.ceil((loop.time() + max(delay, 0.0)) / self.resolution)
        members = self._slots.get(slot)
        if members is None:
            members = self._slots[slot] = set()
            loop.call_at(slot * self.resolution, self._fire, slot)
        members.add(item)
        return slot

    def discard(self, item: Timed, slot: int) -> None:
        """Forget `item`'s deadline in `slot` (nothing happens if it already fired)."""
        members = self._slots.get(slot)
        if members is not None:
            members.discard(item)

    def _fire(self, slot: int) -> None:
        for item in self._slots.pop(slot, ()):
            item.on_deadline()

    def __len__(self) -> int:
        return sum(len(members) for members in self._slots.values())
