"""Resuming the SSE stream while Redis is down: it opens, then replays once Redis is back.

The app runs on a private Redis (data kept across its restart, as with AOF in production) that
the tests stop and start; nothing of our Redis code is replaced.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from blog_api.realtime.models import OutboxEvent
from tests.conftest import Actor
from tests.private_redis import PrivateRedis, redis_server  # noqa: F401  (a fixture)
from tests.realtime.sse_client import SseStream


@pytest.fixture
def settings_overrides(redis_server: PrivateRedis) -> dict[str, Any]:  # noqa: F811
    return {"redis_url": redis_server.url, "sse_heartbeat_seconds": 0.5}


async def submit(client: AsyncClient, actor: Actor, title: str) -> None:
    resp = await client.post(
        "/api/blogs", json={"title": title, "content": "c"}, headers=actor.headers
    )
    assert resp.status_code == 201, resp.text


async def all_published(timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while await OutboxEvent.filter(published_at=None).exists():
        assert loop.time() < deadline, "the relay did not publish"
        await asyncio.sleep(0.05)


async def titles_until(sse: SseStream, count: int, timeout: float = 15.0) -> list[str]:
    """Titles of the next `count` events (`ready`, `reset` would fail the test)."""
    titles: list[str] = []
    while len(titles) < count:
        msg = await sse.next_event(timeout)
        assert msg.event == "blog.submitted", (msg.event, msg.data)
        titles.append(msg.data["data"]["title"])
    return titles


async def test_resume_while_redis_is_down_opens_then_replays_once_it_is_back(
    open_sse,
    client: AsyncClient,
    user: Actor,
    redis_server: PrivateRedis,  # noqa: F811
) -> None:
    first = await open_sse(headers=user.headers)
    assert (await first.next_event()).event == "ready"
    await submit(client, user, "one")
    seen = await first.next_event()
    assert seen.data["data"]["title"] == "one"
    await first.response.aclose()
    await submit(client, user, "two")  # missed by the client; in the stream
    await all_published()

    redis_server.stop()
    sse = await open_sse(headers={**user.headers, "Last-Event-ID": seen.id})
    assert sse.response.status_code == 200
    ready = await sse.next_event()
    assert (ready.event, ready.data) == ("ready", {"last_event_id": seen.id})
    heartbeat = await sse.next(timeout=5)  # the stream stays open meanwhile
    assert heartbeat.comments == ["heartbeat"]
    await submit(client, user, "three")  # committed; its event waits for Redis

    redis_server.start()
    await submit(client, user, "four")
    assert await titles_until(sse, 3) == ["two", "three", "four"]
    # Nothing twice: only heartbeats follow.
    extra = [m for m in [await sse.next(timeout=5) for _ in range(3)] if m.data is not None]
    assert extra == []


async def test_a_resume_waiting_for_redis_ends_at_once_on_shutdown(
    open_sse,
    app: FastAPI,
    user: Actor,
    redis_server: PrivateRedis,  # noqa: F811
) -> None:
    redis_server.stop()
    sse = await open_sse(headers={**user.headers, "Last-Event-ID": "1-0"})
    assert (await sse.next_event()).event == "ready"
    app.state.realtime.hub.close_all("shutdown")
    end = await sse.next_event(timeout=2)
    assert (end.event, end.data["reason"]) == ("reconnect", "shutdown")
    assert end.data["last_event_id"] == "1-0"
