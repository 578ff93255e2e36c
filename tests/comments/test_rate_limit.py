"""Commenting over REST is rate limited per user (RATE_LIMIT_COMMENT)."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from tests.conftest import Actor


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"rate_limit_enabled": True, "rate_limit_comment": "2/minute"}


async def test_third_comment_in_a_minute_is_429(
    client: AsyncClient, user: Actor, other_user: Actor, post: dict[str, Any]
) -> None:
    url = f"/api/blogs/{post['id']}/comments"
    for _ in range(2):
        assert (await client.post(url, json={"body": "x"}, headers=user.headers)).status_code == 201
    resp = await client.post(url, json={"body": "x"}, headers=user.headers)
    assert resp.status_code == 429
    assert int(resp.headers["Retry-After"]) >= 1
    # Counted per user.
    assert (
        await client.post(url, json={"body": "x"}, headers=other_user.headers)
    ).status_code == 201


async def test_refused_comments_do_not_use_up_the_limit(
    client: AsyncClient, user: Actor, post: dict[str, Any]
) -> None:
    url = f"/api/blogs/{post['id']}/comments"
    for _ in range(4):
        refused = await client.post(url, json={"body": ""}, headers=user.headers)
        assert refused.status_code == 422
    statuses = [
        (await client.post(url, json={"body": f"c{i}"}, headers=user.headers)).status_code
        for i in range(3)
    ]

    assert statuses == [201, 201, 429]
