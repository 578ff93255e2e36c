"""The comments WebSocket while Redis is down: a ticket issued during the outage opens it.

The app runs on a private Redis that each test stops, as an outage during operation would.
"""

from __future__ import annotations

from typing import Any

import pytest

from blog_api.realtime.tickets import SIGNED_PREFIX
from tests.comments.test_ws import Ticket, ws_url
from tests.comments.wsclient import ws_connect
from tests.conftest import Actor
from tests.private_redis import PrivateRedis, redis_server  # noqa: F401  (a fixture)


@pytest.fixture
def settings_overrides(redis_server: PrivateRedis) -> dict[str, Any]:  # noqa: F811
    return {"redis_url": redis_server.url}


async def test_a_ticket_issued_while_redis_is_down_opens_the_socket(
    live_url: str,
    user: Actor,
    post: dict[str, Any],
    ticket_for: Ticket,
    redis_server: PrivateRedis,  # noqa: F811
) -> None:
    redis_server.stop()
    ticket = await ticket_for(user)
    assert ticket.startswith(SIGNED_PREFIX)
    async with ws_connect(ws_url(live_url, post), ticket=ticket) as ws:
        hello = await ws.recv()
    assert hello["type"] == "hello"
    assert hello["user"]["id"] == user.id


async def test_a_signed_ticket_opens_one_socket_only(
    live_url: str,
    user: Actor,
    post: dict[str, Any],
    ticket_for: Ticket,
    redis_server: PrivateRedis,  # noqa: F811
) -> None:
    redis_server.stop()
    ticket = await ticket_for(user)
    async with ws_connect(ws_url(live_url, post), ticket=ticket) as ws:
        assert (await ws.recv())["type"] == "hello"
    async with ws_connect(ws_url(live_url, post), ticket=ticket) as ws:
        assert (await ws.closed())[0] == 4401
