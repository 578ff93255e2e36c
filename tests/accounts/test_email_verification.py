"""Email verification: the link mailed at registration, resending it, changing the address."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from blog_api.realtime.models import OutboxEvent
from tests.accounts.conftest import PASSWORD, bearer, login, register, token_in
from tests.smtp import SmtpServer, html_body, text_body


async def test_registration_mails_a_verification_link(
    client: AsyncClient, smtp_server: SmtpServer
) -> None:
    account = await register(client)
    assert account["email_verified"] is False
    [message] = await smtp_server.inbox.wait_for(1, to="ada@example.com")
    assert message["Subject"] == "Confirm your email address"
    assert "https://front.example/verify-email?token=" in text_body(message)
    assert "https://front.example/verify-email?token=" in html_body(message)


async def test_the_link_verifies_the_address(client: AsyncClient, smtp_server: SmtpServer) -> None:
    await register(client)
    [message] = await smtp_server.inbox.wait_for(1)
    resp = await client.post("/api/auth/email/verify", json={"token": token_in(message)})
    assert resp.status_code == 200, resp.text
    assert resp.json()["email_verified"] is True
    me = await client.get("/api/auth/me", headers=bearer(await login(client, "ada@example.com")))
    assert me.json()["email_verified"] is True


async def test_the_link_works_only_once(client: AsyncClient, smtp_server: SmtpServer) -> None:
    await register(client)
    token = token_in((await smtp_server.inbox.wait_for(1))[0])
    assert (await client.post("/api/auth/email/verify", json={"token": token})).status_code == 200
    again = await client.post("/api/auth/email/verify", json={"token": token})
    assert again.status_code == 400
    assert again.json()["type"].endswith("/invalid-token")


async def test_an_expired_link_is_refused(client: AsyncClient, smtp_server: SmtpServer) -> None:
    from datetime import datetime, timedelta, timezone

    from blog_api.accounts.models import AccountToken

    await register(client)
    token = token_in((await smtp_server.inbox.wait_for(1))[0])
    await AccountToken.all().update(expires_at=datetime.now(timezone.utc) - timedelta(seconds=1))
    resp = await client.post("/api/auth/email/verify", json={"token": token})
    assert resp.status_code == 400


async def test_a_made_up_token_is_refused(client: AsyncClient) -> None:
    resp = await client.post("/api/auth/email/verify", json={"token": "x" * 43})
    assert resp.status_code == 400


async def test_resend_mails_a_new_link_and_the_old_one_stops_working(
    client: AsyncClient, smtp_server: SmtpServer
) -> None:
    await register(client)
    first = token_in((await smtp_server.inbox.wait_for(1))[0])
    tokens = await login(client, "ada@example.com")
    resp = await client.post("/api/auth/email/verify/resend", headers=bearer(tokens))
    assert resp.status_code == 202, resp.text
    second = token_in((await smtp_server.inbox.wait_for(2))[1])
    assert second != first
    assert (await client.post("/api/auth/email/verify", json={"token": first})).status_code == 400
    assert (await client.post("/api/auth/email/verify", json={"token": second})).status_code == 200


async def test_resend_when_already_verified_is_a_conflict(
    client: AsyncClient, smtp_server: SmtpServer
) -> None:
    await register(client)
    token = token_in((await smtp_server.inbox.wait_for(1))[0])
    await client.post("/api/auth/email/verify", json={"token": token})
    tokens = await login(client, "ada@example.com")
    resp = await client.post("/api/auth/email/verify/resend", headers=bearer(tokens))
    assert resp.status_code == 409


class TestResendRateLimit:
    @pytest.fixture
    def settings_overrides(self, smtp_server: SmtpServer) -> dict[str, Any]:
        return {**smtp_server.settings, "rate_limit_enabled": True}

    async def test_resend_is_rate_limited_per_user(self, client: AsyncClient) -> None:
        await register(client)
        tokens = await login(client, "ada@example.com")
        statuses = [
            (await client.post("/api/auth/email/verify/resend", headers=bearer(tokens))).status_code
            for _ in range(4)
        ]
        assert statuses == [202, 202, 202, 429]  # RATE_LIMIT_VERIFY_RESEND=3/hour


async def test_changing_the_email_asks_to_verify_the_new_one(
    client: AsyncClient, smtp_server: SmtpServer
) -> None:
    await register(client)
    await client.post(
        "/api/auth/email/verify",
        json={"token": token_in((await smtp_server.inbox.wait_for(1))[0])},
    )
    tokens = await login(client, "ada@example.com")
    resp = await client.put(
        "/api/auth/me/email",
        json={"email": "ada@example.org", "password": PASSWORD},
        headers=bearer(tokens),
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["email"] == "ada@example.org"
    assert resp.json()["email_verified"] is False
    [new] = await smtp_server.inbox.wait_for(1, to="ada@example.org")
    assert new["Subject"] == "Confirm your email address"
    verified = await client.post("/api/auth/email/verify", json={"token": token_in(new)})
    assert verified.json()["email_verified"] is True


async def test_the_old_address_is_told_of_a_change(
    client: AsyncClient, smtp_server: SmtpServer
) -> None:
    await register(client)
    tokens = await login(client, "ada@example.com")
    await client.put(
        "/api/auth/me/email",
        json={"email": "ada@example.org", "password": PASSWORD},
        headers=bearer(tokens),
    )
    messages = await smtp_server.inbox.wait_for(2, to="ada@example.com")
    assert messages[1]["Subject"] == "The email address of your account was changed"
    assert "ada@example.org" in text_body(messages[1])


async def test_a_link_for_the_old_address_no_longer_verifies(
    client: AsyncClient, smtp_server: SmtpServer
) -> None:
    await register(client)
    old_token = token_in((await smtp_server.inbox.wait_for(1))[0])
    tokens = await login(client, "ada@example.com")
    await client.put(
        "/api/auth/me/email",
        json={"email": "ada@example.org", "password": PASSWORD},
        headers=bearer(tokens),
    )
    resp = await client.post("/api/auth/email/verify", json={"token": old_token})
    assert resp.status_code == 400


async def test_changing_the_email_needs_the_password(client: AsyncClient) -> None:
    await register(client)
    tokens = await login(client, "ada@example.com")
    resp = await client.put(
        "/api/auth/me/email",
        json={"email": "ada@example.org", "password": "not-the-password-1"},
        headers=bearer(tokens),
    )
    assert resp.status_code == 403
    assert resp.json()["type"].endswith("/wrong-password")


async def test_changing_to_a_taken_email_is_a_conflict(client: AsyncClient) -> None:
    await register(client)
    await register(client, "bob")
    tokens = await login(client, "ada@example.com")
    resp = await client.put(
        "/api/auth/me/email",
        json={"email": "bob@example.com", "password": PASSWORD},
        headers=bearer(tokens),
    )
    assert resp.status_code == 409


class TestEmailChangeRateLimit:
    """Each email change checks the current password: without a limit, a stolen access token
    would be an unlimited password-guessing oracle."""

    @pytest.fixture
    def settings_overrides(self, smtp_server: SmtpServer) -> dict[str, Any]:
        return {
            **smtp_server.settings,
            "rate_limit_enabled": True,
            "rate_limit_email_change": "2/hour",
        }

    async def guess(self, client: AsyncClient, tokens: dict[str, Any], address: str) -> Any:
        return await client.put(
            "/api/auth/me/email",
            json={"email": "new@example.org", "password": "not-the-password-1"},
            headers={**bearer(tokens), "X-Forwarded-For": address},
        )

    async def test_guesses_are_limited_per_user_from_any_address(self, client: AsyncClient) -> None:
        await register(client)
        tokens = await login(client, "ada@example.com")
        answers = [await self.guess(client, tokens, f"203.0.113.{n}") for n in range(3)]
        assert [a.status_code for a in answers] == [403, 403, 429]
        limited = answers[2]
        assert limited.headers["content-type"].startswith("application/problem+json")
        assert limited.json()["status"] == 429
        assert limited.json()["type"].endswith("/rate-limited")
        assert int(limited.headers["Retry-After"]) >= 1

    async def test_guesses_are_limited_per_client_address_for_any_user(
        self, client: AsyncClient
    ) -> None:
        await register(client)
        await register(client, "bob")
        ada = await login(client, "ada@example.com")
        bob = await login(client, "bob@example.com")
        statuses = [
            (await self.guess(client, tokens, "203.0.113.9")).status_code
            for tokens in (ada, ada, bob)
        ]
        assert statuses == [403, 403, 429]


async def test_the_token_never_reaches_the_event_stream(
    app: FastAPI, client: AsyncClient, smtp_server: SmtpServer
) -> None:
    """Mail travels its own queue: no outbox row and no stream event holds the token."""
    await register(client)
    token = token_in((await smtp_server.inbox.wait_for(1))[0])
    rows = await OutboxEvent.all()
    assert all(token not in repr((r.data, r.audience)) for r in rows)
    events = await app.state.realtime.bus.read_since("0-0")
    assert all(token not in e.model_dump_json() for e in events)


# --- posting needs a verified address when the setting is on ---------------------------------


async def test_by_default_an_unverified_account_may_submit_a_post(client: AsyncClient) -> None:
    await register(client)
    tokens = await login(client, "ada@example.com")
    resp = await client.post(
        "/api/blogs", json={"title": "Hello", "content": "World"}, headers=bearer(tokens)
    )
    assert resp.status_code == 201
    assert resp.json()["status"] == "pending"


class TestVerifiedEmailRequired:
    @pytest.fixture
    def settings_overrides(self, smtp_server: SmtpServer) -> dict[str, Any]:
        return {**smtp_server.settings, "require_verified_email_to_post": True}

    async def test_an_unverified_account_gets_a_403_saying_why(self, client: AsyncClient) -> None:
        await register(client)
        tokens = await login(client, "ada@example.com")
        resp = await client.post(
            "/api/blogs", json={"title": "Hello", "content": "World"}, headers=bearer(tokens)
        )
        assert resp.status_code == 403
        problem = resp.json()
        assert problem["type"].endswith("/email-not-verified")
        assert "verify/resend" in problem["detail"]

    async def test_a_verified_account_may_submit(
        self, client: AsyncClient, smtp_server: SmtpServer
    ) -> None:
        await register(client)
        token = token_in((await smtp_server.inbox.wait_for(1))[0])
        await client.post("/api/auth/email/verify", json={"token": token})
        tokens = await login(client, "ada@example.com")
        resp = await client.post(
            "/api/blogs", json={"title": "Hello", "content": "World"}, headers=bearer(tokens)
        )
        assert resp.status_code == 201
