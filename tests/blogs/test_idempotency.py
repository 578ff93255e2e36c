"""`Idempotency-Key` on POST /api/blogs: replays, mismatches, scoping, expiry, races."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient

from blog_api.core.config import Settings
from blog_api.core.idempotency import IdempotencyKey, install_idempotency_purge, purge_expired
from blog_api.main import create_app
from tests.conftest import IS_POSTGRES, PASSWORD, Actor

BODY = {"title": "Once", "content": "only once", "tags": ["a"]}


async def post(client: AsyncClient, actor: Actor, key: str | None, body: dict = BODY):
    headers = actor.headers | ({"Idempotency-Key": key} if key else {})
    return await client.post("/api/blogs", json=body, headers=headers)


async def own_post_ids(client: AsyncClient, actor: Actor) -> list[int]:
    page = (await client.get("/api/blogs?mine=true", headers=actor.headers)).json()
    return [p["id"] for p in page["items"]]


async def test_retry_with_same_key_replays_the_first_result(
    client: AsyncClient, user: Actor
) -> None:
    first = await post(client, user, "key-1")
    again = await post(client, user, "key-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert await own_post_ids(client, user) == [first.json()["id"]]


async def test_json_formatting_does_not_matter(client: AsyncClient, user: Actor) -> None:
    first = await post(client, user, "key-fmt")
    reordered = {"tags": ["a"], "content": "only once", "title": "Once"}
    again = await post(client, user, "key-fmt", reordered)
    assert again.json()["id"] == first.json()["id"]


async def test_same_key_with_another_body_is_422(client: AsyncClient, user: Actor) -> None:
    await post(client, user, "key-2")
    resp = await post(client, user, "key-2", BODY | {"title": "Different"})
    assert resp.status_code == 422
    assert resp.json()["type"].endswith("/idempotency-key-reused")
    assert len(await own_post_ids(client, user)) == 1


async def test_keys_are_scoped_per_user(
    client: AsyncClient, user: Actor, other_user: Actor
) -> None:
    mine = await post(client, user, "shared-key")
    theirs = await post(client, other_user, "shared-key")
    assert theirs.status_code == 201
    assert theirs.json()["id"] != mine.json()["id"]
    assert theirs.json()["author"]["id"] == other_user.id


async def test_without_a_key_each_request_creates_a_post(client: AsyncClient, user: Actor) -> None:
    await post(client, user, None)
    await post(client, user, None)
    assert len(await own_post_ids(client, user)) == 2


async def test_expired_key_is_forgotten(client: AsyncClient, user: Actor) -> None:
    first = await post(client, user, "old-key")
    # 24 hours and a second later, as far as the stored row is concerned.
    await IdempotencyKey.filter(key="old-key").update(
        expires_at=datetime.now(timezone.utc) - timedelta(seconds=1)
    )
    again = await post(client, user, "old-key", BODY | {"title": "New day"})
    assert again.status_code == 201
    assert again.json()["id"] != first.json()["id"]


async def expire(key: str) -> None:
    await IdempotencyKey.filter(key=key).update(
        expires_at=datetime.now(timezone.utc) - timedelta(seconds=1)
    )


async def test_a_request_leaves_other_expired_keys_alone(
    client: AsyncClient, user: Actor, other_user: Actor
) -> None:
    # Purging everyone's expired rows inside each request serialised keyed requests on them.
    await post(client, other_user, "theirs")
    await post(client, user, "mine-old")
    await expire("theirs")
    await expire("mine-old")
    assert (await post(client, user, "mine-new")).status_code == 201
    left = await IdempotencyKey.all().order_by("key").values_list("key", flat=True)
    assert left == ["mine-new", "mine-old", "theirs"]


async def test_purge_deletes_only_expired_keys(client: AsyncClient, user: Actor) -> None:
    for key in ("stale-1", "stale-2", "fresh"):
        await post(client, user, key, BODY | {"title": key})
    await expire("stale-1")
    await expire("stale-2")
    assert await purge_expired(batch=1) == 2
    assert await IdempotencyKey.all().values_list("key", flat=True) == ["fresh"]
    # The post made with a purged key stays; only the replay record is gone.
    assert len(await own_post_ids(client, user)) == 3


async def test_running_app_purges_expired_keys_in_the_background(settings: Settings) -> None:
    application = create_app(settings, generate_schemas=not IS_POSTGRES)
    install_idempotency_purge(application, interval=0.05)
    async with (
        LifespanManager(application),
        AsyncClient(transport=ASGITransport(app=application), base_url="http://test") as c,
    ):
        account = {"email": "bg@example.com", "username": "bgpurge", "password": PASSWORD}
        assert (await c.post("/api/auth/register", json=account)).status_code == 201
        login = await c.post(
            "/api/auth/login", json={"email": "bg@example.com", "password": PASSWORD}
        )
        headers = {
            "Authorization": f"Bearer {login.json()['access_token']}",
            "Idempotency-Key": "bg",
        }
        assert (await c.post("/api/blogs", json=BODY, headers=headers)).status_code == 201
        await expire("bg")
        for _ in range(100):
            if not await IdempotencyKey.exists(key="bg"):
                break
            await asyncio.sleep(0.02)
        assert not await IdempotencyKey.exists(key="bg")


async def test_keys_expire_after_24_hours(client: AsyncClient, user: Actor) -> None:
    await post(client, user, "ttl-key")
    row = await IdempotencyKey.get(key="ttl-key")
    ttl = row.expires_at - row.created_at
    assert timedelta(hours=23, minutes=59) < ttl <= timedelta(hours=24, seconds=1)


async def test_failed_request_stores_nothing(
    client: AsyncClient, user: Actor, other_user: Actor
) -> None:
    # Attaching someone else's image fails; the client may fix the body and reuse the key.
    resp = await post(client, user, "fix-me", BODY | {"image_ids": [424242]})
    assert resp.status_code == 422
    assert (await post(client, user, "fix-me")).status_code == 201


async def test_concurrent_retries_create_one_post(client: AsyncClient, user: Actor) -> None:
    results = await asyncio.gather(*(post(client, user, "race-key") for _ in range(3)))
    assert [r.status_code for r in results] == [201, 201, 201]
    assert len({r.json()["id"] for r in results}) == 1
    assert len(await own_post_ids(client, user)) == 1


@pytest.mark.parametrize("key", ["x" * 256, "has space", "tab\tkey"])
async def test_malformed_key_is_422(client: AsyncClient, user: Actor, key: str) -> None:
    resp = await client.post(
        "/api/blogs", json=BODY, headers=user.headers | {"Idempotency-Key": key}
    )
    assert resp.status_code == 422
