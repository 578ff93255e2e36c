"""The review workflow: approve, reject, resubmit; 409/412; self-review; races; events."""

from __future__ import annotations

import asyncio

from httpx import AsyncClient

from blog_api.realtime.models import OutboxEvent
from tests.blogs.conftest import CreatePost
from tests.conftest import Actor


async def test_approval_publishes_the_post(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    post = await create_post(user)
    resp = await client.post(f"/api/blogs/{post['id']}/approve", headers=approver.headers)
    assert resp.status_code == 200
    body = resp.json()
    assert body["status"] == "approved"
    assert body["reviewed_by"] == {"id": approver.id, "username": "carol"}
    assert body["published_at"] is not None
    assert (await client.get(f"/api/blogs/{post['id']}")).status_code == 200


async def test_rejection_needs_a_reason(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    post = await create_post(user)
    url = f"/api/blogs/{post['id']}/reject"
    assert (await client.post(url, headers=approver.headers)).status_code == 422
    for reason in ("   ", "nul\u0000"):
        resp = await client.post(url, json={"reason": reason}, headers=approver.headers)
        assert resp.status_code == 422
    resp = await client.post(url, json={"reason": "Cite sources"}, headers=approver.headers)
    assert resp.status_code == 200
    assert resp.json()["status"] == "rejected"
    assert resp.json()["rejection_reason"] == "Cite sources"


async def test_decisions_only_from_pending(
    client: AsyncClient, user: Actor, approver: Actor, admin: Actor, create_post: CreatePost
) -> None:
    approved = await create_post(user, status="approved", reviewer=approver)
    rejected = await create_post(user, status="rejected", reviewer=approver)
    for post in (approved, rejected):
        for action in ("approve", "reject"):
            resp = await client.post(
                f"/api/blogs/{post['id']}/{action}",
                json={"reason": "x"} if action == "reject" else None,
                headers=admin.headers,
            )
            assert resp.status_code == 409
            assert resp.json()["title"] == "Not allowed in the current status"


async def test_reviewer_cannot_review_own_post(
    client: AsyncClient, approver: Actor, admin: Actor, create_post: CreatePost
) -> None:
    for reviewer in (approver, admin):
        post = await create_post(reviewer)
        for action in ("approve", "reject"):
            resp = await client.post(
                f"/api/blogs/{post['id']}/{action}",
                json={"reason": "x"} if action == "reject" else None,
                headers=reviewer.headers,
            )
            assert resp.status_code == 403
            assert resp.json()["type"].endswith("/self-review")


async def test_rejected_post_is_resubmitted_by_editing(
    client: AsyncClient, user: Actor, approver: Actor, admin: Actor, create_post: CreatePost
) -> None:
    post = await create_post(user, status="rejected", reviewer=approver)
    resp = await client.put(
        f"/api/blogs/{post['id']}",
        json={"title": "Better", "content": "Now with sources"},
        headers=user.headers,
    )
    assert resp.status_code == 200
    assert resp.json()["status"] == "pending"
    assert resp.json()["rejection_reason"] is None
    assert resp.json()["submitted_at"] > post["submitted_at"]
    assert (
        await client.post(f"/api/blogs/{post['id']}/approve", headers=admin.headers)
    ).status_code == 200
    trail = (await client.get(f"/api/blogs/{post['id']}/reviews", headers=user.headers)).json()
    assert [(r["decision"], r["reason"]) for r in trail["items"]] == [
        ("rejected", "needs work"),
        ("approved", None),
    ]
    assert [r["reviewer"]["id"] for r in trail["items"]] == [approver.id, admin.id]


async def test_approved_post_cannot_be_put(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    post = await create_post(user, status="approved", reviewer=approver)
    resp = await client.put(
        f"/api/blogs/{post['id']}", json={"title": "T", "content": "x"}, headers=user.headers
    )
    assert resp.status_code == 409
    assert "revisions" in resp.json()["detail"]


async def test_stale_if_match_is_412(
    client: AsyncClient, user: Actor, create_post: CreatePost
) -> None:
    post = await create_post(user)
    etag = (await client.get(f"/api/blogs/{post['id']}", headers=user.headers)).headers["ETag"]
    first = await client.put(
        f"/api/blogs/{post['id']}",
        json={"title": "Tab one", "content": "x"},
        headers={**user.headers, "If-Match": etag},
    )
    assert first.status_code == 200
    second = await client.put(
        f"/api/blogs/{post['id']}",
        json={"title": "Tab two", "content": "y"},
        headers={**user.headers, "If-Match": etag},
    )
    assert second.status_code == 412
    current = (await client.get(f"/api/blogs/{post['id']}", headers=user.headers)).json()
    assert current["title"] == "Tab one"


async def test_if_match_star_and_current_etag_succeed(
    client: AsyncClient, user: Actor, create_post: CreatePost
) -> None:
    post = await create_post(user)
    url = f"/api/blogs/{post['id']}"
    body = {"title": "T", "content": "x"}
    star = await client.put(url, json=body, headers={**user.headers, "If-Match": "*"})
    assert star.status_code == 200
    listed = f'"other", {star.headers["ETag"]}'
    resp = await client.put(url, json=body, headers={**user.headers, "If-Match": listed})
    assert resp.status_code == 200


async def test_concurrent_double_approval_has_one_winner(
    client: AsyncClient, user: Actor, approver: Actor, admin: Actor, create_post: CreatePost
) -> None:
    post = await create_post(user)
    url = f"/api/blogs/{post['id']}/approve"
    results = await asyncio.gather(
        client.post(url, headers=approver.headers), client.post(url, headers=admin.headers)
    )
    assert sorted(r.status_code for r in results) == [200, 409]
    trail = (await client.get(f"/api/blogs/{post['id']}/reviews", headers=user.headers)).json()
    assert len(trail["items"]) == 1
    assert await OutboxEvent.filter(type="blog.approved", subject_id=post["id"]).count() == 1


async def test_concurrent_approve_and_reject_have_one_winner(
    client: AsyncClient, user: Actor, approver: Actor, admin: Actor, create_post: CreatePost
) -> None:
    post = await create_post(user)
    results = await asyncio.gather(
        client.post(f"/api/blogs/{post['id']}/approve", headers=approver.headers),
        client.post(
            f"/api/blogs/{post['id']}/reject", json={"reason": "no"}, headers=admin.headers
        ),
    )
    assert sorted(r.status_code for r in results) == [200, 409]
    winner = next(r for r in results if r.status_code == 200).json()
    current = (await client.get(f"/api/blogs/{post['id']}", headers=user.headers)).json()
    assert current["status"] == winner["status"]


async def test_concurrent_edits_with_same_etag_lose_nothing_silently(
    client: AsyncClient, user: Actor, create_post: CreatePost
) -> None:
    post = await create_post(user)
    etag = f'"{post["id"]}.{post["version"]}"'
    results = await asyncio.gather(
        *(
            client.put(
                f"/api/blogs/{post['id']}",
                json={"title": f"Edit {i}", "content": "x"},
                headers={**user.headers, "If-Match": etag},
            )
            for i in range(2)
        )
    )
    assert sorted(r.status_code for r in results) == [200, 412]


async def test_edit_racing_an_approval_cannot_slip_in(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    post = await create_post(user, content="original")
    edit, approval = await asyncio.gather(
        client.put(
            f"/api/blogs/{post['id']}",
            json={"title": "Sneaky", "content": "changed"},
            headers=user.headers,
        ),
        client.post(f"/api/blogs/{post['id']}/approve", headers=approver.headers),
    )
    current = (await client.get(f"/api/blogs/{post['id']}", headers=user.headers)).json()
    if approval.status_code == 200 and edit.status_code == 200:
        # The edit went first; the approval then saw (and approved) the edited text.
        assert current["content"] == "changed"
        assert current["status"] == "approved"
    else:
        assert {edit.status_code, approval.status_code} == {200, 409}
        if approval.status_code == 200:
            assert current["content"] == "original"


async def test_events_follow_the_workflow(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    post = await create_post(user, content="private draft text")
    await client.post(
        f"/api/blogs/{post['id']}/reject", json={"reason": "r"}, headers=approver.headers
    )
    await client.put(
        f"/api/blogs/{post['id']}", json={"title": "Again", "content": "x"}, headers=user.headers
    )
    await client.put(
        f"/api/blogs/{post['id']}", json={"title": "Again 2", "content": "x"}, headers=user.headers
    )
    await client.post(f"/api/blogs/{post['id']}/approve", headers=approver.headers)
    await client.delete(f"/api/blogs/{post['id']}", headers=user.headers)
    events = await OutboxEvent.filter(subject_kind="blog", subject_id=post["id"]).order_by("id")
    assert [e.type for e in events] == [
        "blog.submitted",
        "blog.rejected",
        "blog.submitted",
        "blog.updated",
        "blog.approved",
        "blog.deleted",
    ]
    reviewers = ["admin", "l1_approver"]
    for event in events:
        assert event.audience["roles"] == reviewers
        assert user.id in event.audience["user_ids"]
        assert "content" not in event.data
        assert "title" in event.data
    public = {e.type: e.audience["public"] for e in events}
    assert public == {
        "blog.submitted": False,
        "blog.rejected": False,
        "blog.updated": False,
        "blog.approved": True,
        "blog.deleted": True,
    }
    assert events[0].actor_id == user.id
    assert events[1].actor_id == approver.id
    assert events[1].data == {"title": post["title"], "status": "rejected", "reason": "r"}


async def test_deleting_a_pending_post_is_not_public_news(
    client: AsyncClient, user: Actor, create_post: CreatePost
) -> None:
    post = await create_post(user)
    await client.delete(f"/api/blogs/{post['id']}", headers=user.headers)
    event = await OutboxEvent.get(type="blog.deleted", subject_id=post["id"])
    assert event.audience["public"] is False


async def test_failed_transition_records_no_event(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    post = await create_post(user, status="approved", reviewer=approver)
    before = await OutboxEvent.all().count()
    await client.post(f"/api/blogs/{post['id']}/approve", headers=approver.headers)
    assert await OutboxEvent.all().count() == before


async def test_reviewer_with_if_match_never_approves_an_unseen_edit(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    post = await create_post(user, content="what the reviewer read")
    seen = (await client.get(f"/api/blogs/{post['id']}", headers=approver.headers)).headers["ETag"]
    await client.put(
        f"/api/blogs/{post['id']}",
        json={"title": "T", "content": "a later edit"},
        headers=user.headers,
    )
    for action in ("approve", "reject"):
        resp = await client.post(
            f"/api/blogs/{post['id']}/{action}",
            json={"reason": "x"} if action == "reject" else None,
            headers={**approver.headers, "If-Match": seen},
        )
        assert resp.status_code == 412
    current = await client.get(f"/api/blogs/{post['id']}", headers=approver.headers)
    assert current.json()["status"] == "pending"
    resp = await client.post(
        f"/api/blogs/{post['id']}/approve",
        headers={**approver.headers, "If-Match": current.headers["ETag"]},
    )
    assert resp.status_code == 200
