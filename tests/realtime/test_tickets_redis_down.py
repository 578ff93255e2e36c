"""Stream tickets while Redis is down: signed, self-contained tickets, still single use.

The app runs on a private Redis that each test stops (and sometimes starts again), as an outage
during operation would; nothing of our Redis code is replaced.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from blog_api.realtime.tickets import SIGNED_PREFIX, RedisTicketStore, TicketSigner
from tests.conftest import Actor
from tests.private_redis import PrivateRedis, redis_server  # noqa: F401  (a fixture)


@pytest.fixture
def settings_overrides(redis_server: PrivateRedis) -> dict[str, Any]:  # noqa: F811
    return {"redis_url": redis_server.url}


async def ticket(client: AsyncClient, actor: Actor, purpose: str = "sse") -> str:
    resp = await client.post(
        "/api/notifications/ticket", json={"purpose": purpose}, headers=actor.headers
    )
    assert resp.status_code == 201, resp.text
    return str(resp.json()["ticket"])


async def test_a_ticket_is_issued_while_redis_is_down(
    client: AsyncClient,
    user: Actor,
    redis_server: PrivateRedis,  # noqa: F811
) -> None:
    redis_server.stop()
    resp = await client.post(
        "/api/notifications/ticket", json={"purpose": "sse"}, headers=user.headers
    )
    assert resp.status_code == 201
    assert resp.json()["ticket"].startswith(SIGNED_PREFIX)
    assert len(resp.json()["ticket"]) <= 128  # what `?ticket=` accepts


async def test_a_ticket_issued_while_redis_is_up_is_stored_as_before(
    client: AsyncClient, user: Actor
) -> None:
    assert not (await ticket(client, user)).startswith(SIGNED_PREFIX)


async def test_sse_opens_with_a_ticket_issued_while_redis_is_down(
    open_sse,
    client: AsyncClient,
    user: Actor,
    redis_server: PrivateRedis,  # noqa: F811
) -> None:
    redis_server.stop()
    sse = await open_sse(params={"ticket": await ticket(client, user)})
    assert sse.response.status_code == 200
    assert (await sse.next_event()).event == "ready"


async def test_a_signed_ticket_works_once_while_redis_is_down(
    open_sse,
    client: AsyncClient,
    user: Actor,
    redis_server: PrivateRedis,  # noqa: F811
) -> None:
    redis_server.stop()
    spent = await ticket(client, user)
    sse = await open_sse(params={"ticket": spent})
    assert (await sse.next_event()).event == "ready"
    again = await client.get("/api/notifications/sse", params={"ticket": spent})
    assert again.status_code == 401


async def test_a_signed_ticket_is_spent_in_redis_once_it_is_back(
    client: AsyncClient,
    user: Actor,
    app: FastAPI,
    redis_server: PrivateRedis,  # noqa: F811
) -> None:
    # Issued during the outage, redeemed after it: single use is enforced in Redis, so another
    # worker (another store on the same Redis and secret) refuses it too.
    redis_server.stop()
    issued = await ticket(client, user)
    redis_server.start()
    store = app.state.realtime.tickets
    other_worker = RedisTicketStore(
        store.client, ttl_seconds=store.ttl_seconds, signer=store.signer
    )
    assert (await store.redeem(issued, purpose="sse")) is not None
    assert (await other_worker.redeem(issued, purpose="sse")) is None


async def test_a_signed_ticket_is_refused_for_the_other_purpose(
    client: AsyncClient,
    user: Actor,
    redis_server: PrivateRedis,  # noqa: F811
) -> None:
    redis_server.stop()
    ws_ticket = await ticket(client, user, purpose="ws")
    resp = await client.get("/api/notifications/sse", params={"ticket": ws_ticket})
    assert resp.status_code == 401


async def test_a_tampered_signed_ticket_is_refused(
    client: AsyncClient,
    user: Actor,
    other_user: Actor,
    redis_server: PrivateRedis,  # noqa: F811
) -> None:
    redis_server.stop()
    issued = await ticket(client, user)
    # Claim another user's id with the signature left as it was.
    fields = issued.split(".")
    fields[1] = str(other_user.id)
    resp = await client.get("/api/notifications/sse", params={"ticket": ".".join(fields)})
    assert resp.status_code == 401


async def test_an_expired_signed_ticket_is_refused(
    app: FastAPI,
    user: Actor,
    redis_server: PrivateRedis,  # noqa: F811
) -> None:
    redis_server.stop()
    store = app.state.realtime.tickets
    expired = store.signer.sign(
        user_id=user.id, purpose="sse", expires_at=int(time.time()) - 1, token_exp=None, sid=None
    )
    assert await store.redeem(expired, purpose="sse") is None


async def test_a_signed_ticket_of_another_secret_is_refused(
    app: FastAPI,
    user: Actor,
    redis_server: PrivateRedis,  # noqa: F811
) -> None:
    redis_server.stop()
    forged = TicketSigner("another-secret-" + "x" * 40).sign(
        user_id=user.id, purpose="sse", expires_at=int(time.time()) + 30, token_exp=None, sid=None
    )
    assert await app.state.realtime.tickets.redeem(forged, purpose="sse") is None


async def test_a_signed_ticket_of_a_revoked_login_is_refused(
    client: AsyncClient,
    user: Actor,
    redis_server: PrivateRedis,  # noqa: F811
) -> None:
    login = await client.post(
        "/api/auth/login", json={"email": "alice@example.com", "password": user.password}
    )
    tokens = login.json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    redis_server.stop()
    resp = await client.post("/api/notifications/ticket", json={"purpose": "sse"}, headers=headers)
    issued = resp.json()["ticket"]
    await client.post("/api/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    again = await client.get("/api/notifications/sse", params={"ticket": issued})
    assert again.status_code == 401
