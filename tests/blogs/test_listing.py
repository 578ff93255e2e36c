"""Listing: keyset pagination, filters, search, tags, the review queue and `mine`."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from blog_api.core.pagination import encode_cursor
from tests.blogs.conftest import CreatePost
from tests.conftest import Actor


async def all_pages(client: AsyncClient, params: dict[str, Any], headers: dict) -> list[int]:
    seen: list[int] = []
    cursor = None
    while True:
        query = params | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/api/blogs", params=query, headers=headers)).json()
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            return seen


async def test_pages_have_no_duplicates_or_gaps_while_posts_arrive(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    original = [
        (await create_post(user, status="approved", reviewer=approver))["id"] for _ in range(5)
    ]
    first = (await client.get("/api/blogs", params={"limit": 2})).json()
    assert [p["id"] for p in first["items"]] == original[::-1][:2]

    # New posts are published between page requests; they belong before page one.
    arrived = [
        (await create_post(user, status="approved", reviewer=approver))["id"] for _ in range(3)
    ]
    seen = [p["id"] for p in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = (await client.get("/api/blogs", params={"limit": 2, "cursor": cursor})).json()
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
    assert seen == original[::-1]

    fresh = await all_pages(client, {"limit": 3}, {})
    assert fresh == arrived[::-1] + original[::-1]


async def test_public_order_is_by_approval_time(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    older = await create_post(user)
    newer = await create_post(user, status="approved", reviewer=approver)
    await client.post(f"/api/blogs/{older['id']}/approve", headers=approver.headers)
    ids = [p["id"] for p in (await client.get("/api/blogs")).json()["items"]]
    assert ids == [older["id"], newer["id"]]


async def test_list_items_have_no_full_text(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    await create_post(user, status="approved", reviewer=approver)
    item = (await client.get("/api/blogs")).json()["items"][0]
    assert "content" not in item
    assert "content_html" not in item
    assert item["excerpt"]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 101},
        {"limit": 0},
        {"cursor": "%%%garbage"},
        {"status": "draft"},
        {"q": "x" * 201},
        {"mine": "maybe"},
        {"q": "nul\x00byte"},
    ],
)
async def test_bad_list_parameters_are_422(client: AsyncClient, params: dict) -> None:
    assert (await client.get("/api/blogs", params=params)).status_code == 422


async def test_cursor_of_another_ordering_is_422(
    client: AsyncClient, user: Actor, create_post: CreatePost
) -> None:
    for _ in range(2):
        await create_post(user)
    mine = (await client.get("/api/blogs?mine=true&limit=1", headers=user.headers)).json()
    resp = await client.get("/api/blogs", params={"cursor": mine["next_cursor"]})
    assert resp.status_code == 422


async def test_review_queue_lists_pending_newest_first(
    client: AsyncClient, user: Actor, other_user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    a = await create_post(user)
    b = await create_post(other_user)
    await create_post(user, status="approved", reviewer=approver)
    rejected = await create_post(user, status="rejected", reviewer=approver)
    queue = await all_pages(client, {"status": "pending", "limit": 1}, approver.headers)
    assert queue == [b["id"], a["id"]]
    assert await all_pages(client, {"status": "rejected"}, approver.headers) == [rejected["id"]]


async def test_mine_lists_own_posts_in_every_status(
    client: AsyncClient, user: Actor, other_user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    pending = await create_post(user)
    approved = await create_post(user, status="approved", reviewer=approver)
    rejected = await create_post(user, status="rejected", reviewer=approver)
    await create_post(other_user)
    mine = await all_pages(client, {"mine": "true", "limit": 2}, user.headers)
    assert mine == [rejected["id"], approved["id"], pending["id"]]
    only_rejected = await all_pages(client, {"mine": "true", "status": "rejected"}, user.headers)
    assert only_rejected == [rejected["id"]]


async def test_author_filter(
    client: AsyncClient, user: Actor, other_user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    mine = await create_post(user, status="approved", reviewer=approver)
    await create_post(other_user, status="approved", reviewer=approver)
    assert await all_pages(client, {"author": user.id}, {}) == [mine["id"]]


async def test_search_in_title_and_content(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    in_title = await create_post(
        user, status="approved", reviewer=approver, title="Kangaroo facts", content="Hop."
    )
    in_content = await create_post(
        user, status="approved", reviewer=approver, title="Animals", content="A kangaroo hops."
    )
    await create_post(user, status="approved", reviewer=approver, title="Cats", content="Meow.")
    hidden = await create_post(user, title="Kangaroo draft", content="pending")
    found = await all_pages(client, {"q": "kangaroo"}, {})
    assert sorted(found) == sorted([in_title["id"], in_content["id"]])
    assert hidden["id"] not in found
    # Words may come from the title and the content together.
    assert await all_pages(client, {"q": "animals kangaroo"}, {}) == [in_content["id"]]
    assert await all_pages(client, {"q": "platypus"}, {}) == []


@pytest.mark.parametrize("q", ["it's", "'; DROP TABLE blogs; --", "a & b | !c", "%_\\", "ü:*"])
async def test_search_with_special_characters_is_safe(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost, q: str
) -> None:
    await create_post(user, status="approved", reviewer=approver)
    resp = await client.get("/api/blogs", params={"q": q})
    assert resp.status_code == 200
    assert (await client.get("/api/blogs")).json()["items"]


async def test_tag_filter_and_tag_counts(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    a = await create_post(user, status="approved", reviewer=approver, tags=["Python", "web"])
    b = await create_post(user, status="approved", reviewer=approver, tags=["python"])
    await create_post(user, tags=["python", "secret-draft"])  # pending: not counted
    assert sorted(await all_pages(client, {"tag": "python"}, {})) == sorted([a["id"], b["id"]])
    assert await all_pages(client, {"tag": "Web"}, {}) == [a["id"]]
    assert await all_pages(client, {"tag": "nothing"}, {}) == []
    tags = (await client.get("/api/tags")).json()
    assert tags["items"] == [{"name": "python", "count": 2}, {"name": "web", "count": 1}]


async def test_tags_paginate(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    await create_post(user, status="approved", reviewer=approver, tags=["a", "b", "c"])
    names: list[str] = []
    cursor = None
    while True:
        page = (
            await client.get(
                "/api/tags", params={"limit": 2} | ({"cursor": cursor} if cursor else {})
            )
        ).json()
        names += [t["name"] for t in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert names == ["a", "b", "c"]


def forged(values: dict) -> str:
    return encode_cursor(values)


@pytest.mark.parametrize(
    "path,values",
    [
        ("/api/blogs", {"s": "published_at", "t": "yesterday", "id": 1}),
        ("/api/blogs", {"s": "published_at", "t": "2026-01-01T00:00:00", "id": 1}),
        ("/api/blogs", {"s": "published_at", "t": "2026-01-01T00:00:00+00:00", "id": "x"}),
        ("/api/blogs", {"s": "published_at", "t": "2026-01-01T00:00:00+00:00", "id": 10**30}),
        ("/api/blogs", {"s": "title", "t": "2026-01-01T00:00:00+00:00", "id": 1}),
        ("/api/tags", {"name": 5}),
        ("/api/tags", {"nope": "a"}),
    ],
)
async def test_forged_cursors_are_422(client: AsyncClient, path: str, values: dict) -> None:
    resp = await client.get(path, params={"cursor": forged(values)})
    assert resp.status_code == 422
    assert resp.json()["title"] == "Invalid cursor"


@pytest.mark.parametrize("suffix", ["reviews", "revisions"])
async def test_forged_id_cursors_are_422(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost, suffix: str
) -> None:
    post = await create_post(user, status="approved", reviewer=approver)
    for values in ({"id": "x"}, {"id": 10**30}, {"id": -1}):
        resp = await client.get(
            f"/api/blogs/{post['id']}/{suffix}",
            params={"cursor": forged(values)},
            headers=user.headers,
        )
        assert resp.status_code == 422


async def test_a_tag_filter_longer_than_a_tag_is_normalised_like_the_tags(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    # Found by schemathesis: a 63-character filter reached the 32-character column: a 500.
    long_tag = "a" * 63
    await create_post(user, status="approved", reviewer=approver, tags=[long_tag])

    response = await client.get("/api/blogs", params={"tag": long_tag})

    assert response.status_code == 200, response.text
    assert len(response.json()["items"]) == 1
