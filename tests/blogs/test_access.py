"""Who may do what: a role matrix for every endpoint, and visibility by status.

`author` owns the post under test; `other_user` is another plain user.
"""

from __future__ import annotations

import pytest
from httpx import AsyncClient

from tests.blogs.conftest import CreatePost
from tests.conftest import Actor, auth

ROLES = ["anonymous", "author", "other_user", "l1_approver", "admin"]

VISIBILITY = {
    "approved": {
        "anonymous": 200,
        "author": 200,
        "other_user": 200,
        "l1_approver": 200,
        "admin": 200,
    },
    "pending": {
        "anonymous": 404,
        "author": 200,
        "other_user": 404,
        "l1_approver": 200,
        "admin": 200,
    },
    "rejected": {
        "anonymous": 404,
        "author": 200,
        "other_user": 404,
        "l1_approver": 200,
        "admin": 200,
    },
}


@pytest.mark.parametrize("status", list(VISIBILITY))
@pytest.mark.parametrize("role", ROLES)
async def test_get_visibility(
    client: AsyncClient,
    callers: dict,
    approver: Actor,
    create_post: CreatePost,
    status: str,
    role: str,
) -> None:
    post = await create_post(callers["author"], status=status, reviewer=approver)
    resp = await client.get(f"/api/blogs/{post['id']}", headers=auth(callers[role]))
    assert resp.status_code == VISIBILITY[status][role]
    if resp.status_code == 404:
        # Indistinguishable from a post that never existed.
        missing = await client.get("/api/blogs/424242", headers=auth(callers[role]))
        assert resp.json()["detail"].replace(str(post["id"]), "X") == missing.json()[
            "detail"
        ].replace("424242", "X")


@pytest.mark.parametrize("status", list(VISIBILITY))
@pytest.mark.parametrize("role", ROLES)
async def test_public_list_shows_only_approved(
    client: AsyncClient,
    callers: dict,
    approver: Actor,
    create_post: CreatePost,
    status: str,
    role: str,
) -> None:
    post = await create_post(callers["author"], status=status, reviewer=approver)
    resp = await client.get("/api/blogs", headers=auth(callers[role]))
    assert resp.status_code == 200
    ids = [p["id"] for p in resp.json()["items"]]
    assert (post["id"] in ids) is (status == "approved")


LIST_QUEUE = {"anonymous": 401, "author": 403, "other_user": 403, "l1_approver": 200, "admin": 200}


@pytest.mark.parametrize("status", ["pending", "rejected"])
@pytest.mark.parametrize("role", ROLES)
async def test_review_queue_role_matrix(
    client: AsyncClient, callers: dict, status: str, role: str
) -> None:
    resp = await client.get(f"/api/blogs?status={status}", headers=auth(callers[role]))
    assert resp.status_code == LIST_QUEUE[role]


CREATE = {"anonymous": 401, "author": 201, "other_user": 201, "l1_approver": 201, "admin": 201}


@pytest.mark.parametrize("role", ROLES)
async def test_create_role_matrix(client: AsyncClient, callers: dict, role: str) -> None:
    resp = await client.post(
        "/api/blogs", json={"title": "T", "content": "x"}, headers=auth(callers[role])
    )
    assert resp.status_code == CREATE[role]


# Editing a pending post: others who can see it get 403, others who cannot get 404.
PUT = {"anonymous": 401, "author": 200, "other_user": 404, "l1_approver": 403, "admin": 403}


@pytest.mark.parametrize("role", ROLES)
async def test_put_role_matrix(
    client: AsyncClient, callers: dict, create_post: CreatePost, role: str
) -> None:
    post = await create_post(callers["author"])
    resp = await client.put(
        f"/api/blogs/{post['id']}",
        json={"title": "Edited", "content": "x"},
        headers=auth(callers[role]),
    )
    assert resp.status_code == PUT[role]


DELETE_PENDING = {
    "anonymous": 401,
    "author": 204,
    "other_user": 404,
    "l1_approver": 403,
    "admin": 204,
}
DELETE_APPROVED = {
    "anonymous": 401,
    "author": 204,
    "other_user": 403,
    "l1_approver": 403,
    "admin": 204,
}


@pytest.mark.parametrize("role", ROLES)
async def test_delete_pending_role_matrix(
    client: AsyncClient, callers: dict, create_post: CreatePost, role: str
) -> None:
    post = await create_post(callers["author"])
    resp = await client.delete(f"/api/blogs/{post['id']}", headers=auth(callers[role]))
    assert resp.status_code == DELETE_PENDING[role]


@pytest.mark.parametrize("role", ROLES)
async def test_delete_approved_role_matrix(
    client: AsyncClient, callers: dict, approver: Actor, create_post: CreatePost, role: str
) -> None:
    post = await create_post(callers["author"], status="approved", reviewer=approver)
    resp = await client.delete(f"/api/blogs/{post['id']}", headers=auth(callers[role]))
    assert resp.status_code == DELETE_APPROVED[role]


REVIEW = {"anonymous": 401, "author": 403, "other_user": 403, "l1_approver": 200, "admin": 200}


