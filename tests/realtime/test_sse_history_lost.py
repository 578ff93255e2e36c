"""SSE resume after Redis lost its data: the client is told to reload, never served a gap."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import redis.asyncio as aioredis
from httpx import AsyncClient

from blog_api.realtime.models import OutboxEvent
from tests.conftest import Actor
from tests.realtime.test_sse import submit_blog


@pytest.fixture
def settings_overrides(redis_url: str) -> dict[str, Any]:
    # Real Redis in both passes: what is under test is Redis coming back empty.
    return {"redis_url": redis_url}


async def all_published() -> None:
    for _ in range(500):
        if not await OutboxEvent.filter(published_at=None).exists():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the relay did not publish the outbox")


async def test_resume_from_before_redis_lost_its_data_yields_reset(
    open_sse, client: AsyncClient, approver: Actor, user: Actor, redis_url: str
) -> None:
    first = await open_sse(headers=approver.headers)
    await first.next_event()  # ready
    await submit_blog(client, user, "seen")
    seen = await first.next_event()
    await first.response.aclose()
    await submit_blog(client, user, "missed")
    await all_published()
    # Redis restarts empty (no persistence): the stream and its epoch are gone.
    r = aioredis.Redis.from_url(redis_url)
    try:
        await r.flushdb()
    finally:
        await r.aclose()
    await asyncio.sleep(0.005)
    await submit_blog(client, user, "after the restart")
    await all_published()  # the new stream exists, its ids all newer than `seen.id`
    resumed = await open_sse(headers=approver.headers | {"Last-Event-ID": seen.id})
    msg = await resumed.next_event()
    assert msg.event == "reset"
    assert msg.data["reason"] == "history_gone"
    # What the new stream holds still arrives after the reset: the client reloads what was
    # lost with Redis, and misses nothing published since.
    after = await resumed.next_event()
    assert after.event == "blog.submitted"
    assert after.data["data"]["title"] == "after the restart"
