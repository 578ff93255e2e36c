"""GET/DELETE /api/media/{id} and GET /api/media: who sees and deletes what, file lifetime."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from tests.conftest import Actor, auth
from tests.media.images import image_bytes

# The uploader is `user`; approvers get no special access to other people's uploads.
GET_EXPECTED = {"anonymous": 401, "owner": 200, "other_user": 404, "l1_approver": 404, "admin": 200}
DELETE_EXPECTED = {**GET_EXPECTED, "owner": 204, "admin": 204}


async def upload(client: AsyncClient, actor: Actor, data: bytes | None = None) -> dict:
    resp = await client.post(
        "/api/media",
        files={"file": ("x.png", data or image_bytes("PNG"), "image/png")},
        headers=actor.headers,
    )
    assert resp.status_code == 201, resp.text
    return resp.json()


def file_of(app: FastAPI, body: dict) -> Path:
    return app.state.settings.media_root / body["url"].rsplit("/", 1)[1]


@pytest.fixture
def callers(actors: dict, user: Actor, other_user: Actor) -> dict[str, Actor | None]:
    return {
        "anonymous": None,
        "owner": user,
        "other_user": other_user,
        "l1_approver": actors["l1_approver"],
        "admin": actors["admin"],
    }


@pytest.mark.parametrize("role", list(GET_EXPECTED))
async def test_get_role_matrix(client: AsyncClient, callers: dict, user: Actor, role: str) -> None:
    image = await upload(client, user)
    resp = await client.get(f"/api/media/{image['id']}", headers=auth(callers[role]))
    assert resp.status_code == GET_EXPECTED[role]
    if resp.status_code == 200:
        assert resp.json() == image


@pytest.mark.parametrize("role", list(DELETE_EXPECTED))
async def test_delete_role_matrix(
    client: AsyncClient, callers: dict, user: Actor, role: str
) -> None:
    image = await upload(client, user)
    resp = await client.delete(f"/api/media/{image['id']}", headers=auth(callers[role]))
    assert resp.status_code == DELETE_EXPECTED[role]
    still_there = await client.get(f"/api/media/{image['id']}", headers=user.headers)
    assert still_there.status_code == (404 if resp.status_code == 204 else 200)


async def test_unknown_id_is_404_and_huge_id_is_422(client: AsyncClient, user: Actor) -> None:
    assert (await client.get("/api/media/999999", headers=user.headers)).status_code == 404
    assert (await client.get("/api/media/99999999999", headers=user.headers)).status_code == 422


async def test_delete_removes_the_file(client: AsyncClient, app: FastAPI, user: Actor) -> None:
    image = await upload(client, user)
    await client.delete(f"/api/media/{image['id']}", headers=user.headers)
    assert not file_of(app, image).exists()
    assert (await client.get(image["url"])).status_code == 404


async def test_shared_file_survives_until_its_last_upload_is_deleted(
    client: AsyncClient, app: FastAPI, user: Actor, other_user: Actor
) -> None:
    data = image_bytes("PNG", (10, 10))
    first = await upload(client, user, data)
    second = await upload(client, other_user, data)
    assert (
        await client.delete(f"/api/media/{first['id']}", headers=user.headers)
    ).status_code == 204
    assert file_of(app, second).exists()
    assert (
        await client.delete(f"/api/media/{second['id']}", headers=other_user.headers)
    ).status_code == 204
    assert not file_of(app, second).exists()
    assert [p.name for p in app.state.settings.media_root.iterdir()] == []


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", 401), ("user", 200), ("l1_approver", 200), ("admin", 200)],
)
async def test_list_role_matrix(
    client: AsyncClient, actors: dict, role: str, expected: int
) -> None:
    resp = await client.get("/api/media", headers=auth(actors[role]))
    assert resp.status_code == expected


async def test_list_shows_only_own_uploads_newest_first(
    client: AsyncClient, user: Actor, other_user: Actor
) -> None:
    mine = [await upload(client, user, image_bytes("PNG", (5 + i, 5))) for i in range(3)]
    await upload(client, other_user)
    page = (await client.get("/api/media", headers=user.headers)).json()
    assert [item["id"] for item in page["items"]] == [m["id"] for m in reversed(mine)]
    assert page["next_cursor"] is None


async def test_list_paginates_without_gaps_or_duplicates(client: AsyncClient, user: Actor) -> None:
    uploaded = [
        (await upload(client, user, image_bytes("PNG", (4 + i, 4))))["id"] for i in range(5)
    ]
    seen: list[int] = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/api/media", params=params, headers=user.headers)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(uploaded, reverse=True)


async def test_list_with_forged_cursor_is_422(client: AsyncClient, user: Actor) -> None:
    from blog_api.core.pagination import encode_cursor

    for cursor in ("%%%garbage", encode_cursor({"id": "1 OR 1=1"})):
        resp = await client.get("/api/media", params={"cursor": cursor}, headers=user.headers)
        assert resp.status_code == 422


async def make_post(client: AsyncClient, actor: Actor, image_ids: list[int]) -> dict:
    body = {"title": "With a picture", "content": "See below.", "image_ids": image_ids}
    resp = await client.post("/api/blogs", json=body, headers=actor.headers)
    assert resp.status_code == 201, resp.text
    return resp.json()


async def test_image_of_a_live_post_cannot_be_deleted(
    client: AsyncClient, app: FastAPI, user: Actor, approver: Actor
) -> None:
    image = await upload(client, user)
    post = await make_post(client, user, [image["id"]])
    approve = await client.post(f"/api/blogs/{post['id']}/approve", headers=approver.headers)
    assert approve.status_code == 200
    resp = await client.delete(f"/api/media/{image['id']}", headers=user.headers)
    assert resp.status_code == 409
    assert resp.json()["type"].endswith("/image-in-use")
    assert f"post {post['id']}" in resp.json()["detail"]
    live = (await client.get(f"/api/blogs/{post['id']}")).json()
    assert [i["id"] for i in live["images"]] == [image["id"]]
    assert file_of(app, image).exists()


async def test_admin_cannot_delete_an_image_in_use_either(
    client: AsyncClient, user: Actor, admin: Actor
) -> None:
    image = await upload(client, user)
    await make_post(client, user, [image["id"]])  # pending
    resp = await client.delete(f"/api/media/{image['id']}", headers=admin.headers)
    assert resp.status_code == 409


async def test_image_of_a_pending_revision_cannot_be_deleted(
    client: AsyncClient, user: Actor, approver: Actor
) -> None:
    post = await make_post(client, user, [])
    await client.post(f"/api/blogs/{post['id']}/approve", headers=approver.headers)
    image = await upload(client, user)
    proposal = await client.post(
        f"/api/blogs/{post['id']}/revisions",
        json={"title": "With a picture", "content": "Now with one.", "image_ids": [image["id"]]},
        headers=user.headers,
    )
    assert proposal.status_code == 201
    resp = await client.delete(f"/api/media/{image['id']}", headers=user.headers)
    assert resp.status_code == 409
    assert f"revision {proposal.json()['id']}" in resp.json()["detail"]


async def test_image_can_be_deleted_once_detached(client: AsyncClient, user: Actor) -> None:
    image = await upload(client, user)
    post = await make_post(client, user, [image["id"]])
    edit = {"title": post["title"], "content": post["content"], "image_ids": []}
    assert (
        await client.put(f"/api/blogs/{post['id']}", json=edit, headers=user.headers)
    ).status_code == 200
    assert (
        await client.delete(f"/api/media/{image['id']}", headers=user.headers)
    ).status_code == 204
