"""The outbox relay against a real Redis that outlives the database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from asgi_lifespan import LifespanManager
from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from blog_api.core.config import Settings
from blog_api.core.db import transaction
from blog_api.main import create_app
from blog_api.realtime.events import Audience, record_event
from blog_api.realtime.models import OutboxEvent
from blog_api.realtime.redis_bus import RedisBus
from blog_api.realtime.relay import OutboxRelay
from tests.conftest import IS_POSTGRES

pytestmark = pytest.mark.redis


@pytest.fixture
async def relay(settings: Settings, redis_url: str) -> AsyncIterator[OutboxRelay]:
    """A relay on the real Redis bus (also in the SQLite pass), driven by the test alone.

    The app's own relay is stopped: a round of it still running while the test re-creates the
    outbox would publish a row of the old database.
    """
    app = create_app(
        settings.model_copy(update={"redis_url": redis_url}), generate_schemas=not IS_POSTGRES
    )
    async with LifespanManager(app):
        realtime = app.state.realtime
        assert isinstance(realtime.bus, RedisBus)
        await realtime.relay.stop()
        yield OutboxRelay(realtime.bus)


async def _record_in(conn: BaseDBAsyncClient, title: str) -> OutboxEvent:
    return await record_event(
        "blog.approved",
        subject_kind="blog",
        subject_id=1,
        audience=Audience(roles=["admin"]),
        data={"title": title},
        using_db=conn,
    )


async def _record(title: str) -> OutboxEvent:
    async with transaction() as conn:
        return await _record_in(conn, title)


async def _recreate_outbox() -> None:
    """What re-creating or restoring the database does to the outbox: its ids start over."""
    db = connections.get("default")
    if db.capabilities.dialect == "postgres":
        await db.execute_script("TRUNCATE outbox_events RESTART IDENTITY CASCADE")
    else:
        await db.execute_script(
            "DELETE FROM notifications; DELETE FROM outbox_events;"
            "DELETE FROM sqlite_sequence WHERE name = 'outbox_events';"
        )


async def test_event_reusing_an_outbox_id_after_the_database_is_recreated_is_published(
    relay: OutboxRelay,
) -> None:
    first = await _record("before")
    await relay.publish_pending()
    await first.refresh_from_db()
    assert first.stream_id

    await _recreate_outbox()  # Redis keeps the stream and the publication keys
    second = await _record("after")
    assert second.id == first.id
    await relay.publish_pending()
    await second.refresh_from_db()

    assert second.stream_id not in (None, first.stream_id)
    delivered = await relay.bus.read_since(first.stream_id)
    assert [(e.id, e.data) for e in delivered if e.id == second.stream_id] == [
        (second.stream_id, {"title": "after"})
    ]


async def test_publishing_the_same_row_twice_appends_it_once(relay: OutboxRelay) -> None:
    row = await _record("once")
    await relay.publish_pending()
    await row.refresh_from_db()
    # A relay that crashed between XADD and marking the row publishes it again.
    await OutboxEvent.filter(id=row.id).update(published_at=None, stream_id=None)
    await relay.publish_pending()
    again = await OutboxEvent.get(id=row.id)

    assert again.stream_id == row.stream_id
    assert [e.id for e in await relay.bus.read_since(row.stream_id)] == []


# --- publish on commit ----------------------------------------------------------------------


@pytest.fixture
async def hot_relay(relay: OutboxRelay) -> AsyncIterator[OutboxRelay]:
    """A running relay whose sweep is an hour away: only the after-commit path can publish."""
    await relay.publish_pending()  # what the app wrote before; the new relay's first sweep is idle
    running = OutboxRelay(relay.bus, sweep_seconds=3600)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


async def _published(row_id: int, timeout: float = 2.0) -> OutboxEvent:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        row = await OutboxEvent.get(id=row_id)
        if row.stream_id is not None or asyncio.get_running_loop().time() > deadline:
            return row
        await asyncio.sleep(0.005)


async def test_a_committed_event_is_appended_without_waiting_for_the_sweep(
    hot_relay: OutboxRelay,
) -> None:
    tip = await hot_relay.bus.last_id()
    row = await _record("on commit")

    published = await _published(row.id)

    assert published.stream_id is not None
    assert [e.data for e in await hot_relay.bus.read_since(tip)] == [{"title": "on commit"}]


async def test_an_event_is_not_published_before_its_transaction_commits(
    hot_relay: OutboxRelay,
) -> None:
    tip = await hot_relay.bus.last_id()
    async with transaction() as conn:
        await _record_in(conn, "pending")
        await asyncio.sleep(0.1)  # the relay is idle and free to run meanwhile
        assert await hot_relay.bus.read_since(tip) == []
    await asyncio.sleep(0.2)
    assert [e.data for e in await hot_relay.bus.read_since(tip)] == [{"title": "pending"}]


async def test_a_rolled_back_event_is_never_published(hot_relay: OutboxRelay) -> None:
    tip = await hot_relay.bus.last_id()
    with pytest.raises(RuntimeError):
        async with transaction() as conn:
            await _record_in(conn, "rolled back")
            raise RuntimeError("the service failed after recording")
    await _record("committed after")
    await asyncio.sleep(0.2)

    assert [e.data for e in await hot_relay.bus.read_since(tip)] == [{"title": "committed after"}]


async def test_events_of_one_process_reach_the_stream_in_commit_order(
    hot_relay: OutboxRelay,
) -> None:
    tip = await hot_relay.bus.last_id()
    rows = [await _record(f"n{i}") for i in range(30)]
    await _published(rows[-1].id)

    assert [e.data["title"] for e in await hot_relay.bus.read_since(tip)] == [
        f"n{i}" for i in range(30)
    ]


async def test_the_sweep_publishes_what_no_relay_saw_in_order_and_once(
    relay: OutboxRelay,
) -> None:
    """Rows of a process that died between commit and XADD (here: no relay was running)."""
    tip = await relay.bus.last_id()
    rows = [await _record(f"orphan {i}") for i in range(7)]
    sweeper = OutboxRelay(relay.bus, batch_size=3)

    assert await sweeper.publish_pending() == 7
    assert await sweeper.publish_pending() == 0

    delivered = await relay.bus.read_since(tip)
    assert [e.data["title"] for e in delivered] == [f"orphan {i}" for i in range(7)]
    stored = {r.id: r.stream_id for r in await OutboxEvent.filter(id__in=[r.id for r in rows])}
    assert [stored[r.id] for r in rows] == [e.id for e in delivered]


async def test_the_hot_path_and_a_sweep_racing_append_each_event_once(
    relay: OutboxRelay,
) -> None:
    tip = await relay.bus.last_id()
    rows = [await _record(f"race {i}") for i in range(5)]
    hot = OutboxRelay(relay.bus)
    for row in rows:
        hot.committed(row)

    await asyncio.gather(hot.publish_fresh(), OutboxRelay(relay.bus).publish_pending())

    assert [e.data["title"] for e in await relay.bus.read_since(tip)] == [
        f"race {i}" for i in range(5)
    ]
