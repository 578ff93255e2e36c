"""Drafts while Redis is unreachable: a 503 problem the client can retry, never a 500."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from blog_api.drafts.redis_store import RedisDraftStore
from tests.conftest import Actor
from tests.realtime.test_runtime import closed_port_url

BODY = {"title": "Hello", "content": "Some *markdown*", "image_ids": []}


@pytest.fixture(autouse=True)
async def dead_redis_store(app: FastAPI) -> AsyncIterator[None]:
    # Only the draft store points at the closed port: an app whose whole Redis is down takes
    # seconds to start (tests/realtime/test_runtime.py covers that), and drafts are what we test.
    store = RedisDraftStore.from_url(closed_port_url(), ttl=timedelta(days=30))
    app.state.draft_store = store
    yield
    await store.aclose()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/session/draft"),
        ("POST", "/api/session/draft"),
        ("GET", "/api/session/drafts"),
        ("GET", "/api/session/drafts/blog-1"),
        ("PUT", "/api/session/drafts/blog-1"),
        ("DELETE", "/api/session/drafts/blog-1"),
    ],
)
async def test_draft_routes_answer_503_while_redis_is_down(
    client: AsyncClient, user: Actor, method: str, path: str
) -> None:
    json = BODY if method in ("POST", "PUT") else None
    resp = await client.request(method, path, json=json, headers=user.headers)
    assert resp.status_code == 503
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["type"].endswith("/drafts-unavailable")


async def test_blog_submission_with_draft_key_succeeds_while_redis_is_down(
    client: AsyncClient, user: Actor
) -> None:
    # The post is committed before the draft is discarded; a leftover draft expires on its own.
    resp = await client.post(
        "/api/blogs?draft_key=blog-1", json={"title": "T", "content": "c"}, headers=user.headers
    )
    assert resp.status_code == 201
