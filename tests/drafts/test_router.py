"""Drafts through HTTP, on both stores: the database store always, the Redis store when Redis
is reachable (skipped otherwise, a failure under CI=true)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from blog_api.drafts.db_store import DatabaseDraftStore
from blog_api.drafts.models import Draft
from blog_api.drafts.redis_store import RedisDraftStore
from blog_api.drafts.store import MAX_DRAFTS
from tests.conftest import Actor, auth

CURRENT = "/api/session/draft"
DRAFTS = "/api/session/drafts"
TTL = timedelta(days=30)
ROLES = ["anonymous", "user", "l1_approver", "admin"]


@pytest.fixture(params=["database", "redis"])
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    if request.param == "redis":
        return {"redis_url": request.getfixturevalue("redis_url")}
    return {"redis_url": ""}


@pytest.fixture
def store(app: FastAPI) -> Any:
    return app.state.draft_store


@pytest.fixture(autouse=True)
async def clean_redis_drafts(store: Any) -> None:
    # User ids restart at 1 in every test database, so old drafts would look like ours.
    if isinstance(store, RedisDraftStore):
        keys = [k async for k in store.client.scan_iter(match=f"{store.prefix}:*")]
        if keys:
            await store.client.delete(*keys)


def body(title: str = "Hello", **extra: Any) -> dict[str, Any]:
    return {"title": title, "content": "Some *markdown*", "image_ids": [3, 1]} | extra


async def put(client: AsyncClient, actor: Actor, key: str, **kw: Any) -> Any:
    return await client.put(f"{DRAFTS}/{key}", json=body(**kw), headers=actor.headers)


async def test_store_follows_redis_url(store: Any, settings_overrides: dict[str, Any]) -> None:
    expected = RedisDraftStore if settings_overrides["redis_url"] else DatabaseDraftStore
    assert isinstance(store, expected)


# --- role matrix ---------------------------------------------------------------------------


def expected_for(role: str, ok: int) -> int:
    return 401 if role == "anonymous" else ok


@pytest.mark.parametrize("role", ROLES)
async def test_current_draft_role_matrix(client: AsyncClient, actors: dict, role: str) -> None:
    headers = auth(actors[role])
    assert (await client.post(CURRENT, json=body(), headers=headers)).status_code == expected_for(
        role, 200
    )
    assert (await client.get(CURRENT, headers=headers)).status_code == expected_for(role, 200)


@pytest.mark.parametrize("role", ROLES)
async def test_named_draft_role_matrix(client: AsyncClient, actors: dict, role: str) -> None:
    headers = auth(actors[role])
    url = f"{DRAFTS}/blog-1"
    assert (await client.put(url, json=body(), headers=headers)).status_code == expected_for(
        role, 200
    )
    assert (await client.get(url, headers=headers)).status_code == expected_for(role, 200)
    assert (await client.get(DRAFTS, headers=headers)).status_code == expected_for(role, 200)
    assert (await client.delete(url, headers=headers)).status_code == expected_for(role, 204)


# --- round trip and revisions ------------------------------------------------------------------


async def test_current_draft_round_trip(client: AsyncClient, user: Actor) -> None:
    saved = await client.post(CURRENT, json=body("Round trip"), headers=user.headers)
    assert saved.status_code == 200
    assert saved.json()["revision"] == 1
    read = (await client.get(CURRENT, headers=user.headers)).json()
    assert read["title"] == "Round trip"
    assert read["content"] == "Some *markdown*"
    assert read["image_ids"] == [3, 1]
    assert read["revision"] == 1
    assert read["key"] == "current"


async def test_absent_current_draft_reads_empty(client: AsyncClient, user: Actor) -> None:
    read = (await client.get(CURRENT, headers=user.headers)).json()
    assert (read["title"], read["content"], read["revision"], read["updated_at"]) == (
        "",
        "",
        0,
        None,
    )


async def test_current_draft_is_the_named_draft_current(client: AsyncClient, user: Actor) -> None:
    await client.post(CURRENT, json=body("Same"), headers=user.headers)
    assert (await client.get(f"{DRAFTS}/current", headers=user.headers)).json()["title"] == "Same"


async def test_named_draft_round_trip(client: AsyncClient, user: Actor) -> None:
    await put(client, user, "blog-42", title="Edit of 42")
    read = await client.get(f"{DRAFTS}/blog-42", headers=user.headers)
    assert read.status_code == 200
    assert (read.json()["key"], read.json()["title"]) == ("blog-42", "Edit of 42")


async def test_absent_named_draft_is_404(client: AsyncClient, user: Actor) -> None:
    resp = await client.get(f"{DRAFTS}/nothing", headers=user.headers)
    assert resp.status_code == 404
    assert resp.headers["content-type"].startswith("application/problem+json")


async def test_each_save_increments_the_revision(client: AsyncClient, user: Actor) -> None:
    revisions = []
    for i in range(3):
        resp = await put(client, user, "d", title=f"v{i}", revision=i)
        revisions.append(resp.json()["revision"])
    assert revisions == [1, 2, 3]


async def test_stale_revision_is_409(client: AsyncClient, user: Actor) -> None:
    await put(client, user, "d", title="tab A")
    await put(client, user, "d", title="tab A again", revision=1)
    stale = await put(client, user, "d", title="tab B", revision=1)
    assert stale.status_code == 409
    assert stale.json()["type"].endswith("/stale-revision")
    assert (await client.get(f"{DRAFTS}/d", headers=user.headers)).json()["title"] == "tab A again"


async def test_revision_zero_only_creates(client: AsyncClient, user: Actor) -> None:
    assert (await put(client, user, "d", revision=0)).status_code == 200
    assert (await put(client, user, "d", revision=0)).status_code == 409


async def test_save_without_revision_overwrites(client: AsyncClient, user: Actor) -> None:
    await put(client, user, "d", title="first")
    resp = await put(client, user, "d", title="second")
    assert (resp.status_code, resp.json()["revision"]) == (200, 2)


async def test_concurrent_saves_on_one_revision_only_one_wins(
    client: AsyncClient, user: Actor
) -> None:
    await put(client, user, "d", title="base")
    results = await asyncio.gather(
        *(put(client, user, "d", title=f"tab {i}", revision=1) for i in range(6))
    )
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 409, 409, 409, 409, 409]
    assert (await client.get(f"{DRAFTS}/d", headers=user.headers)).json()["revision"] == 2


async def test_concurrent_first_saves_only_one_creates(client: AsyncClient, user: Actor) -> None:
    results = await asyncio.gather(
        *(put(client, user, "fresh", title=f"tab {i}", revision=0) for i in range(4))
    )
    assert sorted(r.status_code for r in results) == [200, 409, 409, 409]


async def test_concurrent_first_saves_without_revision_all_succeed(
    client: AsyncClient, user: Actor
) -> None:
    # No revision means "overwrite whatever is there", also when the draft is being created.
    results = await asyncio.gather(
        *(put(client, user, "fresh", title=f"tab {i}") for i in range(5))
    )
    assert [r.status_code for r in results] == [200] * 5
    assert sorted(r.json()["revision"] for r in results) == [1, 2, 3, 4, 5]


async def test_concurrent_saves_without_revision_all_succeed(
    client: AsyncClient, user: Actor
) -> None:
    await put(client, user, "d", title="base")
    results = await asyncio.gather(*(put(client, user, "d", title=f"tab {i}") for i in range(5)))
    assert [r.status_code for r in results] == [200] * 5
    assert (await client.get(f"{DRAFTS}/d", headers=user.headers)).json()["revision"] == 6


async def test_concurrent_creates_cannot_exceed_the_cap(client: AsyncClient, user: Actor) -> None:
    for i in range(MAX_DRAFTS - 3):
        assert (await put(client, user, f"d{i}")).status_code == 200
    results = await asyncio.gather(*(put(client, user, f"new{i}") for i in range(10)))
    assert sorted(r.status_code for r in results) == [200] * 3 + [409] * 7
    assert len((await client.get(DRAFTS, headers=user.headers)).json()) == MAX_DRAFTS


# --- list and delete ---------------------------------------------------------------------------


async def test_list_shows_own_drafts_newest_first_without_content(
    client: AsyncClient, user: Actor
) -> None:
    for key in ("a", "b", "c"):
        await put(client, user, key, title=f"title {key}")
    await put(client, user, "a", title="title a again")
    listed = (await client.get(DRAFTS, headers=user.headers)).json()
    assert [d["key"] for d in listed] == ["a", "c", "b"]
    assert "content" not in listed[0]


async def test_delete_is_idempotent(client: AsyncClient, user: Actor) -> None:
    await put(client, user, "d")
    first = await client.delete(f"{DRAFTS}/d", headers=user.headers)
    second = await client.delete(f"{DRAFTS}/d", headers=user.headers)
    assert (first.status_code, second.status_code) == (204, 204)
    assert (await client.get(f"{DRAFTS}/d", headers=user.headers)).status_code == 404
    assert (await client.get(DRAFTS, headers=user.headers)).json() == []


async def test_recreated_draft_starts_at_revision_one(client: AsyncClient, user: Actor) -> None:
    await put(client, user, "d")
    await put(client, user, "d")
    await client.delete(f"{DRAFTS}/d", headers=user.headers)
    assert (await put(client, user, "d", revision=0)).json()["revision"] == 1


async def test_draft_count_is_capped(client: AsyncClient, user: Actor) -> None:
    for i in range(MAX_DRAFTS):
        assert (await put(client, user, f"d{i}")).status_code == 200
    over = await put(client, user, "one-more")
    assert over.status_code == 409
    assert over.json()["type"].endswith("/too-many-drafts")
    # Saving an existing one still works.
    assert (await put(client, user, "d0")).status_code == 200


# --- isolation -----------------------------------------------------------------------------


async def test_nobody_reads_another_users_draft(
    client: AsyncClient, user: Actor, other_user: Actor, admin: Actor
) -> None:
    await put(client, user, "secret", title="mine")
    await client.post(CURRENT, json=body("my current"), headers=user.headers)
    for intruder in (other_user, admin):
        assert (await client.get(f"{DRAFTS}/secret", headers=intruder.headers)).status_code == 404
        assert (await client.get(DRAFTS, headers=intruder.headers)).json() == []
        assert (await client.get(CURRENT, headers=intruder.headers)).json()["revision"] == 0


async def test_same_key_for_two_users_are_two_drafts(
    client: AsyncClient, user: Actor, other_user: Actor
) -> None:
    await put(client, user, "shared-name", title="alice's")
    theirs = await put(client, other_user, "shared-name", title="bob's", revision=0)
    assert (theirs.status_code, theirs.json()["revision"]) == (200, 1)
    await client.delete(f"{DRAFTS}/shared-name", headers=other_user.headers)
    mine = await client.get(f"{DRAFTS}/shared-name", headers=user.headers)
    assert mine.json()["title"] == "alice's"


# --- expiry --------------------------------------------------------------------------------


async def test_save_reports_expiry_ttl_after_the_save(client: AsyncClient, user: Actor) -> None:
    saved = (await put(client, user, "d")).json()
    updated = datetime.fromisoformat(saved["updated_at"])
    expires = datetime.fromisoformat(saved["expires_at"])
    assert abs((expires - updated) - TTL) < timedelta(seconds=1)
    assert abs(updated - datetime.now(timezone.utc)) < timedelta(minutes=1)


async def stored_ttl(store: Any, user: Actor, key: str) -> timedelta:
    """Remaining lifetime as the store itself holds it (PTTL in Redis, expires_at in SQL)."""
    if isinstance(store, RedisDraftStore):
        ms = await store.client.pttl(store.draft_key(user.id, key))
        assert ms > 0, ms
        return timedelta(milliseconds=ms)
    row = await Draft.get(user_id=user.id, key=key)
    return row.expires_at - datetime.now(timezone.utc)


async def shorten_life(store: Any, user: Actor, key: str, remaining: timedelta) -> None:
    if isinstance(store, RedisDraftStore):
        await store.client.pexpire(
            store.draft_key(user.id, key), int(remaining / timedelta(milliseconds=1))
        )
    else:
        await Draft.filter(user_id=user.id, key=key).update(
            expires_at=datetime.now(timezone.utc) + remaining
        )


async def test_ttl_is_set_in_the_store(client: AsyncClient, user: Actor, store: Any) -> None:
    await put(client, user, "d")
    assert TTL - timedelta(minutes=1) < await stored_ttl(store, user, "d") <= TTL


async def test_ttl_is_renewed_on_save(client: AsyncClient, user: Actor, store: Any) -> None:
    await put(client, user, "d")
    await shorten_life(store, user, "d", timedelta(minutes=5))
    assert await stored_ttl(store, user, "d") < timedelta(minutes=6)
    await put(client, user, "d")
    assert await stored_ttl(store, user, "d") > TTL - timedelta(minutes=1)


async def test_expired_draft_is_gone(client: AsyncClient, user: Actor, store: Any) -> None:
    await put(client, user, "old")
    await put(client, user, "fresh")
    # Redis refuses a negative PEXPIRE as "delete now", so both stores get a short life instead.
    await shorten_life(store, user, "old", timedelta(milliseconds=50))
    await asyncio.sleep(0.1)
    assert (await client.get(f"{DRAFTS}/old", headers=user.headers)).status_code == 404
    assert [d["key"] for d in (await client.get(DRAFTS, headers=user.headers)).json()] == ["fresh"]
    # An expired draft counts as absent: creating it anew starts over.
    assert (await put(client, user, "old", revision=0)).json()["revision"] == 1


# --- validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        {"title": "x" * 201},
        {"content": "x" * 100_001},
        {"image_ids": list(range(1, 22))},
        {"image_ids": [0]},
        {"image_ids": ["a"]},
        {"revision": -1},
        {"status": "approved"},
        {"title": None},
    ],
)
async def test_invalid_draft_is_422(client: AsyncClient, user: Actor, payload: dict) -> None:
    resp = await client.put(f"{DRAFTS}/d", json=payload, headers=user.headers)
    assert resp.status_code == 422
    assert resp.headers["content-type"].startswith("application/problem+json")


async def test_limits_are_inclusive(client: AsyncClient, user: Actor) -> None:
    payload = {"title": "x" * 200, "content": "y" * 100_000, "image_ids": list(range(1, 21))}
    assert (await client.put(f"{DRAFTS}/d", json=payload, headers=user.headers)).status_code == 200


@pytest.mark.parametrize("key", ["Upper", "has space", "-leading", "x" * 65, "dot.dot", "é"])
async def test_invalid_key_is_422(client: AsyncClient, user: Actor, key: str) -> None:
    assert (
        await client.put(f"{DRAFTS}/{key}", json=body(), headers=user.headers)
    ).status_code == 422
    assert (await client.get(f"{DRAFTS}/{key}", headers=user.headers)).status_code == 422


async def test_malformed_json_is_400(client: AsyncClient, user: Actor) -> None:
    resp = await client.post(
        CURRENT, content=b"{not json", headers=user.headers | {"Content-Type": "application/json"}
    )
    assert resp.status_code == 400


# --- POST /api/blogs?draft_key= ----------------------------------------------------------------


async def test_blog_submission_deletes_the_named_draft(client: AsyncClient, user: Actor) -> None:
    await put(client, user, "new-post", title="Almost ready")
    await put(client, user, "other")
    resp = await client.post(
        "/api/blogs",
        params={"draft_key": "new-post"},
        json={"title": "Ready", "content": "Hello"},
        headers=user.headers,
    )
    assert resp.status_code == 201, resp.text
    assert (await client.get(f"{DRAFTS}/new-post", headers=user.headers)).status_code == 404
    assert [d["key"] for d in (await client.get(DRAFTS, headers=user.headers)).json()] == ["other"]


async def test_blog_submission_with_absent_draft_key_still_creates(
    client: AsyncClient, user: Actor
) -> None:
    resp = await client.post(
        "/api/blogs",
        params={"draft_key": "never-saved"},
        json={"title": "Ready", "content": "Hello"},
        headers=user.headers,
    )
    assert resp.status_code == 201


async def test_blog_submission_does_not_touch_another_users_draft(
    client: AsyncClient, user: Actor, other_user: Actor
) -> None:
    await put(client, other_user, "new-post", title="bob's")
    await client.post(
        "/api/blogs",
        params={"draft_key": "new-post"},
        json={"title": "Ready", "content": "Hello"},
        headers=user.headers,
    )
    assert (await client.get(f"{DRAFTS}/new-post", headers=other_user.headers)).status_code == 200


async def test_blog_submission_with_invalid_draft_key_is_422(
    client: AsyncClient, user: Actor
) -> None:
    resp = await client.post(
        "/api/blogs",
        params={"draft_key": "Not A Key"},
        json={"title": "Ready", "content": "Hello"},
        headers=user.headers,
    )
    assert resp.status_code == 422
