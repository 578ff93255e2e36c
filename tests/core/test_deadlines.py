"""Deadlines: many objects' deadlines on one loop timer per slot, never early."""

from __future__ import annotations

import asyncio

from blog_api.core.deadlines import Deadlines


class Sleeper:
    def __init__(self) -> None:
        self.fired_at: list[float] = []

    def on_deadline(self) -> None:
        self.fired_at.append(asyncio.get_running_loop().time())


async def test_a_deadline_fires_once_not_before_its_time() -> None:
    deadlines = Deadlines(resolution=0.02)
    sleeper = Sleeper()
    start = asyncio.get_running_loop().time()
    deadlines.add(sleeper, 0.05)
    await asyncio.sleep(0.15)
    assert len(sleeper.fired_at) == 1
    assert sleeper.fired_at[0] - start >= 0.05
    assert len(deadlines) == 0


async def test_deadlines_in_one_slot_share_it() -> None:
    deadlines = Deadlines(resolution=10.0)
    sleepers = [Sleeper() for _ in range(100)]
    slots = {deadlines.add(s, 0.001 * i) for i, s in enumerate(sleepers)}
    assert len(slots) <= 2  # a slot boundary may fall between the first and the last
    assert len(deadlines) == 100


async def test_a_discarded_deadline_does_not_fire() -> None:
    deadlines = Deadlines(resolution=0.02)
    kept, dropped = Sleeper(), Sleeper()
    deadlines.add(kept, 0.03)
    deadlines.discard(dropped, deadlines.add(dropped, 0.03))
    await asyncio.sleep(0.12)
    assert len(kept.fired_at) == 1 and dropped.fired_at == []


async def test_a_deadline_in_the_past_fires_at_once() -> None:
    deadlines = Deadlines(resolution=0.02)
    sleeper = Sleeper()
    deadlines.add(sleeper, -5.0)
    await asyncio.sleep(0.06)
    assert len(sleeper.fired_at) == 1
