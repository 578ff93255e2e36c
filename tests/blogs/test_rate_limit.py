"""Submitting posts is rate limited per user (RATE_LIMIT_BLOG_SUBMIT)."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from tests.conftest import Actor


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"rate_limit_enabled": True, "rate_limit_blog_submit": "2/minute"}


async def test_third_submission_in_a_minute_is_429(
    client: AsyncClient, user: Actor, other_user: Actor
) -> None:
    for _ in range(2):
        resp = await client.post(
            "/api/blogs", json={"title": "T", "content": "x"}, headers=user.headers
        )
        assert resp.status_code == 201
    resp = await client.post(
        "/api/blogs", json={"title": "T", "content": "x"}, headers=user.headers
    )
    assert resp.status_code == 429
    assert int(resp.headers["Retry-After"]) >= 1
    # Counted per user: someone else may still post.
    resp = await client.post(
        "/api/blogs", json={"title": "T", "content": "x"}, headers=other_user.headers
    )
    assert resp.status_code == 201


async def test_refused_submissions_do_not_use_up_the_limit(
    client: AsyncClient, user: Actor
) -> None:
    for _ in range(5):
        refused = await client.post("/api/blogs", json={"title": ""}, headers=user.headers)
        assert refused.status_code == 422
    accepted = [
        (await client.post("/api/blogs", json={"title": "T", "content": "x"}, headers=user.headers))
        for _ in range(3)
    ]

    assert [r.status_code for r in accepted] == [201, 201, 429]
