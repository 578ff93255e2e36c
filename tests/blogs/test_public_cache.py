"""The per-worker cache of public answers: what it serves, what it never stores, what it drops.

One app here (the worker that made the change drops entries at commit); the two-worker tests in
test_public_cache_workers.py prove the same through the event stream.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient, Response

from blog_api.core.response_cache import Entry, ResponseCache
from blog_api.realtime.bus import parse_id
from blog_api.realtime.models import OutboxEvent
from tests.blogs.conftest import CreatePost
from tests.conftest import Actor


def _cache(app: FastAPI) -> ResponseCache:
    cache: ResponseCache = app.state.response_cache
    return cache


def _cached_targets(app: FastAPI) -> set[str]:
    return {key.decode() for key in _cache(app).targets()}


async def settle(app: FastAPI) -> None:
    """Wait until every committed event went through the stream back to this app's reader.

    Each event drops entries twice (at commit, and when the stream delivers it); a test that
    counts hits must not have an earlier event still in flight.
    """
    hub = app.state.realtime.hub
    for _ in range(500):
        if not await OutboxEvent.filter(published_at__isnull=True).exists():
            tip = await hub.bus.last_id()
            if tip is None or (hub.position and parse_id(hub.position) >= parse_id(tip)):
                return
        await asyncio.sleep(0.01)
    raise AssertionError("events still in flight")


async def _twice(client: AsyncClient, app: FastAPI, url: str, **kwargs: Any) -> Response:
    """GET `url` twice; the second answer must come from the cache, byte for byte the same."""
    await settle(app)
    first = await client.get(url, **kwargs)
    hits = _cache(app).hits
    second = await client.get(url, **kwargs)
    assert _cache(app).hits == hits + 1, url
    assert second.status_code == first.status_code == 200
    assert second.content == first.content
    assert second.headers["etag"] == first.headers["etag"]
    assert second.headers["x-cache"] == "hit"
    return second


async def test_public_list_detail_and_tags_are_served_from_memory(
    client: AsyncClient, app: FastAPI, create_post: CreatePost, user: Actor, approver: Actor
) -> None:
    post = await create_post(user, status="approved", reviewer=approver, tags=["news"])
    for url in (
        "/api/blogs",
        f"/api/blogs/{post['id']}",
        f"/api/blogs/by-slug/{post['slug']}",
        "/api/blogs?tag=news",
        "/api/tags",
    ):
        resp = await _twice(client, app, url)
        assert resp.headers["cache-control"] == "public, no-cache"
        assert resp.headers["content-type"] == "application/json"
        assert int(resp.headers["content-length"]) == len(resp.content)


async def test_if_none_match_is_304_from_the_cache(
    client: AsyncClient, app: FastAPI, create_post: CreatePost, user: Actor, approver: Actor
) -> None:
    await create_post(user, status="approved", reviewer=approver)
    first = await client.get("/api/blogs")
    again = await client.get("/api/blogs", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    other = await client.get("/api/blogs", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200
    assert other.content == first.content


async def test_a_stored_answer_is_the_same_for_every_caller(
    client: AsyncClient, app: FastAPI, create_post: CreatePost, user: Actor, approver: Actor
) -> None:
    post = await create_post(user, status="approved", reviewer=approver)
    anonymous = await client.get(f"/api/blogs/{post['id']}")
    as_author = await client.get(f"/api/blogs/{post['id']}", headers=user.headers)
    stale = await client.get(
        f"/api/blogs/{post['id']}", headers={"Authorization": "Bearer not.a.jwt"}
    )
    assert anonymous.content == as_author.content == stale.content


async def test_private_views_never_enter_the_cache(
    client: AsyncClient,
    app: FastAPI,
    create_post: CreatePost,
    user: Actor,
    other_user: Actor,
    approver: Actor,
) -> None:
    pending = await create_post(user)
    own = await client.get(f"/api/blogs/{pending['id']}", headers=user.headers)
    assert own.status_code == 200
    mine = await client.get("/api/blogs?mine=true", headers=user.headers)
    assert [p["id"] for p in mine.json()["items"]] == [pending["id"]]
    queue = await client.get("/api/blogs?status=pending", headers=approver.headers)
    assert queue.status_code == 200
    assert _cached_targets(app) == set()
    # The same URLs for other callers get their own answers.
    assert (await client.get(f"/api/blogs/{pending['id']}")).status_code == 404
    other_mine = await client.get("/api/blogs?mine=true", headers=other_user.headers)
    assert other_mine.json()["items"] == []
    assert (await client.get("/api/blogs?status=pending")).status_code == 401
    assert _cached_targets(app) == set()


async def test_errors_are_not_stored(client: AsyncClient, app: FastAPI) -> None:
    assert (await client.get("/api/blogs/999")).status_code == 404
    assert (await client.get("/api/blogs?cursor=forged")).status_code == 422
    assert _cached_targets(app) == set()


async def test_an_approval_shows_on_the_next_read(
    client: AsyncClient, app: FastAPI, create_post: CreatePost, user: Actor, approver: Actor
) -> None:
    await _twice(client, app, "/api/blogs")
    await _twice(client, app, "/api/tags")
    post = await create_post(user, status="approved", reviewer=approver, tags=["fresh"])
    listed = await client.get("/api/blogs")
    assert [p["id"] for p in listed.json()["items"]] == [post["id"]]
    tags = await client.get("/api/tags")
    assert tags.json()["items"] == [{"name": "fresh", "count": 1}]


async def test_an_approved_revision_shows_new_text_and_tags_on_the_next_read(
    client: AsyncClient, app: FastAPI, create_post: CreatePost, user: Actor, approver: Actor
) -> None:
    post = await create_post(user, status="approved", reviewer=approver, tags=["old"])
    for url in (f"/api/blogs/{post['id']}", "/api/blogs?tag=old", "/api/blogs?tag=new"):
        await _twice(client, app, url)
    revision = await client.post(
        f"/api/blogs/{post['id']}/revisions",
        json={"title": "Second title", "content": "New text", "tags": ["new"]},
        headers=user.headers,
    )
    assert revision.status_code == 201, revision.text
    approved = await client.post(
        f"/api/blogs/{post['id']}/revisions/{revision.json()['id']}/approve",
        headers=approver.headers,
    )
    assert approved.status_code == 200, approved.text
    detail = (await client.get(f"/api/blogs/{post['id']}")).json()
    assert (detail["title"], detail["tags"]) == ("Second title", ["new"])
    assert (await client.get("/api/blogs?tag=old")).json()["items"] == []
    assert [p["id"] for p in (await client.get("/api/blogs?tag=new")).json()["items"]] == [
        post["id"]
    ]


async def test_a_rejected_revision_leaves_the_live_post_and_its_entries_correct(
    client: AsyncClient, app: FastAPI, create_post: CreatePost, user: Actor, approver: Actor
) -> None:
    post = await create_post(user, status="approved", reviewer=approver)
    before = await _twice(client, app, f"/api/blogs/{post['id']}")
    revision = await client.post(
        f"/api/blogs/{post['id']}/revisions",
        json={"title": "Not this", "content": "No"},
        headers=user.headers,
    )
    rejected = await client.post(
        f"/api/blogs/{post['id']}/revisions/{revision.json()['id']}/reject",
        json={"reason": "no"},
        headers=approver.headers,
    )
    assert rejected.status_code == 200, rejected.text
    after = await client.get(f"/api/blogs/{post['id']}")
    assert after.json()["title"] == before.json()["title"]
    fresh = await client.get(f"/api/blogs/{post['id']}?fresh=1")  # another key: rendered now
    assert after.content == fresh.content


async def test_a_deletion_shows_on_the_next_read(
    client: AsyncClient, app: FastAPI, create_post: CreatePost, user: Actor, approver: Actor
) -> None:
    post = await create_post(user, status="approved", reviewer=approver, tags=["gone"])
    for url in ("/api/blogs", f"/api/blogs/{post['id']}", "/api/tags"):
        await _twice(client, app, url)
    assert (await client.delete(f"/api/blogs/{post['id']}", headers=user.headers)).status_code in (
        200,
        204,
    )
    assert (await client.get(f"/api/blogs/{post['id']}")).status_code == 404
    assert (await client.get("/api/blogs")).json()["items"] == []
    assert (await client.get("/api/tags")).json()["items"] == []


async def test_an_approval_drops_only_the_pages_it_changes(
    client: AsyncClient, app: FastAPI, create_post: CreatePost, user: Actor, approver: Actor
) -> None:
    for _ in range(5):
        await create_post(user, status="approved", reviewer=approver, tags=["a"])
    first = (await client.get("/api/blogs?limit=2")).json()
    second_url = f"/api/blogs?limit=2&cursor={first['next_cursor']}"
    await _twice(client, app, second_url)
    await _twice(client, app, "/api/blogs?limit=2&tag=b")
    await create_post(user, status="approved", reviewer=approver, tags=["a"])
    # The new post sorts first: page 1 changed; page 2 (older posts) and the tag-b list did not.
    assert "/api/blogs?limit=2" not in _cached_targets(app)
    assert {second_url, "/api/blogs?limit=2&tag=b"} <= _cached_targets(app)
    assert (await client.get(second_url)).headers["x-cache"] == "hit"


async def test_a_render_that_overlaps_an_invalidation_is_not_stored() -> None:
    cache = ResponseCache(max_entries=10, max_age=60)
    entry = Entry(b"{}", [], b'"x"', frozenset({"blog:1"}), None, 0.0)
    started_at = cache.generation
    cache.drop_labelled("blog:1")  # an event arrives while the answer is being rendered
    assert cache.put(b"/api/blogs?", entry, generation=started_at) is False
    assert len(cache) == 0


@pytest.mark.parametrize("settings_overrides", [{"public_cache_entries": 0}])
async def test_the_cache_can_be_turned_off(
    client: AsyncClient, app: FastAPI, settings_overrides: dict[str, Any]
) -> None:
    assert not hasattr(app.state, "response_cache")
    resp = await client.get("/api/blogs")
    assert resp.status_code == 200
    assert "cache-control" not in resp.headers


async def test_a_request_the_route_refuses_is_refused_even_when_its_answer_is_stored(
    client: AsyncClient, app: FastAPI, create_post: CreatePost, user: Actor, approver: Actor
) -> None:
    post = await create_post(user, status="approved", reviewer=approver)
    await _twice(client, app, f"/api/blogs/{post['id']}")
    resp = await client.get(f"/api/blogs/{post['id']}", headers={"If-None-Match": "0" * 600})
    assert resp.status_code == 422


@pytest.mark.parametrize(
    "settings_overrides", [{"cors_origins": ["http://a.example", "http://b.example"]}]
)
async def test_cors_headers_are_per_request_not_stored(
    client: AsyncClient, app: FastAPI, settings_overrides: dict[str, Any]
) -> None:
    seen = []
    for origin in ("http://a.example", "http://b.example", "http://a.example"):
        resp = await client.get("/api/tags", headers={"Origin": origin})
        seen.append((resp.headers.get("x-cache"), resp.headers["access-control-allow-origin"]))
        assert resp.headers.get_list("vary") == ["Origin"]
    assert seen == [
        (None, "http://a.example"),
        ("hit", "http://b.example"),
        ("hit", "http://a.example"),
    ]
