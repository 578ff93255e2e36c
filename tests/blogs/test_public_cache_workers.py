"""Two real workers: a change made on A is on B's next read once B has the event.

Worker B's cache is warmed, then every kind of change is made on A; an approver's SSE stream
on B says when B has the event (B's reader drops cache entries before it hands the event to
any stream), and B's very next answers must show the change. SQLite file in the first pass,
PostgreSQL in the second; a private Redis carries the events between the workers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import IS_POSTGRES, TEST_DATABASE_URL
from tests.harness import (
    Cluster,
    Worker,
    admin_on,
    fresh_database,
    migrate,
    two_workers,
    user_on,
)
from tests.realtime.sse_client import SseStream

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
async def cache_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The pass's kind of database, of its own, migrated by `blog-api migrate`."""
    if IS_POSTGRES:
        return await fresh_database(TEST_DATABASE_URL, "cache")
    url = f"sqlite://{tmp_path_factory.mktemp('cache-db') / 'blog.sqlite3'}"
    migrate(url)
    return url


@pytest.fixture(scope="module")
def workers(cache_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with two_workers(cache_database, tmp_path_factory.mktemp("cache-workers")) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(10.0, read=None)) as client:
        yield client


class Check:
    """Reads on B, compared with what B renders afresh for the same content."""

    def __init__(self, http: httpx.AsyncClient, b: Worker) -> None:
        self.http, self.b, self.n = http, b, 0

    async def get(self, path: str) -> httpx.Response:
        """B's answer for `path` (from its cache when it has one)."""
        return await self.http.get(self.b.url + path)

    async def warm(self, *paths: str) -> None:
        """Have B store `paths` (its second answer for each comes from memory)."""
        for path in paths:
            await self.get(path)
            assert (await self.get(path)).headers.get("x-cache") == "hit", path

    async def same_as_fresh(self, path: str) -> Any:
        """B's answer equals, byte for byte, one rendered now (a query no one asked before)."""
        self.n += 1
        answer = await self.get(path)
        fresh = await self.get(path + ("&" if "?" in path else "?") + f"fresh={self.n}")
        assert answer.status_code == fresh.status_code
        assert answer.content == fresh.content, path
        return answer.json() if answer.status_code == 200 else None


async def test_each_change_on_a_is_on_bs_next_read(
    workers: Cluster, http: httpx.AsyncClient
) -> None:
    a, b = workers.a.url, workers.b.url
    admin = await admin_on(http, workers, "boss")
    author = await user_on(http, a, "writer")
    check = Check(http, workers.b)

    async with http.stream("GET", b + "/api/notifications/sse", headers=admin) as response:
        assert response.status_code == 200
        stream = SseStream(response)
        assert (await stream.next_event()).event == "ready"

        async def delivered_on_b(event_type: str) -> None:
            while (await stream.next_event(timeout=10)).data["type"] != event_type:
                pass

        created = await http.post(
            a + "/api/blogs",
            json={"title": "Cached", "content": "One", "tags": ["old"]},
            headers=author,
        )
        assert created.status_code == 201, created.text
        post = created.json()
        detail = f"/api/blogs/{post['id']}"
        await delivered_on_b("blog.submitted")
        await check.warm("/api/blogs", "/api/tags", "/api/blogs?tag=old", "/api/blogs?tag=new")
        assert (await check.get(detail)).status_code == 404

        # An approval.
        approved = await http.post(a + detail + "/approve", headers=admin)
        assert approved.status_code == 200, approved.text
        await delivered_on_b("blog.approved")
        assert [p["id"] for p in (await check.get("/api/blogs")).json()["items"]] == [post["id"]]
        assert (await check.get(detail)).json()["title"] == "Cached"
        assert (await check.get("/api/tags")).json()["items"] == [{"name": "old", "count": 1}]
        await check.warm(detail, f"/api/blogs/by-slug/{post['slug']}", "/api/blogs?tag=old")

        # An edit with a tag change (a revision, approved).
        revision = await http.post(
            a + detail + "/revisions",
            json={"title": "Edited", "content": "Two", "tags": ["new"]},
            headers=author,
        )
        assert revision.status_code == 201, revision.text
        accepted = await http.post(
            a + f"{detail}/revisions/{revision.json()['id']}/approve", headers=admin
        )
        assert accepted.status_code == 200, accepted.text
        await delivered_on_b("blog.revision_approved")
        shown = await check.get(detail)
        assert (shown.json()["title"], shown.json()["tags"]) == ("Edited", ["new"])
        by_slug = await check.get(f"/api/blogs/by-slug/{post['slug']}")
        assert by_slug.json()["title"] == "Edited"
        assert (await check.get("/api/blogs?tag=old")).json()["items"] == []
        assert [p["id"] for p in (await check.get("/api/blogs?tag=new")).json()["items"]] == [
            post["id"]
        ]
        assert (await check.get("/api/blogs")).json()["items"][0]["title"] == "Edited"
        assert (await check.get("/api/tags")).json()["items"] == [{"name": "new", "count": 1}]
        await check.warm(detail, "/api/blogs")

        # A rejected revision: the live post stays as it is.
        revision = await http.post(
            a + detail + "/revisions",
            json={"title": "Refused", "content": "Three"},
            headers=author,
        )
        refused = await http.post(
            a + f"{detail}/revisions/{revision.json()['id']}/reject",
            json={"reason": "no"},
            headers=admin,
        )
        assert refused.status_code == 200, refused.text
        await delivered_on_b("blog.revision_rejected")
        assert (await check.same_as_fresh(detail))["title"] == "Edited"
        await check.same_as_fresh("/api/blogs")
        await check.warm(detail, "/api/blogs", "/api/tags")

        # A deletion.
        deleted = await http.delete(a + detail, headers=author)
        assert deleted.status_code in (200, 204), deleted.text
        await delivered_on_b("blog.deleted")
        assert (await check.get(detail)).status_code == 404
        assert (await check.get("/api/blogs")).json()["items"] == []
        assert (await check.get("/api/tags")).json()["items"] == []
