"""Thousands of clients leaving at once: every release still reaches Redis."""

from __future__ import annotations

import asyncio
import secrets

import pytest

from blog_api.core.redis import POOL_MAX_CONNECTIONS, redis_client
from blog_api.realtime.slots import RedisSlotStore

pytestmark = pytest.mark.redis


async def test_a_burst_of_releases_larger_than_the_pool_releases_every_slot(
    redis_url: str,
) -> None:
    client = redis_client(redis_url)
    prefix = f"test-pool-{secrets.token_hex(4)}"
    store = RedisSlotStore(client, cap=100_000, prefix=prefix)
    users = range(1, 6)
    try:
        slots = [
            (user, slot)
            for user in users
            for slot in await asyncio.gather(*(store.claim(user) for _ in range(120)))
        ]
        assert all(slot is not None for _, slot in slots)
        assert len(slots) > 5 * POOL_MAX_CONNECTIONS

        # Every client of a worker goes at once (a deploy, a network blip): more concurrent
        # commands than the pool has connections. A pool that refused them ("Too many
        # connections") left the slots taken until they expired.
        await asyncio.gather(*(store.release(user, slot) for user, slot in slots if slot))

        left = [await client.zcard(store._key(user)) for user in users]
        assert left == [0] * len(users)
    finally:
        await client.delete(*(store._key(user) for user in users))
        await client.aclose()
