"""GET/POST/PATCH /api/notifications and POST /api/notifications/ticket."""

from __future__ import annotations

import asyncio

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from blog_api.realtime.tickets import MemoryTicketStore
from blog_api.users.models import Role
from tests.conftest import Actor, auth

ALL_SIGNED_IN = {"anonymous": 401, "user": 200, "l1_approver": 200, "admin": 200}


async def submit_blog(client: AsyncClient, author: Actor, title: str = "A post") -> int:
    resp = await client.post(
        "/api/blogs", json={"title": title, "content": "Hello", "tags": []}, headers=author.headers
    )
    assert resp.status_code == 201, resp.text
    return int(resp.json()["id"])


async def notifications(client: AsyncClient, actor: Actor, **params) -> dict:
    resp = await client.get("/api/notifications", params=params, headers=actor.headers)
    assert resp.status_code == 200, resp.text
    return resp.json()


@pytest.mark.parametrize("role", list(ALL_SIGNED_IN))
async def test_list_role_matrix(client: AsyncClient, actors: dict, role: str) -> None:
    resp = await client.get("/api/notifications", headers=auth(actors[role]))
    assert resp.status_code == ALL_SIGNED_IN[role]


@pytest.mark.parametrize("role", list(ALL_SIGNED_IN))
async def test_unread_count_role_matrix(client: AsyncClient, actors: dict, role: str) -> None:
    resp = await client.get("/api/notifications/unread-count", headers=auth(actors[role]))
    assert resp.status_code == ALL_SIGNED_IN[role]


@pytest.mark.parametrize("role", list(ALL_SIGNED_IN))
async def test_mark_all_read_role_matrix(client: AsyncClient, actors: dict, role: str) -> None:
    resp = await client.post("/api/notifications/read", json={}, headers=auth(actors[role]))
    assert resp.status_code == ALL_SIGNED_IN[role]


@pytest.mark.parametrize("role", list(ALL_SIGNED_IN))
async def test_ticket_role_matrix(client: AsyncClient, actors: dict, role: str) -> None:
    resp = await client.post("/api/notifications/ticket", json={}, headers=auth(actors[role]))
    assert resp.status_code == {200: 201}.get(ALL_SIGNED_IN[role], ALL_SIGNED_IN[role])


@pytest.mark.parametrize("role", list(ALL_SIGNED_IN))
async def test_patch_role_matrix(client: AsyncClient, actors: dict, make_actor, role: str) -> None:
    # Give the caller (the user when anonymous) a notification: their post gets approved.
    owner = actors[role] or actors["user"]
    blog_id = await submit_blog(client, owner)
    reviewer = actors["admin"] if owner is not actors["admin"] else await make_actor(Role.admin)
    resp = await client.post(f"/api/blogs/{blog_id}/approve", headers=reviewer.headers)
    assert resp.status_code == 200, resp.text
    item = next(
        i for i in (await notifications(client, owner))["items"] if i["type"] == "blog.approved"
    )
    resp = await client.patch(
        f"/api/notifications/{item['id']}", json={"read": True}, headers=auth(actors[role])
    )
    assert resp.status_code == ALL_SIGNED_IN[role]


async def test_submitted_blog_notifies_reviewers_not_other_users(
    client: AsyncClient, user: Actor, other_user: Actor, approver: Actor, admin: Actor
) -> None:
    blog_id = await submit_blog(client, user)
    for reviewer in (approver, admin):
        [item] = (await notifications(client, reviewer))["items"]
        assert (item["type"], item["subject"], item["read"]) == (
            "blog.submitted",
            {"kind": "blog", "id": blog_id},
            False,
        )
    assert (await notifications(client, other_user))["items"] == []


async def test_role_change_notifies_the_user_but_not_the_acting_admin(
    app: FastAPI, client: AsyncClient, admin: Actor, user: Actor
) -> None:
    await client.patch(f"/api/users/{user.id}", json={"role": "l1_approver"}, headers=admin.headers)
    # The old token names the old role; sign in anew.
    user.token, _ = app.state.tokens.issue(user_id=user.id, role="l1_approver")
    [item] = (await notifications(client, user))["items"]
    assert item["type"] == "user.role_changed"
    assert item["data"] == {"old_role": "user", "new_role": "l1_approver"}
    assert (await notifications(client, admin))["items"] == []


async def test_notification_gets_its_stream_id_once_published(
    client: AsyncClient, user: Actor, approver: Actor
) -> None:
    await submit_blog(client, user)
    for _ in range(200):
        [item] = (await notifications(client, approver))["items"]
        if item["event_id"]:
            break
        await asyncio.sleep(0.01)
    assert item["event_id"] and "-" in item["event_id"]