@pytest.mark.parametrize("action", ["approve", "reject"])
@pytest.mark.parametrize("role", ROLES)
async def test_approve_and_reject_role_matrix(
    client: AsyncClient, callers: dict, create_post: CreatePost, action: str, role: str
) -> None:
    post = await create_post(callers["author"])
    resp = await client.post(
        f"/api/blogs/{post['id']}/{action}",
        json={"reason": "no"} if action == "reject" else None,
        headers=auth(callers[role]),
    )
    assert resp.status_code == REVIEW[role]


REVIEWS_PENDING = {
    "anonymous": 401,
    "author": 200,
    "other_user": 404,
    "l1_approver": 200,
    "admin": 200,
}
REVIEWS_APPROVED = {
    "anonymous": 401,
    "author": 200,
    "other_user": 403,
    "l1_approver": 200,
    "admin": 200,
}


@pytest.mark.parametrize("role", ROLES)
async def test_review_trail_of_pending_post_role_matrix(
    client: AsyncClient, callers: dict, create_post: CreatePost, role: str
) -> None:
    post = await create_post(callers["author"])
    resp = await client.get(f"/api/blogs/{post['id']}/reviews", headers=auth(callers[role]))
    assert resp.status_code == REVIEWS_PENDING[role]


@pytest.mark.parametrize("role", ROLES)
async def test_review_trail_of_approved_post_role_matrix(
    client: AsyncClient, callers: dict, approver: Actor, create_post: CreatePost, role: str
) -> None:
    post = await create_post(callers["author"], status="approved", reviewer=approver)
    resp = await client.get(f"/api/blogs/{post['id']}/reviews", headers=auth(callers[role]))
    assert resp.status_code == REVIEWS_APPROVED[role]


PROPOSE = {"anonymous": 401, "author": 201, "other_user": 403, "l1_approver": 403, "admin": 403}


@pytest.mark.parametrize("role", ROLES)
async def test_propose_revision_role_matrix(
    client: AsyncClient, callers: dict, approver: Actor, create_post: CreatePost, role: str
) -> None:
    post = await create_post(callers["author"], status="approved", reviewer=approver)
    resp = await client.post(
        f"/api/blogs/{post['id']}/revisions",
        json={"title": "v2", "content": "new"},
        headers=auth(callers[role]),
    )
    assert resp.status_code == PROPOSE[role]


@pytest.mark.parametrize("action", ["approve", "reject"])
@pytest.mark.parametrize("role", ROLES)
async def test_review_revision_role_matrix(
    client: AsyncClient,
    callers: dict,
    approver: Actor,
    create_post: CreatePost,
    action: str,
    role: str,
) -> None:
    author = callers["author"]
    post = await create_post(author, status="approved", reviewer=approver)
    revision = (
        await client.post(
            f"/api/blogs/{post['id']}/revisions",
            json={"title": "v2", "content": "new"},
            headers=author.headers,
        )
    ).json()
    resp = await client.post(
        f"/api/blogs/{post['id']}/revisions/{revision['id']}/{action}",
        json={"reason": "no"} if action == "reject" else None,
        headers=auth(callers[role]),
    )
    # The role is checked before the lookup, so plain users get 403 whatever they can see.
    assert resp.status_code == REVIEW[role]


PROPOSAL_VISIBLE = {
    "anonymous": 404,
    "author": 200,
    "other_user": 404,
    "l1_approver": 200,
    "admin": 200,
}


@pytest.mark.parametrize("role", ROLES)
async def test_revision_reads_role_matrix(
    client: AsyncClient, callers: dict, approver: Actor, create_post: CreatePost, role: str
) -> None:
    author = callers["author"]
    post = await create_post(author, status="approved", reviewer=approver)
    base = f"/api/blogs/{post['id']}/revisions"
    first = (await client.get(base)).json()["items"][0]
    proposal = (
        await client.post(base, json={"title": "v2", "content": "new"}, headers=author.headers)
    ).json()
    headers = auth(callers[role])
    listed = await client.get(base, headers=headers)
    assert listed.status_code == 200
    ids = [r["id"] for r in listed.json()["items"]]
    assert (proposal["id"] in ids) is (PROPOSAL_VISIBLE[role] == 200)
    assert (await client.get(f"{base}/{first['id']}", headers=headers)).status_code == 200
    got = await client.get(f"{base}/{proposal['id']}", headers=headers)
    assert got.status_code == PROPOSAL_VISIBLE[role]
    diff = await client.get(f"{base}/{first['id']}/diff/{proposal['id']}", headers=headers)
    assert diff.status_code == PROPOSAL_VISIBLE[role]


@pytest.mark.parametrize("role", ROLES)
async def test_tags_are_public(client: AsyncClient, callers: dict, role: str) -> None:
    assert (await client.get("/api/tags", headers=auth(callers[role]))).status_code == 200


MINE = {"anonymous": 401, "author": 200, "other_user": 200, "l1_approver": 200, "admin": 200}


@pytest.mark.parametrize("role", ROLES)
async def test_mine_role_matrix(
    client: AsyncClient, callers: dict, create_post: CreatePost, role: str
) -> None:
    post = await create_post(callers["author"])
    resp = await client.get("/api/blogs?mine=true", headers=auth(callers[role]))
    assert resp.status_code == MINE[role]
    if resp.status_code == 200:
        ids = [p["id"] for p in resp.json()["items"]]
        assert (post["id"] in ids) is (role == "author")
