"""The Redis intake: an entry a dead consumer read and never acknowledged is taken over."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis
from fastapi import FastAPI
from httpx import AsyncClient

from blog_api.realtime.models import OutboxEvent
from blog_api.webhooks.dispatcher import GROUP
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
