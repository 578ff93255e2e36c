"""At most `SSE_MAX_CONNECTIONS_PER_USER` open SSE streams per user (a real socket; in the
PostgreSQL pass the slots are in Redis, shared by every worker)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from httpx import AsyncClient

from tests.conftest import Actor


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"sse_max_connections_per_user": 2}


async def test_stream_over_the_per_user_cap_is_429_problem(
    open_sse, user: Actor, other_user: Actor
) -> None:
    held = [await open_sse(headers=user.headers) for _ in range(2)]
    for sse in held:
        assert (await sse.next_event()).event == "ready"
    refused = await open_sse(headers=user.headers)
    assert refused.response.status_code == 429
    await refused.response.aread()
    assert refused.response.headers["content-type"] == "application/problem+json"
    assert refused.response.json()["type"].endswith("/too-many-streams")
    # The cap is per user: someone else still gets a stream.
    assert (await open_sse(headers=other_user.headers)).response.status_code == 200


async def test_a_closed_stream_frees_its_slot(open_sse, client: AsyncClient, user: Actor) -> None:
    first = await open_sse(headers=user.headers)
    await first.next_event()
    second = await open_sse(headers=user.headers)
    await second.next_event()
    await first.response.aclose()
    for _ in range(100):
        third = await open_sse(headers=user.headers)
        if third.response.status_code == 200:
            break
        await third.response.aread()
        await asyncio.sleep(0.02)
    assert third.response.status_code == 200
    assert (await third.next_event()).event == "ready"
