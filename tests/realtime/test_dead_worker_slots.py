"""A worker that dies cannot release its connection slots: its users must not wait for them.

Each test has two stores on the real Redis, as two workers would: `dead` claims and then
"crashes" (its tasks stop, nothing is released, its owner key expires as it would once the
process is gone), `alive` serves the user's reconnects.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from blog_api.comments.live import RedisLive, Viewer
from blog_api.core.redis import redis_client
from blog_api.realtime.slots import OWNER_TTL_SECONDS, RedisSlotStore
from tests.conftest import make_settings

pytestmark = pytest.mark.redis

CAP = 3


@pytest.fixture
async def prefix() -> str:
    return f"test-dead-{secrets.token_hex(4)}"


@pytest.fixture
async def sse_stores(redis_url: str, prefix: str) -> AsyncIterator[tuple[RedisSlotStore, ...]]:
    clients = [redis_client(redis_url), redis_client(redis_url)]
    stores = tuple(RedisSlotStore(c, cap=CAP, prefix=prefix) for c in clients)
    for store in stores:
        await store.start()
    yield stores
    for store in stores:
        await store.stop()
    keys = [k async for k in clients[0].scan_iter(match=f"{prefix}:*")]
    if keys:
        await clients[0].delete(*keys)
    for c in clients:
        await c.aclose()


def kill(store: RedisSlotStore) -> None:
    """The process is gone: its refresh and heartbeat tasks stop, nothing is released."""
    for periodic in (store._refresher, store.owner._beats):
        assert periodic._task is not None
        periodic._task.cancel()


async def test_a_dead_workers_sse_slots_free_themselves_within_seconds(
    sse_stores: tuple[RedisSlotStore, RedisSlotStore],
) -> None:
    dead, alive = sse_stores
    assert all([await dead.claim(7) for _ in range(CAP)])
    assert await alive.claim(7) is None  # the cap holds while the worker lives

    kill(dead)
    await asyncio.sleep(OWNER_TTL_SECONDS + 0.5)

    # The user's reconnects (SSE retries after 3 s) are admitted, up to the cap again.
    reconnects = [await alive.claim(7) for _ in range(CAP)]
    assert all(reconnects)
    assert await alive.claim(7) is None


async def test_a_slow_but_living_worker_keeps_its_slots(
    sse_stores: tuple[RedisSlotStore, RedisSlotStore],
) -> None:
    busy, other = sse_stores
    assert all([await busy.claim(8) for _ in range(CAP)])
    await asyncio.sleep(OWNER_TTL_SECONDS + 0.5)  # its heartbeat keeps running
    assert await other.claim(8) is None


async def test_a_dead_workers_websockets_leave_the_cap_and_the_presence_count(
    redis_url: str, tmp_path: Path, prefix: str
) -> None:
    settings = make_settings(tmp_path, redis_url=redis_url, ws_max_connections_per_user=2)
    dead, alive = RedisLive(settings, prefix=prefix), RedisLive(settings, prefix=prefix)
    await dead.start()
    await alive.start()
    try:
        viewers = [Viewer(blog_id=1, user_id=5) for _ in range(2)]
        for viewer in viewers:
            assert await dead.claim(viewer)
            await dead.join(viewer)
        assert not await alive.claim(Viewer(blog_id=1, user_id=5))

        dead.owner._beats._task.cancel()  # type: ignore[union-attr]
        dead._heartbeat._task.cancel()  # type: ignore[union-attr]
        for task in dead._tasks:
            task.cancel()
        await asyncio.sleep(OWNER_TTL_SECONDS + 0.5)

        newcomer = Viewer(blog_id=1, user_id=5)
        assert await alive.claim(newcomer)
        await alive.join(newcomer)
        # The recount that follows a join drops the dead worker's two viewers from presence.
        for _ in range(40):
            if newcomer.pending and newcomer.pending[-1].get("count") == 1:
                break
            await asyncio.sleep(0.05)
        assert newcomer.pending[-1] == {"type": "presence", "count": 1}
    finally:
        await alive.stop()
        await dead.stop()
        cleaner = redis_client(redis_url)
        keys = [k async for k in cleaner.scan_iter(match=f"{prefix}:*")]
        if keys:
            await cleaner.delete(*keys)
        await cleaner.aclose()
