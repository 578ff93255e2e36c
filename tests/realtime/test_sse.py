"""GET /api/notifications/sse over a real socket: auth, headers, filtering, resume, reset."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from tests.conftest import Actor, auth

STREAM_ROLES = {"anonymous": 401, "user": 200, "l1_approver": 200, "admin": 200}


async def promote(client: AsyncClient, admin: Actor, target: Actor, role: str) -> None:
    resp = await client.patch(f"/api/users/{target.id}", json={"role": role}, headers=admin.headers)
    assert resp.status_code == 200, resp.text


async def submit_blog(client: AsyncClient, author: Actor, title: str = "A post") -> int:
    resp = await client.post(
        "/api/blogs", json={"title": title, "content": "Hello", "tags": []}, headers=author.headers
    )
    assert resp.status_code == 201, resp.text
    return int(resp.json()["id"])


@pytest.mark.parametrize("role", list(STREAM_ROLES))
async def test_stream_role_matrix(open_sse, actors: dict, role: str) -> None:
    sse = await open_sse(headers=auth(actors[role]))
    assert sse.response.status_code == STREAM_ROLES[role]
    if STREAM_ROLES[role] == 200:
        assert (await sse.next_event()).event == "ready"
    else:
        await sse.response.aread()
        assert sse.response.headers["content-type"] == "application/problem+json"


async def test_stream_headers_and_retry_hint(open_sse, user: Actor, settings) -> None:
    sse = await open_sse(headers=user.headers)
    headers = sse.response.headers
    assert headers["content-type"].startswith("text/event-stream")
    assert headers["cache-control"] == "no-cache"
    assert headers["x-accel-buffering"] == "no"
    assert (await sse.next()).retry == settings.sse_retry_ms


@pytest.fixture
def settings_overrides() -> dict:
    return {"sse_heartbeat_seconds": 0.2}


async def test_idle_stream_sends_heartbeat_comments(open_sse, user: Actor) -> None:
    sse = await open_sse(headers=user.headers)
    await sse.next_event()  # ready
    assert (await sse.next(timeout=2)).comments == ["heartbeat"]


async def test_approver_receives_submitted_blog(
    open_sse, client: AsyncClient, approver: Actor, user: Actor
) -> None:
    sse = await open_sse(headers=approver.headers)
    await sse.next_event()
    blog_id = await submit_blog(client, user)
    msg = await sse.next_event()
    assert msg.event == "blog.submitted"
    assert msg.data["subject"] == {"kind": "blog", "id": blog_id}
    assert msg.id == msg.data["id"]
    assert "audience" not in msg.data


async def test_user_does_not_receive_other_users_events(
    open_sse, client: AsyncClient, admin: Actor, user: Actor, other_user: Actor
) -> None:
    sse = await open_sse(headers=user.headers)
    await sse.next_event()
    await submit_blog(client, other_user, "Bob's post")  # to reviewers and Bob only
    await promote(client, admin, other_user, "l1_approver")  # to admins and Bob only
    own_blog = await submit_blog(client, user, "Alice's post")
    msg = await sse.next_event()
    # The first thing Alice hears about is her own post: nothing of Bob's came before it.
    assert (msg.event, msg.data["subject"]["id"]) == ("blog.submitted", own_blog)


async def test_role_change_reaches_the_user_and_ends_their_stream(
    open_sse, client: AsyncClient, admin: Actor, user: Actor
) -> None:
    sse = await open_sse(headers=user.headers)
    await sse.next_event()
    await promote(client, admin, user, "l1_approver")
    msg = await sse.next_event()
    assert msg.event == "user.role_changed"
    assert msg.data["data"] == {"old_role": "user", "new_role": "l1_approver"}
    end = await sse.next_event()
    assert end.event == "reconnect"
    assert end.data == {"reason": "reauthenticate", "last_event_id": msg.id}


async def test_deactivation_reaches_the_user_and_ends_their_stream(
    open_sse, client: AsyncClient, admin: Actor, approver: Actor
) -> None:
    sse = await open_sse(headers=approver.headers)
    await sse.next_event()
    resp = await client.patch(
        f"/api/users/{approver.id}", json={"is_active": False}, headers=admin.headers
    )
    assert resp.status_code == 200
    msg = await sse.next_event()
    assert (msg.event, msg.data["subject"]) == (
        "user.deactivated",
        {"kind": "user", "id": approver.id},
    )
    end = await sse.next_event()
    assert end.data == {"reason": "deactivated", "last_event_id": msg.id}
    # The stream is over: no more review-queue events reach a deactivated reviewer.
    with pytest.raises((EOFError, httpx.ReadError)):
        await sse.next(timeout=2)


async def test_resume_with_last_event_id_replays_missed_events_once(
    open_sse, client: AsyncClient, approver: Actor, user: Actor
) -> None:
    first = await open_sse(headers=approver.headers)
    await first.next_event()
    await submit_blog(client, user, "one")
    seen = await first.next_event()
    await first.response.aclose()
    missed = [await submit_blog(client, user, f"missed {i}") for i in range(3)]
    resumed = await open_sse(headers=approver.headers | {"Last-Event-ID": seen.id})
    assert (await resumed.next_event()).event == "ready"
    replayed = [(await resumed.next_event()).data["subject"]["id"] for _ in missed]
    assert replayed == missed
    live = await submit_blog(client, user, "live")
    assert (await resumed.next_event()).data["subject"]["id"] == live


async def test_last_event_id_query_parameter_resumes_too(
    open_sse, client: AsyncClient, approver: Actor, user: Actor
) -> None:
    first = await open_sse(headers=approver.headers)
    await first.next_event()
    await submit_blog(client, user, "one")
    seen = await first.next_event()
    later = await submit_blog(client, user, "two")
    resumed = await open_sse(headers=approver.headers, params={"last_event_id": seen.id})
    await resumed.next_event()  # ready
    assert (await resumed.next_event()).data["subject"]["id"] == later


async def test_unknown_last_event_id_yields_reset(open_sse, approver: Actor) -> None:
    sse = await open_sse(headers=approver.headers | {"Last-Event-ID": "99999999999999-0"})
    msg = await sse.next_event()
    assert msg.event == "reset"
    assert msg.data["reason"] == "history_gone"
    assert msg.id == msg.data["last_event_id"]


@pytest.mark.parametrize("bad", ["abc", "1-2-3", "-1", "1" * 50])
async def test_malformed_last_event_id_is_422(client: AsyncClient, user: Actor, bad: str) -> None:
    resp = await client.get("/api/notifications/sse", headers=user.headers | {"Last-Event-ID": bad})
    assert resp.status_code == 422
    assert resp.json()["title"] == "Invalid event id"


@pytest.mark.parametrize("bad", ["\u0661\u0667" + "\u0660" * 11 + "-\u0660", "\uff11-0"])
async def test_last_event_id_of_non_ascii_digits_is_422(
    client: AsyncClient, user: Actor, bad: str
) -> None:
    # Python's `\d` and `int()` read Arabic-Indic and fullwidth digits; a stream id is ASCII.
    resp = await client.get(
        "/api/notifications/sse", headers=user.headers, params={"last_event_id": bad}
    )
    assert resp.status_code == 422
    assert resp.json()["title"] == "Invalid event id"


async def test_disconnect_frees_the_subscription(open_sse, app: FastAPI, user: Actor) -> None:
    hub = app.state.realtime.hub
    sse = await open_sse(headers=user.headers)
    await sse.next_event()
    assert hub.subscriber_count == 1
    await sse.response.aclose()
    for _ in range(100):
        if hub.subscriber_count == 0:
            break
        await asyncio.sleep(0.01)
    assert hub.subscriber_count == 0


async def test_hub_shutdown_ends_streams_with_reconnect_hint(
    open_sse, app: FastAPI, user: Actor
) -> None:
    sse = await open_sse(headers=user.headers)
    ready = await sse.next_event()
    app.state.realtime.hub.close_all("shutdown")
    msg = await sse.next_event()
    assert msg.event == "reconnect"
    assert msg.data == {"reason": "shutdown", "last_event_id": ready.id}
    with pytest.raises((EOFError, httpx.ReadError)):
        await sse.next(timeout=2)


# --- tickets ---------------------------------------------------------------------------------


async def test_ticket_opens_the_stream_once(open_sse, client: AsyncClient, user: Actor) -> None:
    resp = await client.post(
        "/api/notifications/ticket", json={"purpose": "sse"}, headers=user.headers
    )
    ticket = resp.json()["ticket"]
    sse = await open_sse(params={"ticket": ticket})
    assert sse.response.status_code == 200
    assert (await sse.next_event()).event == "ready"
    again = await client.get("/api/notifications/sse", params={"ticket": ticket})
    assert again.status_code == 401


async def test_ticket_sent_beside_a_bearer_token_is_spent(
    open_sse, client: AsyncClient, user: Actor
) -> None:
    # The bearer token authenticates; the ticket in the same URL must not stay usable (it is
    # in the URL, so in logs and history: single use means used by this request).
    resp = await client.post(
        "/api/notifications/ticket", json={"purpose": "sse"}, headers=user.headers
    )
    ticket = resp.json()["ticket"]
    sse = await open_sse(headers=user.headers, params={"ticket": ticket})
    assert sse.response.status_code == 200
    assert (await sse.next_event()).event == "ready"
    again = await open_sse(params={"ticket": ticket})
    assert again.response.status_code == 401


async def test_ws_ticket_is_refused_for_sse(client: AsyncClient, user: Actor) -> None:
    resp = await client.post(
        "/api/notifications/ticket", json={"purpose": "ws"}, headers=user.headers
    )
    ticket = resp.json()["ticket"]
    assert (
        await client.get("/api/notifications/sse", params={"ticket": ticket})
    ).status_code == 401


async def test_forged_ticket_is_401(client: AsyncClient) -> None:
    resp = await client.get("/api/notifications/sse", params={"ticket": "not-a-ticket"})
    assert resp.status_code == 401
    assert resp.headers["content-type"] == "application/problem+json"


async def test_ticket_of_deactivated_user_is_401(
    client: AsyncClient, admin: Actor, user: Actor
) -> None:
    resp = await client.post("/api/notifications/ticket", json={}, headers=user.headers)
    ticket = resp.json()["ticket"]
    await client.patch(f"/api/users/{user.id}", json={"is_active": False}, headers=admin.headers)
    assert (
        await client.get("/api/notifications/sse", params={"ticket": ticket})
    ).status_code == 401
