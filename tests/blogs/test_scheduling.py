"""Scheduled publishing: approve with `publish_at`, change it, and the scheduler publishes on time.

In process (one app); tests/blogs/test_scheduling_workers.py proves exactly-once and on-time
publication with two real workers.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient

from blog_api.blogs.models import Blog
from blog_api.realtime.models import OutboxEvent
from tests.blogs.conftest import CreatePost
from tests.conftest import Actor


def _in(seconds: float) -> str:
    return (datetime.now(timezone.utc) + timedelta(seconds=seconds)).isoformat()


async def _schedule(
    client: AsyncClient, post: dict[str, Any], reviewer: Actor, seconds: float
) -> dict[str, Any]:
    resp = await client.post(
        f"/api/blogs/{post['id']}/approve",
        json={"publish_at": _in(seconds)},
        headers=reviewer.headers,
    )
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def _wait_public(client: AsyncClient, blog_id: int, timeout: float = 10.0) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        resp = await client.get(f"/api/blogs/{blog_id}")
        if resp.status_code == 200:
            body: dict[str, Any] = resp.json()
            return body
        await asyncio.sleep(0.05)
    raise AssertionError(f"post {blog_id} was not published within {timeout}s")


async def test_scheduled_approval_is_not_public_until_its_time(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    post = await create_post(user, tags=["soon"])
    # Far enough ahead that a loaded CI machine still gets the approval in before the time
    # (1 s was not: the approval itself took longer and was refused as a past time).
    body = await _schedule(client, post, approver, 3.0)
    assert body["status"] == "scheduled"
    assert body["published_at"] is None
    publish_at = datetime.fromisoformat(body["publish_at"])
    assert (await client.get(f"/api/blogs/{post['id']}")).status_code == 404
    assert (await client.get("/api/blogs")).json()["items"] == []
    assert (await client.get("/api/blogs?tag=soon")).json()["items"] == []
    # The author sees it, with its schedule.
    own = await client.get(f"/api/blogs/{post['id']}", headers=user.headers)
    assert own.status_code == 200
    assert own.json()["publish_at"] == body["publish_at"]

    live = await _wait_public(client, post["id"])
    assert live["status"] == "approved"
    published_at = datetime.fromisoformat(live["published_at"])
    assert timedelta(0) <= published_at - publish_at < timedelta(seconds=1)
    assert [p["id"] for p in (await client.get("/api/blogs?tag=soon")).json()["items"]] == [
        post["id"]
    ]


async def test_publication_records_one_public_event(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    post = await create_post(user, tags=["x"])
    await _schedule(client, post, approver, 2.0)
    approved = await OutboxEvent.get(type="blog.approved", subject_id=post["id"])
    assert approved.audience["public"] is False  # not public news before its time
    assert approved.data["status"] == "scheduled"
    await _wait_public(client, post["id"])
    await asyncio.sleep(0.3)
    events = await OutboxEvent.filter(type="blog.published", subject_id=post["id"])
    assert len(events) == 1
    event = events[0]
    assert event.actor_id is None
    assert event.audience["public"] is True
    assert event.data["tags"] == ["x"]
    assert event.data["author_id"] == user.id


async def test_publish_at_must_be_future_and_timezone_aware(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    post = await create_post(user)
    url = f"/api/blogs/{post['id']}/approve"
    past = await client.post(url, json={"publish_at": _in(-60)}, headers=approver.headers)
    assert past.status_code == 422
    assert past.json()["type"].endswith("/publish-at-not-future")
    naive = (datetime.now(timezone.utc) + timedelta(hours=1)).replace(tzinfo=None).isoformat()
    resp = await client.post(url, json={"publish_at": naive}, headers=approver.headers)
    assert resp.status_code == 422
    resp = await client.post(url, json={"publish_at": _in(60), "x": 1}, headers=approver.headers)
    assert resp.status_code == 422
    # Still pending: nothing was decided.
    assert (await client.get(f"/api/blogs/{post['id']}", headers=user.headers)).json()[
        "status"
    ] == "pending"


async def test_author_and_reviewers_change_the_schedule(
    client: AsyncClient,
    user: Actor,
    other_user: Actor,
    approver: Actor,
    admin: Actor,
    create_post: CreatePost,
) -> None:
    post = await create_post(user)
    await _schedule(client, post, approver, 3600)
    url = f"/api/blogs/{post['id']}/schedule"
    for actor in (user, approver, admin):
        target = _in(7200)
        resp = await client.put(url, json={"publish_at": target}, headers=actor.headers)
        assert resp.status_code == 200, resp.text
        assert datetime.fromisoformat(resp.json()["publish_at"]) == datetime.fromisoformat(target)
    # Another user cannot even see it.
    resp = await client.put(url, json={"publish_at": _in(60)}, headers=other_user.headers)
    assert resp.status_code == 404
    assert (await client.put(url, json={"publish_at": _in(60)})).status_code == 401
    resp = await client.put(url, json={"publish_at": _in(-1)}, headers=user.headers)
    assert resp.status_code == 422
    events = await OutboxEvent.filter(type="blog.rescheduled", subject_id=post["id"]).count()
    assert events == 3


async def test_only_scheduled_posts_have_a_schedule(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    pending = await create_post(user)
    live = await create_post(user, status="approved", reviewer=approver)
    for post in (pending, live):
        resp = await client.put(
            f"/api/blogs/{post['id']}/schedule",
            json={"publish_at": _in(60)},
            headers=approver.headers,
        )
        assert resp.status_code == 409


async def test_moving_the_schedule_earlier_publishes_then(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    post = await create_post(user)
    await _schedule(client, post, approver, 3600)
    resp = await client.put(
        f"/api/blogs/{post['id']}/schedule", json={"publish_at": _in(0.5)}, headers=user.headers
    )
    assert resp.status_code == 200
    # Well before the scheduler's poll interval: the change woke it.
    await _wait_public(client, post["id"], timeout=3.0)


async def test_scheduled_post_cannot_be_edited(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    post = await create_post(user)
    await _schedule(client, post, approver, 3600)
    resp = await client.put(
        f"/api/blogs/{post['id']}", json={"title": "New", "content": "x"}, headers=user.headers
    )
    assert resp.status_code == 409


async def test_approvers_list_scheduled_posts(
    client: AsyncClient,
    user: Actor,
    other_user: Actor,
    approver: Actor,
    create_post: CreatePost,
) -> None:
    scheduled = await create_post(user)
    await _schedule(client, scheduled, approver, 3600)
    await create_post(user)  # pending
    resp = await client.get("/api/blogs?status=scheduled", headers=approver.headers)
    assert resp.status_code == 200
    items = resp.json()["items"]
    assert [p["id"] for p in items] == [scheduled["id"]]
    assert items[0]["publish_at"] is not None
    assert (
        await client.get("/api/blogs?status=scheduled", headers=other_user.headers)
    ).status_code == 403
    mine = await client.get("/api/blogs?mine=true&status=scheduled", headers=user.headers)
    assert [p["id"] for p in mine.json()["items"]] == [scheduled["id"]]


async def test_scheduled_posts_are_listed_soonest_first_across_pages(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    # Created in one order, due in another; two are due at the same moment.
    hours = [3, 1, 2, 1, 4]
    same = {h: _in(h * 3600) for h in set(hours)}
    posts = [await create_post(user) for _ in hours]
    for post, h in zip(posts, hours, strict=True):
        resp = await client.post(
            f"/api/blogs/{post['id']}/approve",
            json={"publish_at": same[h]},
            headers=approver.headers,
        )
        assert resp.status_code == 200, resp.text
    expected = [p["id"] for _, p in sorted(zip(hours, posts, strict=True), key=lambda x: x[0])]
    assert expected == [
        posts[1]["id"],
        posts[3]["id"],
        posts[2]["id"],
        posts[0]["id"],
        posts[4]["id"],
    ]

    seen: list[int] = []
    cursor = None
    while True:
        resp = await client.get(
            "/api/blogs",
            params={"status": "scheduled", "limit": 2, **({"cursor": cursor} if cursor else {})},
            headers=approver.headers,
        )
        assert resp.status_code == 200, resp.text
        page = resp.json()
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == expected
    mine = await client.get(
        "/api/blogs", params={"mine": "true", "status": "scheduled"}, headers=user.headers
    )
    assert [p["id"] for p in mine.json()["items"]] == expected


async def test_overdue_posts_publish_at_once(
    app: FastAPI, client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    post = await create_post(user)
    await _schedule(client, post, approver, 3600)
    # As if every worker had been down past its time: the due time is long gone.
    await Blog.filter(id=post["id"]).update(
        publish_at=datetime.now(timezone.utc) - timedelta(hours=2)
    )
    app.state.publication_scheduler.wake()  # what a starting worker's first look does
    live = await _wait_public(client, post["id"], timeout=2.0)
    assert live["status"] == "approved"
