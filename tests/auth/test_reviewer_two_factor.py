"""REQUIRE_2FA_FOR_REVIEWERS over HTTP: a reviewer or admin without two-factor has the powers
of a plain user on every route (not only on reviewer routes), and all of them once enrolled."""

from __future__ import annotations

import time
from typing import Any

import pyotp
import pytest
from httpx import AsyncClient

from blog_api.users.models import Role
from tests.conftest import PASSWORD, Actor, MakeActor
from tests.media.images import image_bytes


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"require_2fa_for_reviewers": True}


async def enrol(client: AsyncClient, actor: Actor | dict[str, str]) -> str:
    """Turn two-factor on for `actor` (their access token stays valid); the TOTP secret.

    The current step's code is spent: the next one accepted is the next step's.
    """
    headers = actor if isinstance(actor, dict) else actor.headers
    enrolment = await client.post("/api/auth/2fa/totp/enrol", headers=headers)
    assert enrolment.status_code == 201, enrolment.text
    secret = str(enrolment.json()["secret"])
    confirmed = await client.post(
        "/api/auth/2fa/totp/confirm", json={"code": pyotp.TOTP(secret).now()}, headers=headers
    )
    assert confirmed.status_code == 200, confirmed.text
    return secret


@pytest.fixture
async def enrolled_approver(client: AsyncClient, make_actor: MakeActor) -> Actor:
    """An approver with two-factor on, to put posts in the states the tests need."""
    actor = await make_actor(Role.l1_approver, "erin")
    await enrol(client, actor)
    return actor


async def submit(client: AsyncClient, author: Actor, title: str = "Pending") -> dict[str, Any]:
    resp = await client.post(
        "/api/blogs", json={"title": title, "content": "Body"}, headers=author.headers
    )
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


async def approved(client: AsyncClient, author: Actor, reviewer: Actor) -> dict[str, Any]:
    post = await submit(client, author)
    resp = await client.post(f"/api/blogs/{post['id']}/approve", headers=reviewer.headers)
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


# --- reviewer powers checked in services --------------------------------------------------------


async def test_the_review_queue_needs_two_factor(
    client: AsyncClient, approver: Actor, user: Actor
) -> None:
    await submit(client, user)
    queue = "/api/blogs?status=pending"
    assert (await client.get(queue, headers=approver.headers)).status_code == 403
    await enrol(client, approver)
    resp = await client.get(queue, headers=approver.headers)
    assert resp.status_code == 200
    assert [p["title"] for p in resp.json()["items"]] == ["Pending"]


@pytest.mark.parametrize("path", ["/api/blogs/{id}", "/api/blogs/by-slug/{slug}"])
async def test_someone_elses_pending_post_needs_two_factor(
    client: AsyncClient, approver: Actor, user: Actor, path: str
) -> None:
    post = await submit(client, user)
    url = path.format(**post)
    assert (await client.get(url, headers=approver.headers)).status_code == 404
    await enrol(client, approver)
    assert (await client.get(url, headers=approver.headers)).status_code == 200


async def test_a_pending_proposal_and_the_review_history_need_two_factor(
    client: AsyncClient, approver: Actor, enrolled_approver: Actor, user: Actor
) -> None:
    post = await approved(client, user, enrolled_approver)
    proposal = await client.post(
        f"/api/blogs/{post['id']}/revisions",
        json={"title": "Better", "content": "Better text"},
        headers=user.headers,
    )
    assert proposal.status_code == 201, proposal.text
    revisions = f"/api/blogs/{post['id']}/revisions"
    listed = await client.get(revisions, headers=approver.headers)
    assert proposal.json()["id"] not in [r["id"] for r in listed.json()["items"]]
    one = f"{revisions}/{proposal.json()['id']}"
    assert (await client.get(one, headers=approver.headers)).status_code == 404
    await enrol(client, approver)
    listed = await client.get(revisions, headers=approver.headers)
    assert proposal.json()["id"] in [r["id"] for r in listed.json()["items"]]
    assert (await client.get(one, headers=approver.headers)).status_code == 200


