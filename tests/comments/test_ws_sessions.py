"""A post's WebSocket ends with its login: logout, refresh-token reuse, role change and token
expiry close it with 4401 (bearer token or ticket); other logins' sockets stay."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from tests.comments.test_ws import ws_url
from tests.comments.wsclient import ws_connect
from tests.conftest import PASSWORD, Actor


async def log_in(client: AsyncClient, actor: Actor) -> tuple[str, str]:
    """A fresh login through the API: (access token, refresh token)."""
    resp = await client.post(
        "/api/auth/login", json={"email": actor.user.email, "password": PASSWORD}
    )
    assert resp.status_code == 200, resp.text
    return resp.json()["access_token"], resp.json()["refresh_token"]


async def ws_ticket(client: AsyncClient, access: str) -> str:
    resp = await client.post(
        "/api/notifications/ticket",
        json={"purpose": "ws"},
        headers={"Authorization": f"Bearer {access}"},
    )
    assert resp.status_code == 201, resp.text
    return str(resp.json()["ticket"])


async def logout(client: AsyncClient, refresh: str) -> None:
    assert (
        await client.post("/api/auth/logout", json={"refresh_token": refresh})
    ).status_code == 204


@pytest.mark.parametrize("credential", ["bearer", "ticket"])
async def test_logout_closes_the_logins_socket_4401(
    client: AsyncClient, live_url: str, user: Actor, post: dict[str, Any], credential: str
) -> None:
    access, refresh = await log_in(client, user)
    opened = (
        {"token": access} if credential == "bearer" else {"ticket": await ws_ticket(client, access)}
    )
    async with ws_connect(ws_url(live_url, post), **opened) as ws:
        await ws.join()
        await logout(client, refresh)
        assert await ws.closed() == (4401, "session revoked")


async def test_logout_leaves_the_other_logins_socket_open(
    client: AsyncClient, live_url: str, user: Actor, post: dict[str, Any]
) -> None:
    phone = await log_in(client, user)
    laptop = await log_in(client, user)
    async with ws_connect(ws_url(live_url, post), token=laptop[0]) as ws:
        await ws.join()
        await logout(client, phone[1])
        await ws.send({"type": "ping"})
        await ws.expect("pong")


async def test_refresh_token_reuse_closes_the_familys_socket_4401(
    client: AsyncClient, live_url: str, user: Actor, post: dict[str, Any]
) -> None:
    access, refresh = await log_in(client, user)
    async with ws_connect(ws_url(live_url, post), token=access) as ws:
        await ws.join()
        rotated = await client.post("/api/auth/refresh", json={"refresh_token": refresh})
        assert rotated.status_code == 200
        reused = await client.post("/api/auth/refresh", json={"refresh_token": refresh})
        assert reused.status_code == 401
        assert await ws.closed() == (4401, "session revoked")


async def test_logged_out_token_cannot_open_a_socket(
    client: AsyncClient, live_url: str, user: Actor, post: dict[str, Any]
) -> None:
    access, refresh = await log_in(client, user)
    await logout(client, refresh)
    async with ws_connect(ws_url(live_url, post), token=access) as ws:
        assert await ws.closed() == (4401, "session revoked")


async def test_role_change_closes_the_socket_4401(
    client: AsyncClient, live_url: str, user: Actor, admin: Actor, post: dict[str, Any]
) -> None:
    async with ws_connect(ws_url(live_url, post), token=user.token) as ws:
        await ws.join()
        resp = await client.patch(
            f"/api/users/{user.id}", json={"role": "l1_approver"}, headers=admin.headers
        )
        assert resp.status_code == 200
        assert await ws.closed() == (4401, "role changed; sign in again")


@pytest.mark.parametrize("credential", ["bearer", "ticket"])
async def test_socket_closes_4401_when_the_token_expires(
    app: FastAPI,
    client: AsyncClient,
    live_url: str,
    user: Actor,
    post: dict[str, Any],
    credential: str,
) -> None:
    # ACCESS_TOKEN_MINUTES counts whole minutes: this app's tokens live 3 s instead.
    app.state.tokens.lifetime_seconds = 3
    access, _ = await log_in(client, user)
    opened = (
        {"token": access} if credential == "bearer" else {"ticket": await ws_ticket(client, access)}
    )
    async with ws_connect(ws_url(live_url, post), **opened) as ws:
        await ws.join()
        # Pings and messages do not extend it.
        await ws.send({"type": "ping"})
        await ws.expect("pong")
        assert await ws.closed(timeout=8) == (4401, "token expired")
