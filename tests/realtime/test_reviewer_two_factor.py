"""REQUIRE_2FA_FOR_REVIEWERS on the live stream: a reviewer without two-factor hears only what
concerns them personally, by bearer token or ticket, until they enrol."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from tests.auth.test_reviewer_two_factor import enrol
from tests.conftest import Actor
from tests.realtime.test_sse import submit_blog


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"require_2fa_for_reviewers": True}


async def _credentials(client: AsyncClient, approver: Actor, how: str) -> dict[str, Any]:
    """`open_sse` arguments: the bearer header, or a ticket the approver asked for."""
    if how == "bearer":
        return {"headers": approver.headers}
    resp = await client.post(
        "/api/notifications/ticket", json={"purpose": "sse"}, headers=approver.headers
    )
    assert resp.status_code == 201, resp.text
    return {"params": {"ticket": resp.json()["ticket"]}}


@pytest.mark.parametrize("how", ["bearer", "ticket"])
async def test_a_reviewer_without_two_factor_hears_no_review_events(
    open_sse, client: AsyncClient, approver: Actor, user: Actor, how: str
) -> None:
    sse = await open_sse(**await _credentials(client, approver, how))
    assert (await sse.next_event()).event == "ready"
    await submit_blog(client, user, "Someone else's")  # to reviewers and its author
    own = await submit_blog(client, approver, "Their own")  # to reviewers and its author
    msg = await sse.next_event()
    # The first thing the approver hears about is their own post, as a plain user would.
    assert (msg.event, msg.data["subject"]["id"]) == ("blog.submitted", own)


@pytest.mark.parametrize("how", ["bearer", "ticket"])
async def test_once_enrolled_a_reviewer_hears_review_events(
    open_sse, client: AsyncClient, approver: Actor, user: Actor, how: str
) -> None:
    await enrol(client, approver)
    sse = await open_sse(**await _credentials(client, approver, how))
    assert (await sse.next_event()).event == "ready"
    blog_id = await submit_blog(client, user, "Someone else's")
    msg = await sse.next_event()
    assert (msg.event, msg.data["subject"]["id"]) == ("blog.submitted", blog_id)