async def test_rescheduling_someone_elses_post_needs_two_factor(
    client: AsyncClient, approver: Actor, enrolled_approver: Actor, user: Actor
) -> None:
    post = await submit(client, user)
    resp = await client.post(
        f"/api/blogs/{post['id']}/approve",
        json={"publish_at": "2099-01-01T09:00:00Z"},
        headers=enrolled_approver.headers,
    )
    assert resp.status_code == 200, resp.text
    url, body = f"/api/blogs/{post['id']}/schedule", {"publish_at": "2098-01-01T09:00:00Z"}
    assert (await client.put(url, json=body, headers=approver.headers)).status_code == 404
    await enrol(client, approver)
    resp = await client.put(url, json=body, headers=approver.headers)
    assert resp.status_code == 200, resp.text
    assert resp.json()["publish_at"].startswith("2098-01-01")


async def test_deleting_someone_elses_comment_needs_two_factor(
    client: AsyncClient, approver: Actor, enrolled_approver: Actor, user: Actor
) -> None:
    post = await approved(client, user, enrolled_approver)
    comment = await client.post(
        f"/api/blogs/{post['id']}/comments", json={"body": "first"}, headers=user.headers
    )
    url = f"/api/comments/{comment.json()['id']}"
    assert (await client.delete(url, headers=approver.headers)).status_code == 403
    await enrol(client, approver)
    assert (await client.delete(url, headers=approver.headers)).status_code == 204


async def test_deleting_someone_elses_post_needs_two_factor(
    client: AsyncClient, admin: Actor, user: Actor
) -> None:
    post = await submit(client, user)
    url = f"/api/blogs/{post['id']}"
    assert (await client.delete(url, headers=admin.headers)).status_code == 404
    await enrol(client, admin)
    assert (await client.delete(url, headers=admin.headers)).status_code == 204


async def test_triaging_a_feature_request_needs_two_factor(
    client: AsyncClient, admin: Actor, user: Actor
) -> None:
    created = await client.post(
        "/api/feature-requests",
        json={"title": "Dark mode", "description": "Please."},
        headers=user.headers,
    )
    url, body = f"/api/feature-requests/{created.json()['id']}", {"status": "accepted"}
    assert (await client.patch(url, json=body, headers=admin.headers)).status_code == 403
    await enrol(client, admin)
    resp = await client.patch(url, json=body, headers=admin.headers)
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "accepted"


async def test_someone_elses_image_needs_two_factor(
    client: AsyncClient, admin: Actor, user: Actor
) -> None:
    uploaded = await client.post(
        "/api/media",
        files={"file": ("x.png", image_bytes("PNG"), "image/png")},
        headers=user.headers,
    )
    assert uploaded.status_code == 201, uploaded.text
    url = f"/api/media/{uploaded.json()['id']}"
    assert (await client.get(url, headers=admin.headers)).status_code == 404
    await enrol(client, admin)
    assert (await client.get(url, headers=admin.headers)).status_code == 200


# --- the notification list ---------------------------------------------------------------------


async def test_review_notifications_need_two_factor(
    client: AsyncClient, approver: Actor, user: Actor
) -> None:
    await submit(client, user)
    listed = await client.get("/api/notifications", headers=approver.headers)
    assert listed.json()["items"] == []
    count = await client.get("/api/notifications/unread-count", headers=approver.headers)
    assert count.json() == {"unread": 0}
    await enrol(client, approver)
    listed = await client.get("/api/notifications", headers=approver.headers)
    assert [n["type"] for n in listed.json()["items"]] == ["blog.submitted"]
    count = await client.get("/api/notifications/unread-count", headers=approver.headers)
    assert count.json() == {"unread": 1}


