"""The outbox relay against a real Redis that outlives the database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from asgi_lifespan import LifespanManager
from tortoise import connections
from tortoise.transactions import in_transaction

from blog_api.core.config import Settings
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


async def _record(title: str) -> OutboxEvent:
    async with in_transaction() as conn:
        return await record_event(
            "blog.approved",
            subject_kind="blog",
            subject_id=1,
            audience=Audience(roles=["admin"]),
            data={"title": title},
            using_db=conn,
        )


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
