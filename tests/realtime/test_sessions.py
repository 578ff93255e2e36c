"""Sessions end when their login does: logout, refresh-token reuse and token expiry end the SSE
streams opened with that login (bearer or ticket), and its access tokens are refused over REST."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from tests.conftest import PASSWORD, Actor


@dataclass
class Login:
    """One login (refresh-token family) of a user, as a client holds it."""

    access: str
    refresh: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access}"}


LogIn = Callable[[Actor], Awaitable[Login]]


@pytest.fixture
def log_in(client: AsyncClient) -> LogIn:
    """Log an actor in through the API: a fresh login, whose access token names it (`sid`)."""

    async def factory(actor: Actor) -> Login:
        resp = await client.post(
            "/api/auth/login", json={"email": actor.user.email, "password": PASSWORD}
        )
        assert resp.status_code == 200, resp.text
        body = resp.json()
        return Login(access=body["access_token"], refresh=body["refresh_token"])

    return factory


@pytest.fixture
def settings_overrides() -> dict:
    return {"sse_heartbeat_seconds": 0.2}


async def logout(client: AsyncClient, login: Login) -> None:
    resp = await client.post("/api/auth/logout", json={"refresh_token": login.refresh})
    assert resp.status_code == 204


async def ticket(client: AsyncClient, login: Login, purpose: str = "sse") -> str:
    resp = await client.post(
        "/api/notifications/ticket", json={"purpose": purpose}, headers=login.headers
    )
    assert resp.status_code == 201, resp.text
    return str(resp.json()["ticket"])


# --- REST ------------------------------------------------------------------------------------


async def test_logout_refuses_that_logins_access_token(
    client: AsyncClient, user: Actor, log_in: LogIn
) -> None:
    login = await log_in(user)
    assert (await client.get("/api/auth/me", headers=login.headers)).status_code == 200
    await logout(client, login)
    resp = await client.get("/api/auth/me", headers=login.headers)
    assert resp.status_code == 401
    assert "log in again" in resp.json()["detail"]


async def test_logout_leaves_the_users_other_logins_working(
    client: AsyncClient, user: Actor, log_in: LogIn
) -> None:
    phone, laptop = await log_in(user), await log_in(user)
    await logout(client, phone)
    assert (await client.get("/api/auth/me", headers=laptop.headers)).status_code == 200


async def test_refresh_token_reuse_refuses_the_familys_access_tokens(
    client: AsyncClient, user: Actor, log_in: LogIn
) -> None:
    login = await log_in(user)
    resp = await client.post("/api/auth/refresh", json={"refresh_token": login.refresh})
    assert resp.status_code == 200
    rotated = Login(access=resp.json()["access_token"], refresh=resp.json()["refresh_token"])
    assert (await client.get("/api/auth/me", headers=rotated.headers)).status_code == 200
    # The old refresh token comes back: someone holds a copy, the whole login ends.
    again = await client.post("/api/auth/refresh", json={"refresh_token": login.refresh})
    assert again.status_code == 401
    assert (await client.get("/api/auth/me", headers=rotated.headers)).status_code == 401
    assert (await client.get("/api/auth/me", headers=login.headers)).status_code == 401


async def test_access_token_without_login_id_keeps_working(
    client: AsyncClient, user: Actor
) -> None:
    # Tokens issued before the `sid` claim existed (the fixture's are like them) stay valid.
    assert (await client.get("/api/auth/me", headers=user.headers)).status_code == 200


async def test_ticket_asked_before_logout_is_refused_after_it(
    client: AsyncClient, user: Actor, log_in: LogIn
) -> None:
    login = await log_in(user)
    issued = await ticket(client, login)
    await logout(client, login)
    resp = await client.get("/api/notifications/sse", params={"ticket": issued})
    assert resp.status_code == 401


async def test_session_revocation_is_nobodys_notification(
    client: AsyncClient, user: Actor, admin: Actor, log_in: LogIn
) -> None:
    await logout(client, await log_in(user))
    for actor in (user, admin):
        resp = await client.get("/api/notifications", headers=actor.headers)
        assert resp.json()["items"] == [], actor.user.username


# --- SSE: logout and reuse end the login's streams -------------------------------------------


async def test_logout_ends_the_stream_opened_with_the_bearer_token(
    open_sse, client: AsyncClient, user: Actor, log_in: LogIn
) -> None:
    login = await log_in(user)
    sse = await open_sse(headers=login.headers)
    ready = await sse.next_event()
    await logout(client, login)
    end = await sse.next_event()
    assert (end.event, end.data["reason"]) == ("reconnect", "revoked")
    # The internal event itself is never sent; the client resumes from where it was.
    assert [m.event for m in sse.received if m.data is not None] == ["ready", "reconnect"]
    assert ready.id is not None
    with pytest.raises((EOFError, httpx.ReadError)):
        await sse.next(timeout=2)


async def test_logout_ends_the_stream_opened_with_a_ticket(
    open_sse, client: AsyncClient, user: Actor, log_in: LogIn
) -> None:
    login = await log_in(user)
    sse = await open_sse(params={"ticket": await ticket(client, login)})
    await sse.next_event()
    await logout(client, login)
    end = await sse.next_event()
    assert (end.event, end.data["reason"]) == ("reconnect", "revoked")


async def test_refresh_token_reuse_ends_the_familys_streams(
    open_sse, client: AsyncClient, user: Actor, log_in: LogIn
) -> None:
    login = await log_in(user)
    sse = await open_sse(headers=login.headers)
    await sse.next_event()
    assert (
        await client.post("/api/auth/refresh", json={"refresh_token": login.refresh})
    ).status_code == 200
    # A rotation is no revocation: the stream goes on.
    assert (await sse.next(timeout=2)).comments == ["heartbeat"]
    await client.post("/api/auth/refresh", json={"refresh_token": login.refresh})  # reuse
    end = await sse.next_event()
    assert (end.event, end.data["reason"]) == ("reconnect", "revoked")


async def test_logout_leaves_the_other_logins_streams_open(
    open_sse, client: AsyncClient, user: Actor, log_in: LogIn
) -> None:
    phone, laptop = await log_in(user), await log_in(user)
    sse = await open_sse(headers=laptop.headers)
    await sse.next_event()
    await logout(client, phone)
    # Heartbeats keep coming, no `reconnect`.
    for _ in range(3):
        assert (await sse.next(timeout=2)).comments == ["heartbeat"]


# --- SSE: token expiry -----------------------------------------------------------------------


@pytest.fixture
def short_tokens(app: FastAPI) -> int:
    """Access tokens of this app live 3 s (ACCESS_TOKEN_MINUTES counts whole minutes)."""
    app.state.tokens.lifetime_seconds = 3
    return 3


async def test_stream_ends_when_its_bearer_token_expires(
    open_sse, user: Actor, log_in: LogIn, short_tokens: int
) -> None:
    sse = await open_sse(headers=(await log_in(user)).headers)
    ready = await sse.next_event()
    end = await sse.next_event(timeout=short_tokens + 3)
    assert end.event == "reconnect"
    assert end.data == {"reason": "token_expired", "last_event_id": ready.data["last_event_id"]}


async def test_stream_opened_with_a_ticket_ends_when_the_token_that_asked_expires(
    open_sse, client: AsyncClient, user: Actor, log_in: LogIn, short_tokens: int
) -> None:
    sse = await open_sse(params={"ticket": await ticket(client, await log_in(user))})
    await sse.next_event()
    end = await sse.next_event(timeout=short_tokens + 3)
    assert (end.event, end.data["reason"]) == ("reconnect", "token_expired")
