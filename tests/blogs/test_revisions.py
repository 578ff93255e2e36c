"""Revisions of live posts: proposals leave the live text alone until approved; history; diff."""

from __future__ import annotations

import asyncio
from typing import Any

from httpx import AsyncClient

from blog_api.realtime.models import OutboxEvent
from tests.blogs.conftest import CreatePost
from tests.blogs.test_posts import upload
from tests.conftest import Actor


async def propose(client: AsyncClient, post: dict, actor: Actor, **body: Any) -> Any:
    payload = {"title": "Second title", "content": "line one\nline two changed\n"} | body
    return await client.post(
        f"/api/blogs/{post['id']}/revisions", json=payload, headers=actor.headers
    )


async def live_post(
    client: AsyncClient, create_post: CreatePost, user: Actor, approver: Actor
) -> dict:
    return await create_post(
        user,
        status="approved",
        reviewer=approver,
        title="First title",
        content="line one\nline two\n",
        tags=["old"],
    )


async def test_live_text_unchanged_until_revision_is_approved(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    post = await live_post(client, create_post, user, approver)
    resp = await propose(client, post, user, tags=["new"])
    assert resp.status_code == 201
    revision = resp.json()
    assert revision["status"] == "pending"
    assert revision["number"] is None
    assert resp.headers["Location"] == f"/api/blogs/{post['id']}/revisions/{revision['id']}"

    public = (await client.get(f"/api/blogs/{post['id']}")).json()
    assert (public["title"], public["content"], public["tags"]) == (
        "First title",
        "line one\nline two\n",
        ["old"],
    )

    approved = await client.post(
        f"/api/blogs/{post['id']}/revisions/{revision['id']}/approve", headers=approver.headers
    )
    assert approved.status_code == 200
    assert (approved.json()["status"], approved.json()["number"]) == ("approved", 2)

    public = (await client.get(f"/api/blogs/{post['id']}")).json()
    assert public["title"] == "Second title"
    assert public["content_html"] == "<p>line one\nline two changed</p>\n"
    assert public["tags"] == ["new"]
    assert public["slug"] == post["slug"]  # URLs of live posts do not move
    assert public["published_at"] == post["published_at"]
    assert public["version"] > post["version"]


async def test_rejected_revision_keeps_the_old_text(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    post = await live_post(client, create_post, user, approver)
    revision = (await propose(client, post, user)).json()
    resp = await client.post(
        f"/api/blogs/{post['id']}/revisions/{revision['id']}/reject",
        json={"reason": "keep it as it was"},
        headers=approver.headers,
    )
    assert resp.status_code == 200
    assert resp.json()["status"] == "rejected"
    assert resp.json()["rejection_reason"] == "keep it as it was"
    public = (await client.get(f"/api/blogs/{post['id']}")).json()
    assert public["title"] == "First title"
    # The author may now propose again.
    assert (await propose(client, post, user)).status_code == 201


async def test_every_approved_version_is_kept_and_diffable(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    post = await live_post(client, create_post, user, approver)
    revision = (await propose(client, post, user)).json()
    await client.post(
        f"/api/blogs/{post['id']}/revisions/{revision['id']}/approve", headers=approver.headers
    )
    history = (await client.get(f"/api/blogs/{post['id']}/revisions")).json()["items"]
    assert [(r["number"], r["title"]) for r in history] == [(1, "First title"), (2, "Second title")]
    first, second = history
    resp = await client.get(f"/api/blogs/{post['id']}/revisions/{first['id']}/diff/{second['id']}")
    assert resp.status_code == 200
    diff = resp.json()
    assert diff["from_revision"] == first["id"]
    assert diff["to_revision"] == second["id"]
    assert diff["title_diff"].splitlines() == [
        "--- v1/title",
        "+++ v2/title",
        "@@ -1 +1 @@",
        "-First title",
        "+Second title",
    ]
    assert "-line two\n+line two changed" in diff["content_diff"]
    assert " line one" in diff["content_diff"]


async def test_diff_of_identical_revisions_is_empty(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    post = await live_post(client, create_post, user, approver)
    first = (await client.get(f"/api/blogs/{post['id']}/revisions")).json()["items"][0]
    resp = await client.get(f"/api/blogs/{post['id']}/revisions/{first['id']}/diff/{first['id']}")
    assert resp.json()["title_diff"] == resp.json()["content_diff"] == ""


async def test_revision_of_another_post_is_404(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    one = await live_post(client, create_post, user, approver)
    two = await live_post(client, create_post, user, approver)
    rev_of_two = (await client.get(f"/api/blogs/{two['id']}/revisions")).json()["items"][0]
    assert (
        await client.get(f"/api/blogs/{one['id']}/revisions/{rev_of_two['id']}")
    ).status_code == 404


async def test_only_approved_posts_take_revisions(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    for status in ("pending", "rejected"):
        post = await create_post(user, status=status, reviewer=approver)
        resp = await propose(client, post, user)
        assert resp.status_code == 409


async def test_one_pending_revision_at_a_time(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    post = await live_post(client, create_post, user, approver)
    assert (await propose(client, post, user)).status_code == 201
    assert (await propose(client, post, user)).status_code == 409


async def test_concurrent_proposals_have_one_winner(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    post = await live_post(client, create_post, user, approver)
    results = await asyncio.gather(*(propose(client, post, user) for _ in range(5)))
    assert sorted(r.status_code for r in results) == [201, 409, 409, 409, 409]
    listed = await client.get(f"/api/blogs/{post['id']}/revisions", headers=user.headers)
    assert [r["status"] for r in listed.json()["items"]] == ["approved", "pending"]


async def test_revision_review_rules(
    client: AsyncClient, approver: Actor, admin: Actor, create_post: CreatePost
) -> None:
    # The approver is the author here: reviewing their own revision is refused.
    post = await create_post(approver, status="approved", reviewer=admin, title="Mine", content="a")
    revision = (await propose(client, post, approver)).json()
    url = f"/api/blogs/{post['id']}/revisions/{revision['id']}"
    own = await client.post(f"{url}/approve", headers=approver.headers)
    assert own.status_code == 403
    assert own.json()["type"].endswith("/self-review")
    assert (await client.post(f"{url}/reject", json={}, headers=admin.headers)).status_code == 422
    assert (await client.post(f"{url}/approve", headers=admin.headers)).status_code == 200
    # Already decided: 409 for both decisions.
    assert (await client.post(f"{url}/approve", headers=admin.headers)).status_code == 409
    assert (
        await client.post(f"{url}/reject", json={"reason": "x"}, headers=admin.headers)
    ).status_code == 409


async def test_revision_reviews_join_the_audit_trail_and_events(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    post = await live_post(client, create_post, user, approver)
    revision = (await propose(client, post, user)).json()
    await client.post(
        f"/api/blogs/{post['id']}/revisions/{revision['id']}/reject",
        json={"reason": "no"},
        headers=approver.headers,
    )
    trail = (await client.get(f"/api/blogs/{post['id']}/reviews", headers=user.headers)).json()
    assert [(r["decision"], r["revision_id"]) for r in trail["items"]] == [
        ("approved", None),
        ("rejected", revision["id"]),
    ]
    types = [
        e.type
        for e in await OutboxEvent.filter(subject_kind="blog", subject_id=post["id"]).order_by("id")
    ]
    assert types[-2:] == ["blog.revision_submitted", "blog.revision_rejected"]


async def test_concurrent_revision_approvals_have_one_winner(
    client: AsyncClient, user: Actor, approver: Actor, admin: Actor, create_post: CreatePost
) -> None:
    post = await live_post(client, create_post, user, approver)
    revision = (await propose(client, post, user)).json()
    url = f"/api/blogs/{post['id']}/revisions/{revision['id']}/approve"
    results = await asyncio.gather(
        client.post(url, headers=approver.headers), client.post(url, headers=admin.headers)
    )
    assert sorted(r.status_code for r in results) == [200, 409]
    history = (await client.get(f"/api/blogs/{post['id']}/revisions")).json()["items"]
    assert [r["number"] for r in history] == [1, 2]


async def test_revision_images_must_be_the_authors(
    client: AsyncClient, user: Actor, other_user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    post = await live_post(client, create_post, user, approver)
    foreign = await upload(client, other_user)
    assert (await propose(client, post, user, image_ids=[foreign["id"]])).status_code == 422
    own = await upload(client, user)
    revision = (await propose(client, post, user, image_ids=[own["id"]])).json()
    await client.post(
        f"/api/blogs/{post['id']}/revisions/{revision['id']}/approve", headers=approver.headers
    )
    public = (await client.get(f"/api/blogs/{post['id']}")).json()
    assert [i["id"] for i in public["images"]] == [own["id"]]
