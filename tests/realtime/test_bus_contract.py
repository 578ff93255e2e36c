"""One contract, two buses: the in-process `MemoryBus` and `RedisBus` on a real Redis, and on a
private three-node Redis Cluster (`REDIS_CLUSTER=true`; in the SQLite pass only, since that
cluster is the suite's own: tests/redis_cluster.py).

Each Redis test uses its own key prefix, so it neither sees nor disturbs other tests' streams.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from datetime import datetime, timezone

import pytest

from blog_api.core.redis import redis_client
from blog_api.realtime.bus import ZERO_ID, EventBus, HistoryGone, StreamReset, parse_id
from blog_api.realtime.events import Audience, Event, Subject
from blog_api.realtime.hub import Closed, Hub, Ready, Reset
from blog_api.realtime.memory_bus import MemoryBus
from blog_api.realtime.redis_bus import RedisBus
from tests.harness import once_per_suite
from tests.redis_cluster import redis_cluster  # noqa: F401  (a fixture)

MAXLEN = 100


def make_event(n: int, *, user_id: int = 1) -> Event:
    return Event(
        id="",
        type="blog.submitted",
        occurred_at=datetime.now(timezone.utc),
        actor_id=user_id,
        subject=Subject(kind="blog", id=n),
        audience=Audience(roles=["admin"], user_ids=[user_id]),
        data={"n": n},
    )


@pytest.fixture(params=["memory", "redis", "redis-cluster"])
async def bus(request: pytest.FixtureRequest) -> AsyncIterator[EventBus]:
    if request.param == "memory":
        instance: EventBus = MemoryBus(maxlen=MAXLEN)
        await instance.start()
        yield instance
        await instance.stop()
        return
    cluster = request.param == "redis-cluster"
    if cluster:
        once_per_suite()
        url = request.getfixturevalue("redis_cluster").url
    else:
        url = request.getfixturevalue("redis_url")
    prefix = f"test_rt_{secrets.token_hex(4)}"
    instance = RedisBus(url, maxlen=MAXLEN, prefix=prefix, block_ms=1000, cluster=cluster)
    await instance.start()
    yield instance
    await instance.stop()
    client = redis_client(url, cluster=cluster)
    # On a cluster all of them share the prefix's hash tag, so one DEL may take them all.
    keys = [k async for k in client.scan_iter(match=f"{instance.stream_key.rsplit(':', 1)[0]}:*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@pytest.fixture
async def hub(bus: EventBus) -> AsyncIterator[Hub]:
    instance = Hub(bus, queue_size=100)
    await instance.start()
    await asyncio.wait_for(instance.ready.wait(), 5)
    yield instance
    await instance.stop()


async def publish(bus: EventBus, *numbers: int) -> list[str]:
    return [await bus.publish(make_event(n)) for n in numbers]


async def caught_up(hub: Hub, last_id: str) -> None:
    """Wait until the hub's reader has dispatched `last_id` (so it is not behind the test)."""
    for _ in range(500):
        if hub.position is not None and parse_id(hub.position) >= parse_id(last_id):
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"hub reader stuck at {hub.position}")


async def test_publish_assigns_increasing_ids_and_history_keeps_them(bus: EventBus) -> None:
    ids = await publish(bus, 1, 2, 3)
    assert [parse_id(i) for i in ids] == sorted(parse_id(i) for i in ids)
    history = await bus.read_since(ZERO_ID)
    assert [e.id for e in history] == ids
    assert [e.data["n"] for e in history] == [1, 2, 3]
    assert history[0].audience == Audience(roles=["admin"], user_ids=[1])
    assert await bus.last_id() == ids[-1]


async def test_read_since_returns_only_later_events(bus: EventBus) -> None:
    ids = await publish(bus, 1, 2, 3, 4)
    assert [e.data["n"] for e in await bus.read_since(ids[1])] == [3, 4]
    assert await bus.read_since(ids[-1]) == []


async def test_same_dedupe_key_is_appended_once(bus: EventBus) -> None:
    first = await bus.publish(make_event(1), dedupe_key="outbox-1")
    again = await bus.publish(make_event(1), dedupe_key="outbox-1")
    assert again == first
    assert len(await bus.read_since(ZERO_ID)) == 1


async def test_trimmed_history_is_reported_gone(bus: EventBus) -> None:
    ids = await publish(bus, *range(MAXLEN * 3))
    with pytest.raises(HistoryGone) as gone:
        await bus.read_since(ids[0])
    assert gone.value.tip == ids[-1]
    # What was trimmed is reloaded by the client: it goes on from the tip.
    assert gone.value.resume_from == ids[-1]
    # Recent history is still there.
    assert [e.id for e in await bus.read_since(ids[-3])] == ids[-2:]


async def test_trim_before_keeps_the_retention_exactly(bus: EventBus) -> None:
    old = await publish(bus, 1, 2)
    await asyncio.sleep(0.01)
    kept = await publish(bus, 3, 4)
    assert await bus.trim_before(kept[0]) == 2
    # Inside the retention: everything after the client's id.
    assert [e.id for e in await bus.read_since(kept[0])] == kept[1:]
    # Before it: reset, from the tip.
    with pytest.raises(HistoryGone):
        await bus.read_since(ZERO_ID)
    with pytest.raises(HistoryGone):
        await bus.read_since(old[0])
    assert await bus.trim_before(kept[0]) == 0


async def test_id_newer_than_the_stream_is_reported_gone(bus: EventBus) -> None:
    await publish(bus, 1)
    with pytest.raises(HistoryGone):
        await bus.read_since("99999999999999-0")


