"""Two real workers on one PostgreSQL: a scheduled post goes public on time, exactly once, and
still does when the worker that scheduled it has died.

Both workers wait for the same due time and both try to publish; `FOR UPDATE SKIP LOCKED` and
the conditional UPDATE let exactly one of them do it (one `blog.published` row per post).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta, timezone

import asyncpg
import httpx
import pytest

from tests.harness import (
    Cluster,
    Worker,
    admin_on,
    fresh_database,
    once_per_suite,
    two_workers,
    user_on,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _once_per_suite() -> None:
    once_per_suite()


@pytest.fixture(scope="module")
async def sched_database(postgres_url: str) -> str:
    """A PostgreSQL database of its own, migrated by `blog-api migrate`."""
    return await fresh_database(postgres_url, "sched")


@pytest.fixture(scope="module")
def cluster(sched_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with two_workers(sched_database, tmp_path_factory.mktemp("sched")) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10.0) as client:
        yield client


async def _people(cluster: Cluster, http: httpx.AsyncClient) -> tuple[dict, dict]:
    return (
        await admin_on(http, cluster, "sched"),
        await user_on(http, cluster.a.url, "author"),
    )


async def _schedule_posts(
    http: httpx.AsyncClient, on: Worker, admin: dict, author: dict, count: int, at: datetime
) -> list[int]:
    ids = []
    for n in range(count):
        resp = await http.post(
            on.url + "/api/blogs", json={"title": f"Monday {n}", "content": "x"}, headers=author
        )
        assert resp.status_code == 201, resp.text
        blog_id = resp.json()["id"]
        resp = await http.post(
            on.url + f"/api/blogs/{blog_id}/approve",
            json={"publish_at": at.isoformat()},
            headers=admin,
        )
        assert resp.status_code == 200, resp.text
        assert resp.json()["status"] == "scheduled"
        ids.append(blog_id)
    return ids


async def _wait_listed(http: httpx.AsyncClient, on: Worker, ids: list[int], timeout: float) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        listed = (await http.get(on.url + "/api/blogs?limit=100")).json()["items"]
        if set(ids) <= {p["id"] for p in listed}:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{ids} not public on {on.name} after {timeout}s")


async def _check_published_once(database_url: str, ids: list[int]) -> None:
    conn = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    try:
        rows = await conn.fetch(
            "SELECT subject_id, count(*) AS n, bool_and(published_at IS NOT NULL) AS streamed"
            " FROM outbox_events WHERE type = 'blog.published' AND subject_id = ANY($1::int[])"
            " GROUP BY subject_id",
            ids,
        )
        assert {r["subject_id"]: r["n"] for r in rows} == dict.fromkeys(ids, 1)
        assert all(r["streamed"] for r in rows)  # the relay put each on the event stream
        lateness = await conn.fetch(
            "SELECT published_at - publish_at AS late FROM blogs WHERE id = ANY($1::int[])", ids
        )
        for row in lateness:
            assert timedelta(0) <= row["late"] < timedelta(seconds=1), row["late"]
    finally:
        await conn.close()


async def test_scheduled_posts_publish_once_on_time_then_on_the_survivor(
    cluster: Cluster, sched_database: str, http: httpx.AsyncClient
) -> None:
    admin, author = await _people(cluster, http)

    # Both workers are alive and both wait for the same time: each post is published once.
    # Leads leave a loaded CI machine time to create and approve every post before the time.
    at = datetime.now(timezone.utc) + timedelta(seconds=4)
    ids = await _schedule_posts(http, cluster.a, admin, author, 5, at)
    assert (await http.get(cluster.b.url + f"/api/blogs/{ids[0]}")).status_code == 404
    await _wait_listed(http, cluster.b, ids, timeout=8.0)
    await _check_published_once(sched_database, ids)

    # Scheduled on A, which then dies: B, told by the event stream, publishes on time.
    at = datetime.now(timezone.utc) + timedelta(seconds=3)
    later = await _schedule_posts(http, cluster.a, admin, author, 2, at)
    await asyncio.sleep(0.3)  # the approval's event reaches B
    cluster.a.kill()
    await _wait_listed(http, cluster.b, later, timeout=8.0)
    await _check_published_once(sched_database, later)
