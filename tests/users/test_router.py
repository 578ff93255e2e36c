"""User administration: role checks for every role, pagination, role and active changes."""

from __future__ import annotations

import pytest
from httpx import AsyncClient

from tests.conftest import Actor, auth

EXPECTED = {"anonymous": 401, "user": 403, "l1_approver": 403, "admin": 200}


@pytest.mark.parametrize("role", list(EXPECTED))
async def test_list_users_role_matrix(client: AsyncClient, actors: dict, role: str) -> None:
    resp = await client.get("/api/users", headers=auth(actors[role]))
    assert resp.status_code == EXPECTED[role]


@pytest.mark.parametrize("role", list(EXPECTED))
async def test_patch_user_role_matrix(
    client: AsyncClient, actors: dict, other_user: Actor, role: str
) -> None:
    resp = await client.patch(
        f"/api/users/{other_user.id}", json={"role": "l1_approver"}, headers=auth(actors[role])
    )
    assert resp.status_code == EXPECTED[role]


@pytest.mark.parametrize("role", list(EXPECTED))
async def test_get_user_role_matrix(
    client: AsyncClient, actors: dict, other_user: Actor, role: str
) -> None:
    resp = await client.get(f"/api/users/{other_user.id}", headers=auth(actors[role]))
    assert resp.status_code == EXPECTED[role]


async def test_list_users_paginates_without_gaps(
    client: AsyncClient, admin: Actor, make_actor
) -> None:
    for _ in range(5):
        await make_actor()
    seen: list[int] = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/api/users", params=params, headers=admin.headers)).json()
        seen += [u["id"] for u in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen)) == 6


async def test_limit_over_100_is_422(client: AsyncClient, admin: Actor) -> None:
    assert (await client.get("/api/users?limit=101", headers=admin.headers)).status_code == 422


async def test_forged_cursor_is_422(client: AsyncClient, admin: Actor) -> None:
    resp = await client.get("/api/users?cursor=%%%garbage", headers=admin.headers)
    assert resp.status_code == 422
    assert resp.json()["title"] == "Invalid cursor"


async def test_admin_promotes_user_and_old_token_must_be_refreshed(
    client: AsyncClient, admin: Actor, other_user: Actor
) -> None:
    resp = await client.patch(
        f"/api/users/{other_user.id}", json={"role": "l1_approver"}, headers=admin.headers
    )
    assert resp.status_code == 200
    assert resp.json()["role"] == "l1_approver"
    # The token still says "user": it is refused until refreshed, so demotions bite at once.
    assert (await client.get("/api/auth/me", headers=other_user.headers)).status_code == 401


async def test_role_change_records_an_event(
    client: AsyncClient, admin: Actor, other_user: Actor
) -> None:
    from blog_api.realtime.models import OutboxEvent

    await client.patch(f"/api/users/{other_user.id}", json={"role": "admin"}, headers=admin.headers)
    event = await OutboxEvent.get(type="user.role_changed")
    assert event.subject_id == other_user.id
    assert event.data == {"old_role": "user", "new_role": "admin"}


async def test_admin_cannot_demote_self(client: AsyncClient, admin: Actor) -> None:
    resp = await client.patch(
        f"/api/users/{admin.id}", json={"role": "user"}, headers=admin.headers
    )
    assert resp.status_code == 409


async def test_unknown_user_is_404_and_huge_id_is_422(client: AsyncClient, admin: Actor) -> None:
    assert (
        await client.patch("/api/users/999999", json={"is_active": False}, headers=admin.headers)
    ).status_code == 404
    assert (await client.get("/api/users/99999999999999", headers=admin.headers)).status_code == 422


async def test_unknown_field_in_patch_is_422(
    client: AsyncClient, admin: Actor, other_user: Actor
) -> None:
    resp = await client.patch(
        f"/api/users/{other_user.id}", json={"password_hash": "x"}, headers=admin.headers
    )
    assert resp.status_code == 422
