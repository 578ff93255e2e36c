"""Feature requests through HTTP: role matrix, duplicates, edits, sorting, votes, events."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from blog_api.core.ratelimit import get_rate_limiter
from blog_api.feature_requests.service import is_near_duplicate, normalise_title
from blog_api.realtime.models import OutboxEvent
from blog_api.users.models import Role
from tests.conftest import Actor, MakeActor, auth

URL = "/api/feature-requests"
ROLES = ["anonymous", "user", "l1_approver", "admin"]


async def create(client: AsyncClient, actor: Actor, title: str = "Dark mode", **extra: Any) -> Any:
    body = {"title": title, "description": "Easier on the eyes."} | extra
    resp = await client.post(URL, json=body, headers=actor.headers)
    assert resp.status_code == 201, resp.text
    return resp.json()


# --- role matrix ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body", [{"status": "approved"}, {"status": None}, {"vote_count": 99}, {"author_id": 1}]
)
async def test_author_sending_an_invalid_or_unknown_field_is_422(
    client: AsyncClient, user: Actor, body: dict
) -> None:
    # What README promises: the body is validated before the caller's rights are checked, so a
    # value no one may send is 422 (while a valid `status` from the author is 403, above).
    fr = await create(client, user)
    resp = await client.patch(f"{URL}/{fr['id']}", json=body, headers=user.headers)
    assert resp.status_code == 422, body


@pytest.mark.parametrize("role", ROLES)
async def test_list_role_matrix(client: AsyncClient, actors: dict, role: str) -> None:
    expected = 401 if role == "anonymous" else 200
    assert (await client.get(URL, headers=auth(actors[role]))).status_code == expected


@pytest.mark.parametrize("role", ROLES)
async def test_get_role_matrix(
    client: AsyncClient, actors: dict, other_user: Actor, role: str
) -> None:
    fr = await create(client, other_user)
    expected = 401 if role == "anonymous" else 200
    resp = await client.get(f"{URL}/{fr['id']}", headers=auth(actors[role]))
    assert resp.status_code == expected


@pytest.mark.parametrize("role", ROLES)
async def test_create_role_matrix(client: AsyncClient, actors: dict, role: str) -> None:
    resp = await client.post(
        URL, json={"title": "Dark mode", "description": "Please."}, headers=auth(actors[role])
    )
    assert resp.status_code == (401 if role == "anonymous" else 201)
    if resp.status_code == 201:
        assert resp.json()["status"] == "pending"
        assert resp.json()["priority"] is None
        assert resp.headers["Location"] == f"{URL}/{resp.json()['id']}"


@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 401), ("user", 403), ("l1_approver", 403), ("admin", 200)]
)
async def test_triage_role_matrix(
    client: AsyncClient, actors: dict, other_user: Actor, role: str, expected: int
) -> None:
    fr = await create(client, other_user)
    resp = await client.patch(
        f"{URL}/{fr['id']}", json={"status": "accepted"}, headers=auth(actors[role])
    )
    assert resp.status_code == expected


@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 401), ("user", 403), ("l1_approver", 403), ("admin", 403)]
)
async def test_edit_by_non_author_role_matrix(
    client: AsyncClient, actors: dict, other_user: Actor, role: str, expected: int
) -> None:
    fr = await create(client, other_user)
    resp = await client.patch(
        f"{URL}/{fr['id']}", json={"title": "Hijacked"}, headers=auth(actors[role])
    )
    assert resp.status_code == expected


async def test_author_edits_own_pending_request(client: AsyncClient, user: Actor) -> None:
    fr = await create(client, user)
    resp = await client.patch(
        f"{URL}/{fr['id']}",
        json={"title": "Dark theme for the editor", "description": "Now with details."},
        headers=user.headers,
    )
    assert resp.status_code == 200
    assert resp.json()["title"] == "Dark theme for the editor"
    assert resp.json()["description"] == "Now with details."


async def test_author_cannot_triage_own_request(client: AsyncClient, user: Actor) -> None:
    fr = await create(client, user)
    for body in ({"status": "accepted"}, {"priority": "high"}, {"response": "Yes"}):
        resp = await client.patch(f"{URL}/{fr['id']}", json=body, headers=user.headers)
        assert resp.status_code == 403, body


@pytest.mark.parametrize("role", ROLES)
async def test_vote_role_matrix(
    client: AsyncClient, actors: dict, other_user: Actor, role: str
) -> None:
    fr = await create(client, other_user)
    resp = await client.post(f"{URL}/{fr['id']}/vote", headers=auth(actors[role]))
    assert resp.status_code == (401 if role == "anonymous" else 200)


@pytest.mark.parametrize("role", ROLES)
async def test_unvote_role_matrix(
    client: AsyncClient, actors: dict, other_user: Actor, role: str
) -> None:
    fr = await create(client, other_user)
    resp = await client.delete(f"{URL}/{fr['id']}/vote", headers=auth(actors[role]))
    assert resp.status_code == (401 if role == "anonymous" else 200)


# --- creation and duplicates -----------------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    ["Dark mode", "dark mode", "DARK-MODE!", "  Dark   mode. ", "Dark modes"],
)
async def test_near_duplicate_title_by_same_author_is_409(
    client: AsyncClient, user: Actor, title: str
) -> None:
    first = await create(client, user, "Dark mode")
    resp = await client.post(URL, json={"title": title, "description": "x"}, headers=user.headers)
    assert resp.status_code == 409
    assert resp.json()["type"].endswith("/duplicate-feature-request")
    assert str(first["id"]) in resp.json()["detail"]


async def test_same_title_by_another_author_is_allowed(
    client: AsyncClient, user: Actor, other_user: Actor
) -> None:
    await create(client, user, "Dark mode")
    await create(client, other_user, "Dark mode")


async def test_different_title_by_same_author_is_allowed(client: AsyncClient, user: Actor) -> None:
    await create(client, user, "Dark mode")
    await create(client, user, "Light mode")


async def test_duplicate_of_a_declined_request_is_allowed(
    client: AsyncClient, user: Actor, admin: Actor
) -> None:
    fr = await create(client, user, "Dark mode")
    await client.patch(f"{URL}/{fr['id']}", json={"status": "declined"}, headers=admin.headers)
    await create(client, user, "Dark mode")


async def test_editing_title_into_a_duplicate_is_409(client: AsyncClient, user: Actor) -> None:
    await create(client, user, "Dark mode")
    other = await create(client, user, "Export to PDF")
    resp = await client.patch(
        f"{URL}/{other['id']}", json={"title": "Dark-mode"}, headers=user.headers
    )
    assert resp.status_code == 409


def test_normalisation_and_ratio() -> None:
    assert normalise_title("  Dark-Mode, please! ") == "darkmodeplease"
    assert is_near_duplicate("Add an export to PDF", "Add an export to PDFs")
    assert not is_near_duplicate("Add X", "Add Y")


@pytest.mark.parametrize(
    "body",
    [
        {"title": "", "description": "x"},
        {"title": "ab", "description": "x"},
        {"title": "x" * 201, "description": "x"},
        {"title": "Fine title", "description": ""},
        {"title": "Fine title", "description": "x", "status": "accepted"},
        {"title": "Fine title", "description": "x", "vote_count": 99},
        {"description": "x"},
    ],
)
async def test_invalid_create_is_422(client: AsyncClient, user: Actor, body: dict) -> None:
    resp = await client.post(URL, json=body, headers=user.headers)
    assert resp.status_code == 422
    assert resp.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("title", ["\u200b\u200b\u200b\u200b", "Dark \u202emode\u202c"])
async def test_invisible_or_bidi_title_is_422(client: AsyncClient, user: Actor, title: str) -> None:
    resp = await client.post(
        URL, json={"title": title, "description": "Easier."}, headers=user.headers
    )
    assert resp.status_code == 422, resp.text
    assert resp.json()["errors"][0]["loc"] == ["body", "title"]


# --- edits and triage --------------------------------------------------------------------------


async def test_author_cannot_edit_after_acceptance(
    client: AsyncClient, user: Actor, admin: Actor
) -> None:
    fr = await create(client, user)
    await client.patch(f"{URL}/{fr['id']}", json={"status": "accepted"}, headers=admin.headers)
    resp = await client.patch(f"{URL}/{fr['id']}", json={"title": "Changed"}, headers=user.headers)
    assert resp.status_code == 409


async def test_admin_sets_status_priority_and_response(
    client: AsyncClient, user: Actor, admin: Actor
) -> None:
    fr = await create(client, user)
    resp = await client.patch(
        f"{URL}/{fr['id']}",
        json={"status": "accepted", "priority": "critical", "response": "Planned for June."},
        headers=admin.headers,
    )
    assert resp.status_code == 200
    data = resp.json()
    assert (data["status"], data["priority"], data["response"]) == (
        "accepted",
        "critical",
        "Planned for June.",
    )
    assert data["status_changed_at"] is not None


async def test_admin_clears_priority_with_null(
    client: AsyncClient, user: Actor, admin: Actor
) -> None:
    fr = await create(client, user)
    await client.patch(f"{URL}/{fr['id']}", json={"priority": "high"}, headers=admin.headers)
    resp = await client.patch(f"{URL}/{fr['id']}", json={"priority": None}, headers=admin.headers)
    assert resp.json()["priority"] is None


@pytest.mark.parametrize("body", [{}, {"status": None}, {"title": None}, {"status": "maybe"}])
async def test_invalid_patch_is_422(
    client: AsyncClient, user: Actor, admin: Actor, body: dict
) -> None:
    fr = await create(client, user)
    assert (
        await client.patch(f"{URL}/{fr['id']}", json=body, headers=admin.headers)
    ).status_code == 422


async def test_patch_unknown_request_is_404(client: AsyncClient, admin: Actor) -> None:
    resp = await client.patch(f"{URL}/999999", json={"status": "accepted"}, headers=admin.headers)
    assert resp.status_code == 404


async def test_get_unknown_request_is_404(client: AsyncClient, user: Actor) -> None:
    assert (await client.get(f"{URL}/999999", headers=user.headers)).status_code == 404


async def test_absurd_id_is_422(client: AsyncClient, user: Actor) -> None:
    assert (await client.get(f"{URL}/99999999999", headers=user.headers)).status_code == 422


# --- events --------------------------------------------------------------------------------------


async def test_creation_notifies_admins(client: AsyncClient, user: Actor) -> None:
    fr = await create(client, user)
    event = await OutboxEvent.get(type="feature_request.created", subject_id=fr["id"])
    assert event.audience["roles"] == ["admin"]
    assert event.actor_id == user.id


async def test_status_change_notifies_the_author(
    client: AsyncClient, user: Actor, admin: Actor
) -> None:
    fr = await create(client, user)
    await client.patch(
        f"{URL}/{fr['id']}",
        json={"status": "declined", "response": "Out of scope."},
        headers=admin.headers,
    )
    event = await OutboxEvent.get(type="feature_request.status_changed", subject_id=fr["id"])
    assert event.audience["user_ids"] == [user.id]
    assert event.audience["roles"] == []
    assert event.data["old_status"] == "pending"
    assert event.data["new_status"] == "declined"
    assert event.data["response"] == "Out of scope."


async def test_priority_change_alone_records_no_status_event(
    client: AsyncClient, user: Actor, admin: Actor
) -> None:
    fr = await create(client, user)
    await client.patch(f"{URL}/{fr['id']}", json={"priority": "low"}, headers=admin.headers)
    await client.patch(f"{URL}/{fr['id']}", json={"status": "pending"}, headers=admin.headers)
    assert not await OutboxEvent.exists(type="feature_request.status_changed")


# --- listing -----------------------------------------------------------------------------------


async def collect(client: AsyncClient, actor: Actor, **params: Any) -> list[dict]:
    items: list[dict] = []
    cursor = None
    while True:
        query = {"limit": 2, **params} | ({"cursor": cursor} if cursor else {})
        resp = await client.get(URL, params=query, headers=actor.headers)
        assert resp.status_code == 200, resp.text
        items += resp.json()["items"]
        cursor = resp.json()["next_cursor"]
        if not cursor:
            return items


@pytest.fixture
async def catalogue(client: AsyncClient, make_actor: MakeActor, admin: Actor) -> dict[str, int]:
    """Five requests with known votes and priorities; returns title -> id."""
    author = await make_actor()
    voters = [await make_actor() for _ in range(3)]
    spec = [  # title, votes, priority
        ("Alpha feature", 1, "low"),
        ("Bravo feature", 3, None),
        ("Charlie feature", 0, "critical"),
        ("Delta feature", 2, "low"),
        ("Echo feature", 2, "high"),
    ]
    ids: dict[str, int] = {}
    for title, votes, priority in spec:
        fr = await create(client, author, title)
        ids[title] = fr["id"]
        for voter in voters[:votes]:
            await client.post(f"{URL}/{fr['id']}/vote", headers=voter.headers)
        if priority:
            await client.patch(
                f"{URL}/{fr['id']}", json={"priority": priority}, headers=admin.headers
            )
    return ids


async def test_sort_by_votes_paginates(client: AsyncClient, user: Actor, catalogue: dict) -> None:
    items = await collect(client, user, sort="votes")
    assert [i["title"] for i in items] == [
        "Bravo feature",
        "Echo feature",  # 2 votes, newer than Delta
        "Delta feature",
        "Alpha feature",
        "Charlie feature",
    ]


async def test_sort_by_priority_then_votes(
    client: AsyncClient, user: Actor, catalogue: dict
) -> None:
    items = await collect(client, user, sort="priority")
    assert [i["title"] for i in items] == [
        "Charlie feature",
        "Echo feature",
        "Delta feature",  # low, 2 votes
        "Alpha feature",  # low, 1 vote
        "Bravo feature",  # unset priority last
    ]


async def test_sort_by_newest(client: AsyncClient, user: Actor, catalogue: dict) -> None:
    items = await collect(client, user, sort="newest")
    assert [i["id"] for i in items] == sorted(catalogue.values(), reverse=True)


async def test_filter_by_status(
    client: AsyncClient, user: Actor, admin: Actor, catalogue: dict
) -> None:
    accepted = catalogue["Delta feature"]
    await client.patch(f"{URL}/{accepted}", json={"status": "accepted"}, headers=admin.headers)
    items = await collect(client, user, status="accepted")
    assert [i["id"] for i in items] == [accepted]


async def test_list_shows_whether_caller_voted(
    client: AsyncClient, user: Actor, other_user: Actor
) -> None:
    fr = await create(client, other_user)
    await client.post(f"{URL}/{fr['id']}/vote", headers=user.headers)
    mine = (await client.get(URL, headers=user.headers)).json()["items"][0]
    theirs = (await client.get(URL, headers=other_user.headers)).json()["items"][0]
    assert (mine["voted"], theirs["voted"]) == (True, False)


@pytest.mark.parametrize(
    "params", [{"sort": "random"}, {"status": "open"}, {"cursor": "garbage!"}, {"limit": 0}]
)
async def test_invalid_list_params_are_422(client: AsyncClient, user: Actor, params: dict) -> None:
    assert (await client.get(URL, params=params, headers=user.headers)).status_code == 422


async def test_cursor_of_another_sort_is_422(
    client: AsyncClient, user: Actor, catalogue: dict
) -> None:
    newest = (
        await client.get(URL, params={"limit": 1, "sort": "newest"}, headers=user.headers)
    ).json()
    resp = await client.get(
        URL, params={"sort": "votes", "cursor": newest["next_cursor"]}, headers=user.headers
    )
    assert resp.status_code == 422


# --- votes -----------------------------------------------------------------------------------


async def test_voting_twice_counts_once(
    client: AsyncClient, user: Actor, other_user: Actor
) -> None:
    fr = await create(client, other_user)
    first = await client.post(f"{URL}/{fr['id']}/vote", headers=user.headers)
    second = await client.post(f"{URL}/{fr['id']}/vote", headers=user.headers)
    assert (first.json()["vote_count"], second.json()["vote_count"]) == (1, 1)
    assert second.json()["voted"] is True


async def test_unvoting_twice_is_fine(client: AsyncClient, user: Actor, other_user: Actor) -> None:
    fr = await create(client, other_user)
    await client.post(f"{URL}/{fr['id']}/vote", headers=user.headers)
    first = await client.delete(f"{URL}/{fr['id']}/vote", headers=user.headers)
    second = await client.delete(f"{URL}/{fr['id']}/vote", headers=user.headers)
    assert (first.status_code, second.status_code) == (200, 200)
    assert (first.json()["vote_count"], second.json()["vote_count"]) == (0, 0)
    assert second.json()["voted"] is False


async def test_unvote_without_vote_leaves_others_votes(
    client: AsyncClient, user: Actor, other_user: Actor
) -> None:
    fr = await create(client, other_user)
    await client.post(f"{URL}/{fr['id']}/vote", headers=other_user.headers)
    resp = await client.delete(f"{URL}/{fr['id']}/vote", headers=user.headers)
    assert resp.json()["vote_count"] == 1


async def test_closed_request_takes_no_votes(
    client: AsyncClient, user: Actor, admin: Actor
) -> None:
    fr = await create(client, user)
    await client.patch(f"{URL}/{fr['id']}", json={"status": "done"}, headers=admin.headers)
    resp = await client.post(f"{URL}/{fr['id']}/vote", headers=user.headers)
    assert resp.status_code == 409
    assert resp.json()["type"].endswith("/feature-request-closed")


async def test_vote_on_unknown_request_is_404(client: AsyncClient, user: Actor) -> None:
    assert (await client.post(f"{URL}/999999/vote", headers=user.headers)).status_code == 404


async def test_concurrent_votes_from_many_users_are_all_counted(
    client: AsyncClient, make_actor: MakeActor, user: Actor
) -> None:
    fr = await create(client, user)
    voters = [await make_actor(Role.user) for _ in range(20)]
    responses = await asyncio.gather(
        *(client.post(f"{URL}/{fr['id']}/vote", headers=v.headers) for v in voters)
    )
    assert {r.status_code for r in responses} == {200}
    final = (await client.get(f"{URL}/{fr['id']}", headers=user.headers)).json()
    assert final["vote_count"] == 20


async def test_concurrent_votes_from_one_user_count_once(
    client: AsyncClient, user: Actor, other_user: Actor
) -> None:
    fr = await create(client, other_user)
    responses = await asyncio.gather(
        *(client.post(f"{URL}/{fr['id']}/vote", headers=user.headers) for _ in range(10))
    )
    assert {r.status_code for r in responses} == {200}
    final = (await client.get(f"{URL}/{fr['id']}", headers=user.headers)).json()
    assert final["vote_count"] == 1


async def test_no_vote_lands_after_the_request_is_closed(
    client: AsyncClient, make_actor: MakeActor, user: Actor, admin: Actor
) -> None:
    fr = await create(client, user)
    url = f"{URL}/{fr['id']}"
    voters = [await make_actor(Role.user) for _ in range(30)]

    async def count_when_first_seen_closed() -> int:
        # One request's head start on the votes puts this reader between the close and the
        # votes' transactions (deterministic on SQLite, where queries queue in order).
        await client.get("/api/auth/me", headers=user.headers)
        for _ in range(500):
            seen = (await client.get(url, headers=user.headers)).json()
            if seen["status"] == "declined":
                return int(seen["vote_count"])
        raise AssertionError("the request never showed as closed")

    close = client.patch(url, json={"status": "declined"}, headers=admin.headers)
    closed, count_at_close, *votes = await asyncio.gather(
        close,
        count_when_first_seen_closed(),
        *(client.post(f"{url}/vote", headers=v.headers) for v in voters),
    )
    assert closed.status_code == 200
    assert {r.status_code for r in votes} <= {200, 409}
    # Once anyone has seen the request closed, its count must not move.
    final = (await client.get(url, headers=user.headers)).json()
    assert final["vote_count"] == count_at_close
    assert final["vote_count"] == sum(r.status_code == 200 for r in votes)


async def test_concurrent_vote_and_unvote_pairs_keep_count_true(
    client: AsyncClient, make_actor: MakeActor, user: Actor
) -> None:
    fr = await create(client, user)
    voters = [await make_actor(Role.user) for _ in range(10)]
    for v in voters:
        await client.post(f"{URL}/{fr['id']}/vote", headers=v.headers)
    # Half withdraw twice, at once, while new voters arrive.
    newcomers = [await make_actor(Role.user) for _ in range(5)]
    calls = [client.delete(f"{URL}/{fr['id']}/vote", headers=v.headers) for v in voters[:5] * 2]
    calls += [client.post(f"{URL}/{fr['id']}/vote", headers=v.headers) for v in newcomers]
    await asyncio.gather(*calls)
    final = (await client.get(f"{URL}/{fr['id']}", headers=user.headers)).json()
    assert final["vote_count"] == 10


# --- rate limits -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "settings_overrides",
    [
        {
            "rate_limit_enabled": True,
            "rate_limit_feature_request": "2/minute",
            "rate_limit_vote": "2/minute",
        }
    ],
)
async def test_creation_and_voting_are_rate_limited_per_user(
    app: FastAPI, client: AsyncClient, user: Actor, other_user: Actor
) -> None:
    await get_rate_limiter(app).reset()
    titles = ["Dark mode", "Export to PDF", "Keyboard shortcuts"]
    codes = [
        (
            await client.post(URL, json={"title": t, "description": "x"}, headers=user.headers)
        ).status_code
        for t in titles
    ]
    assert codes == [201, 201, 429]
    # Another user has their own allowance.
    fr = await create(client, other_user, "Something else")
    votes = [
        (await client.post(f"{URL}/{fr['id']}/vote", headers=user.headers)).status_code
        for _ in range(3)
    ]
    assert votes == [200, 200, 429]


async def test_no_path_parameter_shares_a_name_with_the_problem_body(client: AsyncClient) -> None:
    # Problems carry `request_id` (the HTTP request's id); a path parameter of that name made
    # generated clients and readers confuse the two.
    doc = (await client.get("/openapi.json")).json()
    names = {
        param["name"]
        for path in doc["paths"].values()
        for op in path.values()
        for param in op.get("parameters", [])
        if param["in"] == "path"
    }
    assert "request_id" not in names
    assert "feature_request_id" in names
