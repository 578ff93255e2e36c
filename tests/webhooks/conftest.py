"""Webhook fixtures: a real receiving server, short retry delays, private addresses allowed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from httpx import AsyncClient

from tests.conftest import Actor
from tests.webhooks.receiver import Receiver, running_receiver

# The receiver listens on 127.0.0.1: private addresses are allowed for these tests (the SSRF
# tests turn it off again).
SETTINGS = {
    "webhook_allow_private": True,
    "webhook_retry_schedule": "0.2,0.2",
    "webhook_poll_seconds": 0.1,
    "webhook_claim_idle_seconds": 0.5,
    "webhook_timeout_seconds": 2.0,
}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return dict(SETTINGS)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


Register = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def register(client: AsyncClient, admin: Actor, receiver: Receiver) -> Register:
    """Register the receiver (or `url`) for `types` as the admin; returns the created endpoint."""

    async def factory(types: list[str], url: str | None = None) -> dict[str, Any]:
        resp = await client.post(
            "/api/webhooks/endpoints",
            json={"url": url or receiver.url, "event_types": types},
            headers=admin.headers,
        )
        assert resp.status_code == 201, resp.text
        body: dict[str, Any] = resp.json()
        return body

    return factory
