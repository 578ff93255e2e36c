"""Two real workers on one PostgreSQL and one Redis: webhooks follow endpoint changes made on
either worker at once.

Each worker keeps a copy of the active endpoints (its intake reads one batch after another with
it) and re-reads it when a change counter in Redis moves. Both workers first handle events with
no endpoint, so both hold an empty copy; the copy would only expire by age after 10 s, far
beyond these tests' waits.
"""

from __future__ import annotations

import asyncio
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