async def wiped(bus: EventBus) -> EventBus:
    """The same bus after losing every event: Redis restarted empty, or (embedded) the process."""
    if isinstance(bus, MemoryBus):
        fresh = MemoryBus(maxlen=bus.maxlen)
        await fresh.start()
        return fresh
    assert isinstance(bus, RedisBus)
    keys = [k async for k in bus.client.scan_iter(match=bus.stream_key.rsplit(":", 1)[0] + ":*")]
    await bus.client.delete(*keys)
    return bus


async def test_id_from_before_the_stream_was_wiped_is_reported_gone(bus: EventBus) -> None:
    # The new stream's ids are all larger than `seen`, but the event after it is lost: a client
    # resuming from `seen` must be told to reload, not be served the new stream as if complete.
    seen, _missed = await publish(bus, 1, 2)
    fresh = await wiped(bus)
    await asyncio.sleep(0.005)  # a real restart takes longer than a millisecond
    await publish(fresh, 3)
    with pytest.raises(HistoryGone) as gone:
        await fresh.read_since(seen)
    # Everything of the new life is still there: the reset resumes from its start.
    assert gone.value.resume_from == ZERO_ID
    # The start of a stream that never trimmed anything still replays it all.
    assert [e.data["n"] for e in await fresh.read_since(ZERO_ID)] == [3]


async def test_a_restart_met_by_the_replay_and_then_by_the_reader_resets_once(
    bus: EventBus,
) -> None:
    """A client resumes while Redis is down; Redis comes back empty. The resume's replay may
    meet the new stream before the hub's reader does: then the reader's own reset, and the new
    stream's events it reads from the start, must not repeat what the replay delivered."""
    seen, _missed = await publish(bus, 1, 2)
    fresh = await wiped(bus)
    await asyncio.sleep(0.005)
    await publish(fresh, 3, 4)
    hub = Hub(fresh, queue_size=100)  # its reader is driven by hand below
    async with hub.subscribe(accept=lambda e: True, last_event_id=seen) as sub:
        # The reader reconnects, sees the restart and reads the new stream from its start.
        hub.dispatch(StreamReset(ZERO_ID, "stream_restarted"))
        for event in await fresh.read_since(ZERO_ID):
            hub.dispatch(event)
        got = []
        while (msg := await sub.next(timeout=0.2)) is not None:
            got.append(msg)
    assert got[0] == Reset(ZERO_ID, "history_gone")
    assert [m.data["n"] for m in got[1:]] == [3, 4]  # type: ignore[union-attr]
    if fresh is not bus:
        await fresh.stop()


async def test_subscriber_receives_live_events_it_accepts(bus: EventBus, hub: Hub) -> None:
    async with hub.subscribe(accept=lambda e: e.data["n"] % 2 == 0) as sub:
        assert isinstance(await sub.next(timeout=1), Ready)
        await publish(bus, 1, 2, 3, 4)
        got = [await sub.next(timeout=5) for _ in range(2)]
        assert [e.data["n"] for e in got] == [2, 4]  # type: ignore[union-attr]
        assert await sub.next(timeout=0.2) is None


async def test_subscriber_resumes_after_an_id_then_goes_live_without_duplicates(
    bus: EventBus, hub: Hub
) -> None:
    ids = await publish(bus, 1, 2, 3)
    async with hub.subscribe(accept=lambda e: True, last_event_id=ids[0]) as sub:
        assert await sub.next(timeout=1) == Ready(ids[0])
        await publish(bus, 4)
        numbers = []
        while (msg := await sub.next(timeout=0.5)) is not None:
            numbers.append(msg.data["n"])  # type: ignore[union-attr]
        assert numbers == [2, 3, 4]


async def test_subscriber_resuming_from_trimmed_id_gets_reset(bus: EventBus, hub: Hub) -> None:
    ids = await publish(bus, *range(MAXLEN * 3))
    await caught_up(hub, ids[-1])
    async with hub.subscribe(accept=lambda e: True, last_event_id=ids[0]) as sub:
        msg = await sub.next(timeout=1)
        assert msg == Reset(ids[-1], "history_gone")
        live = await publish(bus, 999)
        event = await sub.next(timeout=5)
        assert event is not None and event.id == live[0]  # type: ignore[union-attr]


async def test_slow_subscriber_is_evicted_and_others_get_everything(
    bus: EventBus, hub: Hub
) -> None:
    async with (
        hub.subscribe(accept=lambda e: True, queue_size=2) as slow,
        hub.subscribe(accept=lambda e: True) as fast,
    ):
        await slow.next(timeout=1)
        await fast.next(timeout=1)
        await publish(bus, *range(5))
        got = [await fast.next(timeout=5) for _ in range(5)]
        assert [e.data["n"] for e in got] == list(range(5))  # type: ignore[union-attr]
        assert await slow.next(timeout=5) == Closed("slow_consumer")
        assert hub.subscriber_count == 1
        # It resumes where it stopped reading: nothing delivered was lost.
        assert slow.last_event_id is not None


async def test_closed_hub_ends_subscriptions(bus: EventBus, hub: Hub) -> None:
    async with hub.subscribe(accept=lambda e: True) as sub:
        await sub.next(timeout=1)
        hub.close_all("shutdown")
        assert await sub.next(timeout=1) == Closed("shutdown")
    async with hub.subscribe(accept=lambda e: True) as late:
        assert isinstance(await late.next(timeout=1), Ready)
        assert await late.next(timeout=1) == Closed("shutdown")
