"""Fixtures for comment tests: posts in each status, comments made over HTTP, a live server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from tests.blogs.conftest import (
    CreatePost,
    create_post,  # noqa: F401  (a fixture, re-exported)
)
from tests.comments.wsclient import serve_in_process
from tests.conftest import Actor, MakeActor

CreateComment = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
async def post_owner(make_actor: MakeActor) -> Actor:
    """The author of the post under test (not the author of the comments under test)."""
    return await make_actor(name="erin")


@pytest.fixture
async def post(
    create_post: CreatePost,  # noqa: F811  (the fixture imported above)
    post_owner: Actor,
    approver: Actor,
) -> dict[str, Any]:
    """An approved post by `post_owner`."""
    return await create_post(post_owner, status="approved", reviewer=approver)


@pytest.fixture
def callers(
    post_owner: Actor, user: Actor, other_user: Actor, approver: Actor, admin: Actor
) -> dict[str, Actor | None]:
    """The role matrix: `user` (alice) writes the comment under test, `post_owner` the post."""
    return {
        "anonymous": None,
        "user": user,
        "other_user": other_user,
        "post_owner": post_owner,
        "l1_approver": approver,
        "admin": admin,
    }


@pytest.fixture
def comment_on(client: AsyncClient) -> CreateComment:
    """POST a comment as `actor` on `post` (201 expected); extra fields go in the body."""

    async def factory(actor: Actor, post: dict[str, Any], **body: Any) -> dict[str, Any]:
        payload = {"body": "a comment"} | body
        resp = await client.post(
            f"/api/blogs/{post['id']}/comments", json=payload, headers=actor.headers
        )
        assert resp.status_code == 201, resp.text
        return resp.json()

    return factory


@pytest.fixture
async def live_url(app: FastAPI) -> AsyncIterator[str]:
    """The test app served by an in-process Uvicorn on a real socket: `ws://127.0.0.1:<port>`."""
    async with serve_in_process(app) as url:
        yield url


@pytest.fixture
def ticket_for(client: AsyncClient) -> Callable[[Actor], Awaitable[str]]:
    """A fresh single-use WebSocket ticket for an actor."""

    async def factory(actor: Actor) -> str:
        resp = await client.post(
            "/api/notifications/ticket", json={"purpose": "ws"}, headers=actor.headers
        )
        assert resp.status_code == 201, resp.text
        return str(resp.json()["ticket"])

    return factory
