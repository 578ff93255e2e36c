"""Event store housekeeping: the stream, the outbox and the notifications share one retention.

A client resuming inside the retention gets every later event; one resuming before it gets
`reset`, and the notification list it then reloads holds exactly the retained period.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from blog_api.realtime.bus import ZERO_ID, HistoryGone
from blog_api.realtime.housekeeping import Housekeeping
from blog_api.realtime.models import Notification, OutboxEvent
from tests.conftest import Actor

RETENTION = 2


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # Rounds are run by the test (the interval never comes).
    return {"event_retention_seconds": RETENTION, "housekeeping_interval_seconds": 3600}


async def _submit(client: AsyncClient, author: Actor, title: str) -> str:
    """Submit a post; the stream id of its event once the relay published it."""
    resp = await client.post(
        "/api/blogs", json={"title": title, "content": "x"}, headers=author.headers
    )
    assert resp.status_code == 201
    for _ in range(100):
        row = await OutboxEvent.get(type="blog.submitted", subject_id=resp.json()["id"])
        if row.stream_id:
            return row.stream_id
        await asyncio.sleep(0.02)
    raise AssertionError("not published")


async def test_pruning_drops_the_same_period_everywhere(
    app: FastAPI, client: AsyncClient, user: Actor, approver: Actor
) -> None:
    old = await _submit(client, user, "Old")
    await asyncio.sleep(RETENTION + 0.5)
    kept = [await _submit(client, user, f"New {n}") for n in range(2)]
    rt = app.state.realtime
    pruned = await rt.housekeeping.run_once()
    assert pruned is not None
    assert pruned.stream_entries == 1 and pruned.outbox_rows == 1
    assert pruned.notifications == 1  # the approver's, for the old post

    # Resuming inside the retention: every later event.
    assert [e.id for e in await rt.bus.read_since(kept[0])] == kept[1:]
    # Resuming before it: reset (the SSE stream sends `reset`), then a reload...
    just_before_old = f"{int(old.split('-')[0]) - 1}-0"
    for last_seen in (ZERO_ID, just_before_old):
        with pytest.raises(HistoryGone):
            await rt.bus.read_since(last_seen)
    # ...whose notification list holds the same period as the stream.
    listed = (await client.get("/api/notifications", headers=approver.headers)).json()["items"]
    assert sorted(n["event_id"] for n in listed) == sorted(kept)
    assert not await OutboxEvent.filter(stream_id=old).exists()


async def test_unpublished_outbox_rows_are_never_pruned(app: FastAPI) -> None:
    # A row the relay has not published yet (Redis was down, say): it must survive.
    await app.state.realtime.relay.stop()  # nothing publishes it behind the test's back
    stale = datetime.now(timezone.utc) - timedelta(days=365)
    row = await OutboxEvent.create(
        type="blog.submitted",
        occurred_at=stale,
        subject_kind="blog",
        subject_id=1,
        audience={},
        data={},
    )
    await app.state.realtime.housekeeping.run_once()
    assert await OutboxEvent.filter(id=row.id).exists()


async def test_one_worker_prunes_per_interval(app: FastAPI) -> None:
    rt = app.state.realtime
    other = Housekeeping(rt.bus, retention_seconds=RETENTION, interval=3600)
    first = await rt.housekeeping.run_once()
    second = await other.run_once()
    if rt.bus.__class__.__name__ == "RedisBus":
        # The lock is taken for the interval: the other worker skips this round.
        assert first is not None and second is None
    else:
        assert first is not None  # embedded mode has a single worker


async def test_notifications_older_than_the_retention_go(
    app: FastAPI, client: AsyncClient, user: Actor, approver: Actor
) -> None:
    await _submit(client, user, "Post")

    await Notification.all().update(created_at=datetime.now(timezone.utc) - timedelta(days=2))
    await app.state.realtime.housekeeping.run_once()
    assert await Notification.all().count() == 0