async def test_a_review_notification_cannot_be_marked_without_two_factor(
    client: AsyncClient, approver: Actor, user: Actor
) -> None:
    await submit(client, user)
    secret = await enrol(client, approver)
    listed = await client.get("/api/notifications", headers=approver.headers)
    url = f"/api/notifications/{listed.json()['items'][0]['id']}"
    next_code = pyotp.TOTP(secret).at(time.time() + 30)  # the confirmation spent this step's
    resp = await client.post(
        "/api/auth/2fa/totp/disable", json={"code": next_code}, headers=approver.headers
    )
    assert resp.status_code == 204, resp.text
    assert (
        await client.patch(url, json={"read": True}, headers=approver.headers)
    ).status_code == 404
    marked = await client.post("/api/notifications/read", json={}, headers=approver.headers)
    assert marked.json() == {"updated": 0}


async def test_notifications_addressed_to_the_reviewer_personally_stay_listed(
    client: AsyncClient, approver: Actor, enrolled_approver: Actor
) -> None:
    # The approver's own post: its approval is addressed to them as its author.
    post = await submit(client, approver, "Mine")
    resp = await client.post(f"/api/blogs/{post['id']}/approve", headers=enrolled_approver.headers)
    assert resp.status_code == 200, resp.text
    listed = await client.get("/api/notifications", headers=approver.headers)
    assert [n["type"] for n in listed.json()["items"]] == ["blog.approved"]
    count = await client.get("/api/notifications/unread-count", headers=approver.headers)
    assert count.json() == {"unread": 1}


async def test_the_notification_list_pages_past_hidden_ones(
    client: AsyncClient, approver: Actor, enrolled_approver: Actor, user: Actor
) -> None:
    for n in range(3):
        await submit(client, user, f"Queue {n}")  # to reviewers: hidden from the approver
        post = await submit(client, approver, f"Mine {n}")
        resp = await client.post(
            f"/api/blogs/{post['id']}/approve", headers=enrolled_approver.headers
        )
        assert resp.status_code == 200, resp.text
    seen: list[int] = []
    cursor: str | None = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = await client.get("/api/notifications", params=params, headers=approver.headers)
        body = page.json()
        assert all(n["type"] == "blog.approved" for n in body["items"])
        seen += [n["subject"]["id"] for n in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 3 == len(set(seen))


# --- what stays as it was -----------------------------------------------------------------------


async def test_role_routes_still_say_two_factor_is_required(
    client: AsyncClient, approver: Actor, user: Actor
) -> None:
    post = await submit(client, user)
    resp = await client.post(f"/api/blogs/{post['id']}/approve", headers=approver.headers)
    assert resp.status_code == 403
    assert resp.json()["type"].endswith("/second-factor-enrolment-required")


async def test_an_approver_on_an_admin_route_gets_the_role_error(
    client: AsyncClient, approver: Actor
) -> None:
    resp = await client.get("/api/users", headers=approver.headers)
    assert resp.status_code == 403
    assert resp.json()["type"].endswith("/forbidden")


async def test_me_shows_the_accounts_role(client: AsyncClient, admin: Actor) -> None:
    body = (await client.get("/api/auth/me", headers=admin.headers)).json()
    assert (body["role"], body["totp_enabled"]) == ("admin", False)


async def test_changing_the_email_keeps_the_role(client: AsyncClient, admin: Actor) -> None:
    resp = await client.put(
        "/api/auth/me/email",
        json={"email": "dave.new@example.com", "password": PASSWORD},
        headers=admin.headers,
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["role"] == "admin"
    await enrol(client, admin)
    assert (await client.get("/api/users", headers=admin.headers)).status_code == 200


async def test_a_new_admin_logs_in_enrols_then_logs_in_in_two_steps(
    client: AsyncClient, make_actor: MakeActor
) -> None:
    """The `blog-api create-admin` flow (docs/auth-for-spa.md)."""
    await make_actor(Role.admin, "root")  # what the command makes: an admin, two-factor off
    credentials = {"email": "root@example.com", "password": PASSWORD}
    tokens = (await client.post("/api/auth/login", json=credentials)).json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert (await client.get("/api/users", headers=headers)).status_code == 403
    await enrol(client, headers)
    assert (await client.get("/api/users", headers=headers)).status_code == 200
    again = (await client.post("/api/auth/login", json=credentials)).json()
    assert again["second_factor_required"] is True
