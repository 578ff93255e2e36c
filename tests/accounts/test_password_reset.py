"""Password reset: the same answer for every address, a single-use short-lived link stored as a
digest, every session ended, the owner told by mail."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from httpx import AsyncClient

from blog_api.accounts.models import AccountToken, TokenPurpose
from blog_api.core.security import token_digest
from blog_api.users.models import User
from tests.accounts.conftest import NEW_PASSWORD, PASSWORD, bearer, login, register, token_in
from tests.smtp import SmtpServer, text_body


async def forgot(client: AsyncClient, email: str) -> Any:
    return await client.post("/api/auth/password/forgot", json={"email": email})


async def reset_token(client: AsyncClient, smtp_server: SmtpServer) -> str:
    await register(client)
    assert (await forgot(client, "ada@example.com")).status_code == 202
    [message] = [
        m
        for m in await smtp_server.inbox.wait_for(2, to="ada@example.com")
        if m["Subject"] == "Reset your password"
    ]
    assert "https://front.example/reset-password?token=" in text_body(message)
    return token_in(message)


async def test_the_answer_is_the_same_whether_or_not_the_account_exists(
    client: AsyncClient, smtp_server: SmtpServer
) -> None:
    await register(client)
    known = await forgot(client, "ada@example.com")
    unknown = await forgot(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    await smtp_server.inbox.wait_for(2, to="ada@example.com")
    assert smtp_server.inbox.to("nobody@example.com") == []


class StatementsOfThisTask(logging.Handler):
    """The SQL statements (without their values) Tortoise runs in the task that enters it.

    A request through the test client runs in the test's own task, so this is the database work
    done in the request, not what background tasks do meanwhile.
    """

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.task = asyncio.current_task()
        self.statements: list[str] = []
        self.logger = logging.getLogger("tortoise.db_client")

    def emit(self, record: logging.LogRecord) -> None:
        if asyncio.current_task() is self.task:
            # Logged as ("%s: %s", query, values): keep the query, not the values.
            args = record.args if isinstance(record.args, tuple) else ()
            self.statements.append(str(args[0]) if args else record.getMessage())

    def __enter__(self) -> list[str]:
        self.level_before = self.logger.level
        self.logger.setLevel(logging.DEBUG)
        self.logger.addHandler(self)
        return self.statements

    def __exit__(self, *exc: object) -> None:
        self.logger.removeHandler(self)
        self.logger.setLevel(self.level_before)


async def test_the_request_does_the_same_database_work_for_any_address(
    client: AsyncClient, smtp_server: SmtpServer
) -> None:
    """Known or unknown address, the answer takes the same work: otherwise its timing tells
    which addresses have accounts (a known one used to cost a lookup, a delete, an update, an
    insert and a commit; an unknown one a lookup)."""
    await register(client)
    with StatementsOfThisTask() as control:
        await login(client, "ada@example.com")
    assert control, "statements are not being observed"
    with StatementsOfThisTask() as known:
        assert (await forgot(client, "ada@example.com")).status_code == 202
    with StatementsOfThisTask() as unknown:
        assert (await forgot(client, "nobody@example.com")).status_code == 202
    assert known == unknown
    # The work was done after the answer: the link still arrives.
    await smtp_server.inbox.wait_for(2, to="ada@example.com")


async def test_the_token_is_stored_only_as_a_digest(
    client: AsyncClient, smtp_server: SmtpServer
) -> None:
    token = await reset_token(client, smtp_server)
    row = await AccountToken.get(purpose=TokenPurpose.reset_password)
    assert row.token_hash == token_digest(token)
    assert token not in repr(await AccountToken.all().values())


async def test_the_link_sets_a_new_password(client: AsyncClient, smtp_server: SmtpServer) -> None:
    token = await reset_token(client, smtp_server)
    resp = await client.post(
        "/api/auth/password/reset", json={"token": token, "password": NEW_PASSWORD}
    )
    assert resp.status_code == 204, resp.text
    await login(client, "ada@example.com", NEW_PASSWORD)
    old = await client.post(
        "/api/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
    )
    assert old.status_code == 401


async def test_the_link_works_once(client: AsyncClient, smtp_server: SmtpServer) -> None:
    token = await reset_token(client, smtp_server)
    body = {"token": token, "password": NEW_PASSWORD}
    assert (await client.post("/api/auth/password/reset", json=body)).status_code == 204
    again = await client.post(
        "/api/auth/password/reset", json={"token": token, "password": "Third-password-99"}
    )
    assert again.status_code == 400


async def test_an_expired_link_is_refused(client: AsyncClient, smtp_server: SmtpServer) -> None:
    token = await reset_token(client, smtp_server)
    await AccountToken.filter(purpose=TokenPurpose.reset_password).update(
        expires_at=datetime.now(timezone.utc) - timedelta(seconds=1)
    )
    resp = await client.post(
        "/api/auth/password/reset", json={"token": token, "password": NEW_PASSWORD}
    )
    assert resp.status_code == 400


async def test_the_link_expires_after_the_configured_minutes(
    client: AsyncClient, smtp_server: SmtpServer
) -> None:
    await reset_token(client, smtp_server)
    row = await AccountToken.get(purpose=TokenPurpose.reset_password)
    lifetime = row.expires_at - row.created_at
    assert timedelta(minutes=29) < lifetime <= timedelta(minutes=30)  # PASSWORD_RESET_MINUTES


async def test_a_weak_password_is_refused_without_spending_the_link(
    client: AsyncClient, smtp_server: SmtpServer
) -> None:
    token = await reset_token(client, smtp_server)
    weak = await client.post(
        "/api/auth/password/reset", json={"token": token, "password": "ada-ada-ada-1"}
    )
    assert weak.status_code == 422
    ok = await client.post(
        "/api/auth/password/reset", json={"token": token, "password": NEW_PASSWORD}
    )
    assert ok.status_code == 204


async def test_a_new_request_voids_the_previous_link(
    client: AsyncClient, smtp_server: SmtpServer
) -> None:
    first = await reset_token(client, smtp_server)
    await forgot(client, "ada@example.com")
    await smtp_server.inbox.wait_for(3, to="ada@example.com")
    resp = await client.post(
        "/api/auth/password/reset", json={"token": first, "password": NEW_PASSWORD}
    )
    assert resp.status_code == 400


async def test_reset_ends_every_session_of_the_account(
    client: AsyncClient, smtp_server: SmtpServer
) -> None:
    await register(client)
    phone = await login(client, "ada@example.com")
    laptop = await login(client, "ada@example.com")
    await forgot(client, "ada@example.com")
    messages = await smtp_server.inbox.wait_for(2, to="ada@example.com")
    token = token_in(messages[1])
    await client.post("/api/auth/password/reset", json={"token": token, "password": NEW_PASSWORD})
    for tokens in (phone, laptop):
        assert (await client.get("/api/auth/me", headers=bearer(tokens))).status_code == 401
        refreshed = await client.post(
            "/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        assert refreshed.status_code == 401


async def test_the_owner_is_told_by_mail_that_the_password_changed(
    client: AsyncClient, smtp_server: SmtpServer
) -> None:
    token = await reset_token(client, smtp_server)
    await client.post("/api/auth/password/reset", json={"token": token, "password": NEW_PASSWORD})
    messages = await smtp_server.inbox.wait_for(3, to="ada@example.com")
    assert messages[2]["Subject"] == "Your password was changed"


async def test_a_reset_link_verifies_the_address(
    client: AsyncClient, smtp_server: SmtpServer
) -> None:
    token = await reset_token(client, smtp_server)
    await client.post("/api/auth/password/reset", json={"token": token, "password": NEW_PASSWORD})
    tokens = await login(client, "ada@example.com", NEW_PASSWORD)
    assert (await client.get("/api/auth/me", headers=bearer(tokens))).json()["email_verified"]


async def change_email(client: AsyncClient, tokens: dict[str, Any], email: str) -> None:
    resp = await client.put(
        "/api/auth/me/email", json={"email": email, "password": PASSWORD}, headers=bearer(tokens)
    )
    assert resp.status_code == 200, resp.text


async def test_an_email_change_voids_a_pending_link(
    client: AsyncClient, smtp_server: SmtpServer
) -> None:
    """Otherwise: ask for a link, move the account to someone else's address, follow the link,
    and that address would count as verified."""
    token = await reset_token(client, smtp_server)
    tokens = await login(client, "ada@example.com")
    await change_email(client, tokens, "eve@example.org")
    resp = await client.post(
        "/api/auth/password/reset", json={"token": token, "password": NEW_PASSWORD}
    )
    assert resp.status_code == 400
    assert resp.json()["type"].endswith("/invalid-token")
    me = await client.get("/api/auth/me", headers=bearer(await login(client, "eve@example.org")))
    assert me.json()["email_verified"] is False


async def test_a_link_stays_void_when_the_address_comes_back(
    client: AsyncClient, smtp_server: SmtpServer
) -> None:
    token = await reset_token(client, smtp_server)
    tokens = await login(client, "ada@example.com")
    await change_email(client, tokens, "eve@example.org")
    await change_email(client, tokens, "ada@example.com")
    resp = await client.post(
        "/api/auth/password/reset", json={"token": token, "password": NEW_PASSWORD}
    )
    assert resp.status_code == 400


async def test_a_link_for_an_address_the_account_no_longer_has_is_refused(
    client: AsyncClient, smtp_server: SmtpServer
) -> None:
    token = await reset_token(client, smtp_server)
    # As an email change racing the reset request leaves it: the change committed (and voided
    # the links then pending) after the request read the old address and before its link was
    # stored.
    await User.filter(email="ada@example.com").update(email="eve@example.org")
    resp = await client.post(
        "/api/auth/password/reset", json={"token": token, "password": NEW_PASSWORD}
    )
    assert resp.status_code == 400
    assert (await User.get(email="eve@example.org")).email_verified_at is None
    await login(client, "eve@example.org")  # the password did not change


async def test_an_email_change_while_the_new_password_is_hashed_voids_the_link(
    client: AsyncClient, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The owner moves the account to a new address in the ~0.1 s the reset spends hashing:
    the holder of the old mailbox's link must not set the password of the moved account."""
    from blog_api.accounts import service

    token = await reset_token(client, smtp_server)
    real_hash = service.hash_password

    async def hash_while_the_owner_moves(password: str, profile: str) -> str:
        await User.filter(email="ada@example.com").update(email="moved@example.org")
        return await real_hash(password, profile)

    monkeypatch.setattr(service, "hash_password", hash_while_the_owner_moves)
    resp = await client.post(
        "/api/auth/password/reset", json={"token": token, "password": NEW_PASSWORD}
    )
    assert resp.status_code == 400, resp.text
    await login(client, "moved@example.org")  # the password did not change


class TestRateLimits:
    @pytest.fixture
    def settings_overrides(self, smtp_server: SmtpServer) -> dict[str, Any]:
        return {
            **smtp_server.settings,
            "rate_limit_enabled": True,
            "rate_limit_password_reset": "3/hour",
        }

    async def test_requests_for_one_address_are_limited_from_any_client(
        self, client: AsyncClient
    ) -> None:
        statuses = []
        for n in range(4):
            resp = await client.post(
                "/api/auth/password/forgot",
                json={"email": "Ada@example.com"},
                headers={"X-Forwarded-For": f"203.0.113.{n}"},
            )
            statuses.append(resp.status_code)
        assert statuses == [202, 202, 202, 429]

    async def test_requests_from_one_client_are_limited_for_any_address(
        self, client: AsyncClient
    ) -> None:
        statuses = [(await forgot(client, f"user{n}@example.com")).status_code for n in range(4)]
        assert statuses == [202, 202, 202, 429]