async def test_list_is_newest_first_and_paginates_without_gaps(
    client: AsyncClient, user: Actor, approver: Actor
) -> None:
    blogs = [await submit_blog(client, user, f"post {i}") for i in range(5)]
    seen: list[int] = []
    cursor = None
    while True:
        page = await notifications(
            client, approver, limit=2, **({"cursor": cursor} if cursor else {})
        )
        seen += [item["subject"]["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == blogs[::-1]


async def test_mark_one_read_then_unread(client: AsyncClient, user: Actor, approver: Actor) -> None:
    await submit_blog(client, user)
    [item] = (await notifications(client, approver))["items"]
    url = f"/api/notifications/{item['id']}"
    read = (await client.patch(url, json={"read": True}, headers=approver.headers)).json()
    assert read["read"] is True and read["read_at"]
    count = await client.get("/api/notifications/unread-count", headers=approver.headers)
    assert count.json() == {"unread": 0}
    unread = (await client.patch(url, json={"read": False}, headers=approver.headers)).json()
    assert (unread["read"], unread["read_at"]) == (False, None)


async def test_unread_only_filter(client: AsyncClient, user: Actor, approver: Actor) -> None:
    await submit_blog(client, user, "one")
    second = await submit_blog(client, user, "two")
    _newest, oldest = (await notifications(client, approver))["items"]
    await client.patch(
        f"/api/notifications/{oldest['id']}", json={"read": True}, headers=approver.headers
    )
    items = (await notifications(client, approver, unread_only="true"))["items"]
    assert [i["subject"]["id"] for i in items] == [second]


async def test_mark_all_read_up_to_an_id(client: AsyncClient, user: Actor, approver: Actor) -> None:
    for i in range(3):
        await submit_blog(client, user, f"post {i}")
    items = (await notifications(client, approver))["items"]
    resp = await client.post(
        "/api/notifications/read", json={"up_to_id": items[1]["id"]}, headers=approver.headers
    )
    assert resp.json() == {"updated": 2}
    assert [i["read"] for i in (await notifications(client, approver))["items"]] == [
        False,
        True,
        True,
    ]


async def test_someone_elses_notification_is_404(
    client: AsyncClient, user: Actor, approver: Actor, admin: Actor
) -> None:
    await submit_blog(client, user)
    [item] = (await notifications(client, approver))["items"]
    resp = await client.patch(
        f"/api/notifications/{item['id']}", json={"read": True}, headers=admin.headers
    )
    assert resp.status_code == 404
    assert resp.json()["title"] == "Notification not found"


@pytest.mark.parametrize(
    ("body", "status"), [({"read": "maybe"}, 422), ({"read": True, "x": 1}, 422), ({}, 422)]
)
async def test_invalid_patch_body_is_422(
    client: AsyncClient, user: Actor, body: dict, status: int
) -> None:
    resp = await client.patch("/api/notifications/1", json=body, headers=user.headers)
    assert resp.status_code == status


async def test_malformed_json_is_400(client: AsyncClient, user: Actor) -> None:
    resp = await client.post(
        "/api/notifications/read",
        content=b"{nope",
        headers=user.headers | {"Content-Type": "application/json"},
    )
    assert resp.status_code == 400


async def test_forged_cursor_is_422(client: AsyncClient, user: Actor) -> None:
    resp = await client.get("/api/notifications?cursor=%%%garbage", headers=user.headers)
    assert resp.status_code == 422


async def test_unknown_ticket_purpose_is_422(client: AsyncClient, user: Actor) -> None:
    resp = await client.post(
        "/api/notifications/ticket", json={"purpose": "email"}, headers=user.headers
    )
    assert resp.status_code == 422


async def test_ticket_response_shape(client: AsyncClient, user: Actor, settings) -> None:
    resp = await client.post(
        "/api/notifications/ticket", json={"purpose": "ws"}, headers=user.headers
    )
    body = resp.json()
    assert body["purpose"] == "ws"
    assert body["expires_in"] == settings.ticket_ttl_seconds
    assert len(body["ticket"]) >= 40


async def test_expired_ticket_is_refused() -> None:
    store = MemoryTicketStore(ttl_seconds=1)
    ticket = await store.issue(user_id=7, purpose="sse")
    await asyncio.sleep(1.05)
    assert await store.redeem(ticket, purpose="sse") is None


async def test_redis_ticket_expires_with_its_ttl(redis_url: str) -> None:
    import redis.asyncio as aioredis

    from blog_api.realtime.tickets import RedisTicketStore

    client = aioredis.Redis.from_url(redis_url, decode_responses=True)
    store = RedisTicketStore(client, ttl_seconds=1, prefix="test_rt_tickets")
    ticket = await store.issue(user_id=7, purpose="ws")
    await asyncio.sleep(1.1)
    assert await store.redeem(ticket, purpose="ws") is None
    second = await store.issue(user_id=7, purpose="ws")
    grant = await store.redeem(second, purpose="ws")
    assert grant is not None and grant.user_id == 7
    assert await store.redeem(second, purpose="ws") is None
    await client.aclose()
