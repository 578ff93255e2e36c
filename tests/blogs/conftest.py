"""Helpers for blog tests: create posts through HTTP and move them through the workflow."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from httpx import AsyncClient

from tests.conftest import Actor

CreatePost = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def create_post(client: AsyncClient) -> CreatePost:
    """POST a post as `actor`; with `status=` it is then approved/rejected by `reviewer`."""
    counter = {"n": 0}

    async def factory(
        actor: Actor,
        *,
        status: str = "pending",
        reviewer: Actor | None = None,
        **body: Any,
    ) -> dict[str, Any]:
        counter["n"] += 1
        payload = {"title": f"Post {counter['n']}", "content": f"Body {counter['n']}"} | body
        resp = await client.post("/api/blogs", json=payload, headers=actor.headers)
        assert resp.status_code == 201, resp.text
        post = resp.json()
        if status in ("approved", "rejected"):
            assert reviewer is not None, "pass reviewer= to approve or reject"
            action = "approve" if status == "approved" else "reject"
            resp = await client.post(
                f"/api/blogs/{post['id']}/{action}",
                json={"reason": "needs work"} if action == "reject" else None,
                headers=reviewer.headers,
            )
            assert resp.status_code == 200, resp.text
            post = resp.json()
        return post

    return factory


@pytest.fixture
def callers(
    user: Actor, other_user: Actor, approver: Actor, admin: Actor
) -> dict[str, Actor | None]:
    """The role matrix for posts: `author` (alice) owns the post under test."""
    return {
        "anonymous": None,
        "author": user,
        "other_user": other_user,
        "l1_approver": approver,
        "admin": admin,
    }
