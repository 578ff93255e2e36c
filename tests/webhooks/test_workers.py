"""Two real workers on one PostgreSQL and one Redis: webhooks follow endpoint changes made on
either worker at once, and an endpoint gets the events of both in order, none missing, while
its first message waits for a retry.

Each worker keeps a copy of the active endpoints (its intake reads one batch after another with
it) and re-reads it when a change counter in Redis moves. Both workers first handle events with
no endpoint, so both hold an empty copy; the copy would only expire by age after 10 s, far
beyond these tests' waits.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.harness import (
    Cluster,
    admin_on,
    fresh_database,
    once_per_suite,
    two_workers,
    user_on,
)
from tests.webhooks.receiver import Receiver, running_receiver

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _once_per_suite() -> None:
    once_per_suite()


@pytest.fixture(scope="module")
async def hooks_database(postgres_url: str) -> str:
    return await fresh_database(postgres_url, "hooks")


@pytest.fixture(scope="module")
def cluster(hooks_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with two_workers(
        hooks_database,
        tmp_path_factory.mktemp("hooks"),
        WEBHOOK_ALLOW_PRIVATE="true",
        WEBHOOK_POLL_SECONDS="0.2",
        WEBHOOK_RETRY_SCHEDULE="0.5,0.5,0.5",
    ) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10.0) as client:
        yield client


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


async def _submit(http: httpx.AsyncClient, cluster: Cluster, author: dict, count: int) -> None:
    """`count` posts, alternately on A and B."""
    for n in range(count):
        on = cluster.workers[n % 2]
        resp = await http.post(
            on.url + "/api/blogs", json={"title": f"Post {n}", "content": "x"}, headers=author
        )
        assert resp.status_code == 201, resp.text


async def test_endpoint_changes_reach_every_workers_intake_at_once(
    cluster: Cluster, http: httpx.AsyncClient, receiver: Receiver
) -> None:
    admin = await admin_on(http, cluster, "hooks")
    author = await user_on(http, cluster.a.url, "hookauthor")
    await _submit(http, cluster, author, 6)  # both intakes now hold "no endpoint"
    await asyncio.sleep(0.5)

    resp = await http.post(
        cluster.a.url + "/api/webhooks/endpoints",
        json={"url": receiver.url, "event_types": ["blog.submitted"]},
        headers=admin,
    )
    assert resp.status_code == 201, resp.text
    endpoint = resp.json()
    await _submit(http, cluster, author, 8)
    received = await asyncio.to_thread(receiver.wait_for, 8, 5.0)
    assert len({r.headers["webhook-id"] for r in received}) == 8

    # Deleted on B: neither worker sends (nor writes) anything more for it.
    resp = await http.delete(
        cluster.b.url + f"/api/webhooks/endpoints/{endpoint['id']}", headers=admin
    )
    assert resp.status_code == 204
    await _submit(http, cluster, author, 6)
    await asyncio.sleep(1.5)
    assert len(receiver.received) == 8
    for worker in cluster.workers:
        assert "webhook intake" not in worker.log(), worker.log()[-2000:]


async def _stream_order(
    http: httpx.AsyncClient, url: str, admin: dict, titles: list[str]
) -> list[str]:
    """`titles` in the order of their `blog.submitted` events in the stream (the stream ids of
    the admin's notifications): the order an endpoint must receive them in."""
    for _ in range(200):
        resp = await http.get(url + "/api/notifications?limit=100", headers=admin)
        assert resp.status_code == 200, resp.text
        ids = {
            n["data"]["title"]: n["event_id"]
            for n in resp.json()["items"]
            if n["type"] == "blog.submitted" and n["event_id"] is not None
        }
        if all(t in ids for t in titles):
            return sorted(titles, key=lambda t: tuple(int(p) for p in ids[t].split("-")))
        await asyncio.sleep(0.05)
    raise AssertionError("the events were not all published")


async def test_an_endpoint_gets_events_of_both_workers_in_order_across_a_retry(
    cluster: Cluster, http: httpx.AsyncClient, receiver: Receiver
) -> None:
    """The order owed is the event stream's: posts made at the same moment on two workers
    have no other order (and one worker's relay appends after the commit, so even posts made
    one after the other are ordered by the stream, not by their answers)."""
    admin = await admin_on(http, cluster, "orderhooks")
    author = await user_on(http, cluster.b.url, "orderauthor")
    receiver.statuses = [500]  # the first message fails once: the rest must wait behind it
    resp = await http.post(
        cluster.b.url + "/api/webhooks/endpoints",
        json={"url": receiver.url, "event_types": ["blog.submitted"]},
        headers=admin,
    )
    assert resp.status_code == 201, resp.text

    async def post(on: str, title: str) -> None:
        resp = await http.post(
            on + "/api/blogs", json={"title": title, "content": "x"}, headers=author
        )
        assert resp.status_code == 201, resp.text

    # In pairs, one on A and one on B at the same moment: both intakes write deliveries at
    # once (a newer event's may be written first) and both senders compete for the endpoint.
    # Spread over longer than the retry's wait, so messages arrive before, during and after it.
    titles = [f"Ordered {n}" for n in range(40)]
    for n in range(0, len(titles), 2):
        await asyncio.gather(post(cluster.a.url, titles[n]), post(cluster.b.url, titles[n + 1]))
        await asyncio.sleep(0.05)

    expected = await _stream_order(http, cluster.a.url, admin, titles)
    await asyncio.to_thread(receiver.wait_for, len(titles) + 1, 15.0)
    await asyncio.sleep(1.0)  # and nothing more (no duplicate) arrives afterwards
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert len(ids) == len(titles) + 1, ids
    assert ids[0] == ids[1], ids  # the failed first message, then its retry
    got = [json.loads(r.body)["data"]["data"]["title"] for r in receiver.received[1:]]
    assert got == expected, cluster.logs()
