"""REST comments: the role matrix of every endpoint, threads, pagination, tombstones,
idempotent creation, validation, rate limits and the events every write records."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from blog_api.comments.models import Comment
from blog_api.realtime.models import OutboxEvent
from tests.blogs.conftest import CreatePost
from tests.comments.conftest import CreateComment
from tests.conftest import Actor, auth

ROLES = ["anonymous", "user", "other_user", "post_owner", "l1_approver", "admin"]

# --- role matrices ----------------------------------------------------------------------------

LIST = {
    "approved": dict.fromkeys(ROLES, 200),
    # Same visibility as the post itself: its author and reviewers only.
    "pending": {
        "anonymous": 404,
        "user": 404,
        "other_user": 404,
        "post_owner": 200,
        "l1_approver": 200,
        "admin": 200,
    },
}


@pytest.mark.parametrize("status", list(LIST))
@pytest.mark.parametrize("role", ROLES)
async def test_list_access(
    client: AsyncClient,
    callers: dict[str, Actor | None],
    create_post: CreatePost,
    post_owner: Actor,
    approver: Actor,
    status: str,
    role: str,
) -> None:
    target = await create_post(post_owner, status=status, reviewer=approver)
    resp = await client.get(f"/api/blogs/{target['id']}/comments", headers=auth(callers[role]))
    assert resp.status_code == LIST[status][role]


CREATE = {
    "approved": {
        "anonymous": 401,
        "user": 201,
        "other_user": 201,
        "post_owner": 201,
        "l1_approver": 201,
        "admin": 201,
    },
    # Those who can see a pending post learn that comments open on approval; others get 404.
    "pending": {
        "anonymous": 401,
        "user": 404,
        "other_user": 404,
        "post_owner": 409,
        "l1_approver": 409,
        "admin": 409,
    },
}


@pytest.mark.parametrize("status", list(CREATE))
@pytest.mark.parametrize("role", ROLES)
async def test_create_access(
    client: AsyncClient,
    callers: dict[str, Actor | None],
    create_post: CreatePost,
    post_owner: Actor,
    approver: Actor,
    status: str,
    role: str,
) -> None:
    target = await create_post(post_owner, status=status, reviewer=approver)
    resp = await client.post(
        f"/api/blogs/{target['id']}/comments",
        json={"body": "hello"},
        headers=auth(callers[role]),
    )
    assert resp.status_code == CREATE[status][role], resp.text
    if resp.status_code == 201:
        assert resp.json()["author"]["id"] == callers[role].id  # type: ignore[union-attr]


# `user` wrote the comment; nobody else may edit it, not even moderators or the post's author.
UPDATE = {
    "anonymous": 401,
    "user": 200,
    "other_user": 403,
    "post_owner": 403,
    "l1_approver": 403,
    "admin": 403,
}


@pytest.mark.parametrize("role", ROLES)
async def test_update_access(
    client: AsyncClient,
    callers: dict[str, Actor | None],
    post: dict[str, Any],
    user: Actor,
    comment_on: CreateComment,
    role: str,
) -> None:
    comment = await comment_on(user, post, body="first")
    resp = await client.patch(
        f"/api/comments/{comment['id']}", json={"body": "second"}, headers=auth(callers[role])
    )
    assert resp.status_code == UPDATE[role], resp.text
    listed = (await client.get(f"/api/blogs/{post['id']}/comments")).json()["items"]
    assert listed[0]["body"] == ("second" if UPDATE[role] == 200 else "first")


# The author, or a moderator; the post's author is no moderator of its comments.
DELETE = {
    "anonymous": 401,
    "user": 204,
    "other_user": 403,
    "post_owner": 403,
    "l1_approver": 204,
    "admin": 204,
}


@pytest.mark.parametrize("role", ROLES)
async def test_delete_access(
    client: AsyncClient,
    callers: dict[str, Actor | None],
    post: dict[str, Any],
    user: Actor,
    comment_on: CreateComment,
    role: str,
) -> None:
    comment = await comment_on(user, post)
    resp = await client.delete(f"/api/comments/{comment['id']}", headers=auth(callers[role]))
    assert resp.status_code == DELETE[role], resp.text
    listed = (await client.get(f"/api/blogs/{post['id']}/comments")).json()["items"]
    assert listed[0]["deleted"] is (DELETE[role] == 204)


@pytest.mark.parametrize("method", ["patch", "delete"])
async def test_unknown_comment_is_404(client: AsyncClient, user: Actor, method: str) -> None:
    kwargs: dict[str, Any] = {"json": {"body": "x"}} if method == "patch" else {}
    resp = await client.request(method, "/api/comments/999999", headers=user.headers, **kwargs)
    assert resp.status_code == 404
    assert resp.json()["type"].endswith("/comment-not-found")


async def test_unknown_post_is_404(client: AsyncClient, user: Actor) -> None:
    resp = await client.post(
        "/api/blogs/424242/comments", json={"body": "hi"}, headers=user.headers
    )
    assert resp.status_code == 404


# --- listing ----------------------------------------------------------------------------------


async def test_list_is_oldest_first_across_cursor_pages(
    client: AsyncClient, user: Actor, other_user: Actor, post: dict[str, Any], comment_on: Any
) -> None:
    made = [await comment_on(a, post, body=f"c{i}") for i, a in enumerate([user, other_user] * 3)]
    bodies: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 4} | ({"cursor": cursor} if cursor else {})
        page = (await client.get(f"/api/blogs/{post['id']}/comments", params=params)).json()
        bodies += [c["body"] for c in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert bodies == [c["body"] for c in made] == [f"c{i}" for i in range(6)]
    assert pages == 2


async def test_deleted_comment_is_a_tombstone(
    client: AsyncClient, user: Actor, post: dict[str, Any], comment_on: CreateComment
) -> None:
    comment = await comment_on(user, post, body="secret words")
    assert (
        await client.delete(f"/api/comments/{comment['id']}", headers=user.headers)
    ).status_code == 204
    resp = await client.get(f"/api/blogs/{post['id']}/comments")
    item = resp.json()["items"][0]
    assert item["id"] == comment["id"]
    assert item["deleted"] is True
    assert item["body"] is None
    assert item["author"] is None
    assert item["deleted_at"] is not None
    assert "secret words" not in resp.text


async def test_forged_cursor_is_422(client: AsyncClient, post: dict[str, Any]) -> None:
    resp = await client.get(f"/api/blogs/{post['id']}/comments", params={"cursor": "bm9wZQ"})
    assert resp.status_code == 422
    assert resp.json()["type"].endswith("/invalid-cursor")


# --- replies ----------------------------------------------------------------------------------


async def test_reply_to_a_comment(
    user: Actor, other_user: Actor, post: dict[str, Any], comment_on: CreateComment
) -> None:
    parent = await comment_on(user, post)
    reply = await comment_on(other_user, post, body="agreed", parent_id=parent["id"])
    assert reply["parent_id"] == parent["id"]


async def test_reply_to_a_reply_is_422(
    client: AsyncClient,
    user: Actor,
    other_user: Actor,
    post: dict[str, Any],
    comment_on: CreateComment,
) -> None:
    parent = await comment_on(user, post)
    reply = await comment_on(other_user, post, parent_id=parent["id"])
    resp = await client.post(
        f"/api/blogs/{post['id']}/comments",
        json={"body": "deeper", "parent_id": reply["id"]},
        headers=user.headers,
    )
    assert resp.status_code == 422
    assert resp.json()["type"].endswith("/invalid-parent")


async def test_parent_on_another_post_is_422(
    client: AsyncClient,
    user: Actor,
    post: dict[str, Any],
    create_post: CreatePost,
    post_owner: Actor,
    approver: Actor,
    comment_on: CreateComment,
) -> None:
    elsewhere = await create_post(post_owner, status="approved", reviewer=approver)
    parent = await comment_on(user, elsewhere)
    resp = await client.post(
        f"/api/blogs/{post['id']}/comments",
        json={"body": "x", "parent_id": parent["id"]},
        headers=user.headers,
    )
    assert resp.status_code == 422


async def test_reply_to_a_deleted_comment_is_422(
    client: AsyncClient, user: Actor, post: dict[str, Any], comment_on: CreateComment
) -> None:
    parent = await comment_on(user, post)
    await client.delete(f"/api/comments/{parent['id']}", headers=user.headers)
    resp = await client.post(
        f"/api/blogs/{post['id']}/comments",
        json={"body": "x", "parent_id": parent["id"]},
        headers=user.headers,
    )
    assert resp.status_code == 422


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"body": ""},
        {"body": "   "},
        {"body": "x" * 5001},
        {"body": "nul \x00 byte"},
        {"body": "ok", "author_id": 1},
        {"body": "ok", "client_id": "has spaces"},
        {"body": "ok", "client_id": "x" * 65},
        {"body": "ok", "parent_id": 0},
        {},
    ],
    ids=[
        "empty",
        "blank",
        "too-long",
        "nul",
        "unknown-field",
        "bad-client-id",
        "long-client-id",
        "parent-zero",
        "missing",
    ],
)
async def test_invalid_create_is_422(
    client: AsyncClient, user: Actor, post: dict[str, Any], body: dict[str, Any]
) -> None:
    resp = await client.post(f"/api/blogs/{post['id']}/comments", json=body, headers=user.headers)
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")


async def test_body_of_exactly_5000_characters_is_accepted(
    user: Actor, post: dict[str, Any], comment_on: CreateComment
) -> None:
    comment = await comment_on(user, post, body="é" * 5000)
    assert len(comment["body"]) == 5000


async def test_malformed_json_is_400(
    client: AsyncClient, user: Actor, post: dict[str, Any]
) -> None:
    resp = await client.post(
        f"/api/blogs/{post['id']}/comments",
        content=b"{not json",
        headers={**user.headers, "Content-Type": "application/json"},
    )
    assert resp.status_code == 400


# --- idempotent creation ----------------------------------------------------------------------


async def test_retry_with_same_client_id_is_stored_once(
    client: AsyncClient, user: Actor, post: dict[str, Any]
) -> None:
    body = {"body": "only once", "client_id": "retry-1"}
    first = await client.post(f"/api/blogs/{post['id']}/comments", json=body, headers=user.headers)
    second = await client.post(f"/api/blogs/{post['id']}/comments", json=body, headers=user.headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert await Comment.filter(blog_id=post["id"]).count() == 1
    assert await OutboxEvent.filter(type="comment.created").count() == 1


async def test_client_id_reused_for_other_content_is_409(
    client: AsyncClient, user: Actor, post: dict[str, Any], comment_on: CreateComment
) -> None:
    await comment_on(user, post, body="one", client_id="same")
    resp = await client.post(
        f"/api/blogs/{post['id']}/comments",
        json={"body": "two", "client_id": "same"},
        headers=user.headers,
    )
    assert resp.status_code == 409
    assert resp.json()["type"].endswith("/client-id-reused")


async def test_client_ids_are_per_author(
    user: Actor, other_user: Actor, post: dict[str, Any], comment_on: CreateComment
) -> None:
    a = await comment_on(user, post, body="same text", client_id="c-1")
    b = await comment_on(other_user, post, body="same text", client_id="c-1")
    assert a["id"] != b["id"]


# --- edits and deletes ------------------------------------------------------------------------


async def test_edit_marks_the_comment_edited(
    client: AsyncClient, user: Actor, post: dict[str, Any], comment_on: CreateComment
) -> None:
    comment = await comment_on(user, post, body="typo")
    assert comment["edited_at"] is None
    resp = await client.patch(
        f"/api/comments/{comment['id']}", json={"body": "fixed"}, headers=user.headers
    )
    assert resp.status_code == 200
    assert resp.json()["body"] == "fixed"
    assert resp.json()["edited_at"] is not None


async def test_editing_a_deleted_comment_is_409(
    client: AsyncClient, user: Actor, post: dict[str, Any], comment_on: CreateComment
) -> None:
    comment = await comment_on(user, post)
    await client.delete(f"/api/comments/{comment['id']}", headers=user.headers)
    resp = await client.patch(
        f"/api/comments/{comment['id']}", json={"body": "back"}, headers=user.headers
    )
    assert resp.status_code == 409
    assert resp.json()["type"].endswith("/comment-deleted")


async def test_deleting_twice_is_204_and_one_event(
    client: AsyncClient,
    user: Actor,
    approver: Actor,
    post: dict[str, Any],
    comment_on: CreateComment,
) -> None:
    comment = await comment_on(user, post)
    first = await client.delete(f"/api/comments/{comment['id']}", headers=approver.headers)
    second = await client.delete(f"/api/comments/{comment['id']}", headers=user.headers)
    assert (first.status_code, second.status_code) == (204, 204)
    assert await OutboxEvent.filter(type="comment.deleted").count() == 1


# --- events -----------------------------------------------------------------------------------


async def test_create_records_a_public_event_for_the_post(
    user: Actor, post_owner: Actor, post: dict[str, Any], comment_on: CreateComment
) -> None:
    comment = await comment_on(user, post, body="news")
    event = await OutboxEvent.get(type="comment.created")
    assert event.subject_kind == "comment" and event.subject_id == comment["id"]
    assert event.audience["public"] is True
    assert post_owner.id in event.audience["user_ids"]
    assert event.data["blog_id"] == post["id"]
    assert event.data["comment_id"] == comment["id"]
    assert event.data["body"] == "news"
    assert event.data["author"] == {"id": user.id, "username": "alice"}


async def test_post_author_is_notified_of_a_comment(
    client: AsyncClient,
    user: Actor,
    post_owner: Actor,
    post: dict[str, Any],
    comment_on: CreateComment,
) -> None:
    comment = await comment_on(user, post)
    resp = await client.get("/api/notifications", headers=post_owner.headers)
    items = [n for n in resp.json()["items"] if n["type"] == "comment.created"]
    assert [n["data"]["comment_id"] for n in items] == [comment["id"]]


@pytest.mark.parametrize(
    ("actor", "moderated"), [("user", False), ("approver", True)], ids=["author", "moderator"]
)
async def test_delete_event_says_who_removed_it(
    client: AsyncClient,
    user: Actor,
    approver: Actor,
    post: dict[str, Any],
    comment_on: CreateComment,
    actor: str,
    moderated: bool,
) -> None:
    comment = await comment_on(user, post)
    deleter = {"user": user, "approver": approver}[actor]
    await client.delete(f"/api/comments/{comment['id']}", headers=deleter.headers)
    event = await OutboxEvent.get(type="comment.deleted")
    assert event.actor_id == deleter.id
    assert event.data["by_moderator"] is moderated
    assert "body" not in event.data


async def test_edit_records_an_update_event_with_the_new_body(
    client: AsyncClient, user: Actor, post: dict[str, Any], comment_on: CreateComment
) -> None:
    comment = await comment_on(user, post, body="v1")
    await client.patch(f"/api/comments/{comment['id']}", json={"body": "v2"}, headers=user.headers)
    event = await OutboxEvent.get(type="comment.updated")
    assert event.data["body"] == "v2"
    assert event.data["edited_at"] is not None
