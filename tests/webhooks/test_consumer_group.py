"""The Redis intake: an entry a dead consumer read and never acknowledged is taken over; the
watermark never passes an entry whose deliveries are not written yet."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import redis.asyncio as aioredis
from fastapi import FastAPI
from httpx import AsyncClient

from blog_api.realtime.models import OutboxEvent
from blog_api.realtime.redis_bus import RedisBus
from blog_api.webhooks.dispatcher import GROUP, RedisIntake
from blog_api.webhooks.service import event_key
from tests.conftest import TEST_REDIS_URL, Actor
from tests.webhooks.conftest import Register
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.skipif(
    not TEST_REDIS_URL, reason="the consumer group is Redis's; runs in the PostgreSQL+Redis pass"
)


async def test_entries_of_a_dead_consumer_are_claimed_and_delivered(
    app: FastAPI, client: AsyncClient, user: Actor, register: Register, receiver: Receiver
) -> None:
    await register(["blog.submitted"])
    intake, _sender = app.state.webhooks
    await intake.stop()  # our consumer is away while the ghost reads
    resp = await client.post(
        "/api/blogs", json={"title": "x", "content": "y"}, headers=user.headers
    )
    assert resp.status_code == 201
    for _ in range(100):
        if await OutboxEvent.filter(type="blog.submitted", published_at__isnull=False).exists():
            break
        await asyncio.sleep(0.05)
    ghost = aioredis.Redis.from_url(TEST_REDIS_URL, decode_responses=True)
    try:
        read = await ghost.xreadgroup(GROUP, "ghost", {intake.bus.stream_key: ">"}, count=10)
        assert [len(entries) for _key, entries in read] == [1]  # then the ghost "dies"
        await intake.start()
        (request,) = await asyncio.to_thread(receiver.wait_for, 1)
        assert request.headers["webhook-id"] == f"msg_{read[0][1][0][0]}"
        for _ in range(100):
            pending = await ghost.xpending(intake.bus.stream_key, GROUP)
            if pending["pending"] == 0:
                break
            await asyncio.sleep(0.05)
        assert pending["pending"] == 0
    finally:
        await ghost.aclose()


class _Interleaved:
    """A pipeline whose commands run one at a time, with another client's work after the
    first: what Redis may do to a pipeline that is not a transaction."""

    def __init__(self, client: Any, between: Callable[[], Awaitable[Any]]) -> None:
        self.client, self.between = client, between
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    async def __aenter__(self) -> _Interleaved:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    def __getattr__(self, name: str) -> Callable[..., None]:
        def queue(*args: Any, **kwargs: Any) -> None:
            self.calls.append((name, args, kwargs))

        return queue

    async def execute(self) -> list[Any]:
        results = []
        for n, (name, args, kwargs) in enumerate(self.calls):
            if n == 1:
                await self.between()
            results.append(await getattr(self.client, name)(*args, **kwargs))
        return results


async def test_watermark_stays_before_an_entry_read_while_it_is_computed() -> None:
    bus = RedisBus(TEST_REDIS_URL, maxlen=1000, prefix=f"test-watermark-{secrets.token_hex(4)}")
    client, key = bus.client, bus.stream_key
    try:
        await client.xgroup_create(key, GROUP, id="$", mkstream=True)
        done = await client.xadd(key, {"e": "{}"})
        await client.xreadgroup(GROUP, "a", {key: ">"})
        await client.xack(key, GROUP, done)  # its deliveries are written
        await client.xadd(key, {"e": "{}"})

        async def another_consumer_reads() -> None:
            # Read, not yet acknowledged: its deliveries are still being written.
            await client.xreadgroup(GROUP, "b", {key: ">"})

        real_pipeline = client.pipeline
        client.pipeline = lambda **_: _Interleaved(client, another_consumer_reads)
        try:
            mark = await RedisIntake(bus, asyncio.Event(), claim_idle_seconds=60).watermark()
        finally:
            client.pipeline = real_pipeline
        assert mark == event_key(done)
    finally:
        await client.delete(key)
        await bus.stop()
