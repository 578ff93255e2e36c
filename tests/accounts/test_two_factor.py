"""TOTP two-factor: enrolment, recovery codes, the two-step login, replay, disabling, and the
setting that requires it of reviewers and admins."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from blog_api.accounts import twofactor
from blog_api.accounts.models import AccountToken, RecoveryCode, TokenPurpose, TotpCredential
from tests.accounts.conftest import bearer, login, register
from tests.conftest import Actor
from tests.smtp import SmtpServer

# The 30 s step each secret's codes count from, fixed by the first code asked for it.
_pinned_steps: dict[str, int] = {}


def code(secret: str, steps_ahead: int = 0) -> str:
    """The code of the secret's pinned step (the enrolment's), or of a later one.

    The step is read from the clock once per secret, not per code: a test running across a
    30 s boundary would otherwise get the next step's code for "the current one", a fresh code
    the server accepts where a replay must be refused. The server accepts one step either side
    of its own, so the pinned step and the next stay valid through the following 30 s, far longer
    than a test runs.
    """
    totp = pyotp.TOTP(secret)
    step = _pinned_steps.setdefault(secret, totp.timecode(datetime.now(timezone.utc)))
    return totp.generate_otp(step + steps_ahead)


async def enrolled(client: AsyncClient) -> tuple[dict[str, Any], str, list[str]]:
    """An account with two-factor on: (tokens of its first login, secret, recovery codes).

    The confirmation used the pinned step's code (`code(secret)`), so the next accepted code is
    the next step's (`code(secret, 1)`).
    """
    await register(client)
    tokens = await login(client, "ada@example.com")
    enrolment = (await client.post("/api/auth/2fa/totp/enrol", headers=bearer(tokens))).json()
    secret = enrolment["secret"]
    resp = await client.post(
        "/api/auth/2fa/totp/confirm", json={"code": code(secret)}, headers=bearer(tokens)
    )
    assert resp.status_code == 200, resp.text
    return tokens, secret, resp.json()["recovery_codes"]


async def challenge(client: AsyncClient) -> str:
    resp = await client.post(
        "/api/auth/login", json={"email": "ada@example.com", "password": "Correct-horse-42"}
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["second_factor_required"] is True
    assert "access_token" not in body
    return str(body["second_factor_token"])


async def second_step(client: AsyncClient, token: str, value: str) -> Any:
    return await client.post(
        "/api/auth/login/second-factor", json={"second_factor_token": token, "code": value}
    )


async def test_enrolment_gives_an_otpauth_uri(client: AsyncClient) -> None:
    await register(client)
    tokens = await login(client, "ada@example.com")
    resp = await client.post("/api/auth/2fa/totp/enrol", headers=bearer(tokens))
    assert resp.status_code == 201
    body = resp.json()
    uri = urlparse(body["otpauth_uri"])
    assert uri.scheme == "otpauth" and uri.netloc == "totp"
    query = parse_qs(uri.query)
    assert query["secret"] == [body["secret"]]
    assert query["issuer"] == ["blog_api"]
    assert "ada%40example.com" in body["otpauth_uri"] or "ada@example.com" in body["otpauth_uri"]


async def test_enrolment_is_not_active_until_confirmed(client: AsyncClient) -> None:
    await register(client)
    tokens = await login(client, "ada@example.com")
    await client.post("/api/auth/2fa/totp/enrol", headers=bearer(tokens))
    assert "access_token" in await login(client, "ada@example.com")


async def test_a_wrong_confirmation_code_is_refused(client: AsyncClient) -> None:
    await register(client)
    tokens = await login(client, "ada@example.com")
    secret = (await client.post("/api/auth/2fa/totp/enrol", headers=bearer(tokens))).json()[
        "secret"
    ]
    wrong = f"{(int(code(secret)) + 1) % 1_000_000:06d}"
    resp = await client.post(
        "/api/auth/2fa/totp/confirm", json={"code": wrong}, headers=bearer(tokens)
    )
    assert resp.status_code == 400
    me = await client.get("/api/auth/me", headers=bearer(tokens))
    assert me.json()["totp_enabled"] is False


async def test_confirmation_turns_it_on_with_ten_hashed_recovery_codes(
    client: AsyncClient, smtp_server: SmtpServer
) -> None:
    tokens, _secret, codes = await enrolled(client)
    assert len(codes) == len(set(codes)) == 10
    me = await client.get("/api/auth/me", headers=bearer(tokens))
    assert me.json()["totp_enabled"] is True
    stored = repr(await RecoveryCode.all().values())
    assert all(c not in stored and c.replace("-", "") not in stored for c in codes)
    messages = await smtp_server.inbox.wait_for(2, to="ada@example.com")
    assert messages[1]["Subject"] == "Two-factor sign-in was turned on"


async def test_enrolling_again_while_on_is_a_conflict(client: AsyncClient) -> None:
    tokens, _secret, _codes = await enrolled(client)
    resp = await client.post("/api/auth/2fa/totp/enrol", headers=bearer(tokens))
    assert resp.status_code == 409


async def test_login_takes_two_steps(client: AsyncClient) -> None:
    _tokens, secret, _codes = await enrolled(client)
    token = await challenge(client)
    resp = await second_step(client, token, code(secret, 1))
    assert resp.status_code == 200, resp.text
    me = await client.get("/api/auth/me", headers=bearer(resp.json()))
    assert me.status_code == 200


async def test_a_code_is_not_accepted_twice_within_its_window(client: AsyncClient) -> None:
    _tokens, secret, _codes = await enrolled(client)
    # The confirmation used this step's code: within its 30 s (and the drift window) it stays
    # refused.
    resp = await second_step(client, await challenge(client), code(secret))
    assert resp.status_code == 401
    ok = await second_step(client, await challenge(client), code(secret, 1))
    assert ok.status_code == 200
    replay = await second_step(client, await challenge(client), code(secret, 1))
    assert replay.status_code == 401


async def test_a_recovery_code_works_once(client: AsyncClient) -> None:
    _tokens, _secret, codes = await enrolled(client)
    assert (await second_step(client, await challenge(client), codes[0])).status_code == 200
    again = await second_step(client, await challenge(client), codes[0])
    assert again.status_code == 401
    upper = codes[1].upper().replace("-", " ")  # typed differently, still the code
    assert (await second_step(client, await challenge(client), upper)).status_code == 200


async def test_the_second_factor_token_is_single_use(client: AsyncClient) -> None:
    _tokens, secret, codes = await enrolled(client)
    token = await challenge(client)
    assert (await second_step(client, token, code(secret, 1))).status_code == 200
    assert (await second_step(client, token, codes[0])).status_code == 401


async def test_five_wrong_codes_end_the_login(client: AsyncClient) -> None:
    _tokens, secret, _codes = await enrolled(client)
    token = await challenge(client)
    for _ in range(5):
        assert (await second_step(client, token, "000000")).status_code == 401
    resp = await second_step(client, token, code(secret, 1))
    assert resp.status_code == 401
    assert "log in again" in resp.json()["detail"]


async def test_parallel_wrong_codes_get_no_more_than_five_guesses(
    client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tokens, secret, _codes = await enrolled(client)
    token = await challenge(client)
    checked: list[str] = []
    real_check = twofactor.check_code

    async def slow_check(user: Any, value: str, **kwargs: Any) -> bool:
        checked.append(value)
        # Keep every request in flight at once: a read-then-write cap would let all through.
        await asyncio.sleep(0.05)
        return await real_check(user, value, **kwargs)

    monkeypatch.setattr(twofactor, "check_code", slow_check)
    valid = {code(secret, ahead) for ahead in (-1, 0, 1, 2)}
    wrong = [value for value in (f"{n:06d}" for n in range(12)) if value not in valid][:8]
    answers = await asyncio.gather(*(second_step(client, token, value) for value in wrong))
    assert [a.status_code for a in answers] == [401] * len(wrong)
    assert len(checked) == 5
    assert (await second_step(client, token, code(secret, 1))).status_code == 401


async def test_an_expired_second_factor_token_is_refused(client: AsyncClient) -> None:
    _tokens, secret, _codes = await enrolled(client)
    token = await challenge(client)
    await AccountToken.filter(purpose=TokenPurpose.second_factor).update(
        expires_at=datetime.now(timezone.utc) - timedelta(seconds=1)
    )
    assert (await second_step(client, token, code(secret, 1))).status_code == 401


async def test_a_made_up_second_factor_token_is_refused(client: AsyncClient) -> None:
    _tokens, secret, _codes = await enrolled(client)
    assert (await second_step(client, "x" * 43, code(secret, 1))).status_code == 401


async def test_a_refresh_token_cannot_stand_in_for_the_second_factor_token(
    client: AsyncClient,
) -> None:
    tokens, secret, _codes = await enrolled(client)
    resp = await second_step(client, tokens["refresh_token"], code(secret, 1))
    assert resp.status_code == 401


async def test_disabling_needs_a_fresh_code(client: AsyncClient) -> None:
    tokens, secret, _codes = await enrolled(client)
    used = await client.post(
        "/api/auth/2fa/totp/disable", json={"code": code(secret)}, headers=bearer(tokens)
    )
    assert used.status_code == 400  # the confirmation's code: not fresh
    ok = await client.post(
        "/api/auth/2fa/totp/disable", json={"code": code(secret, 1)}, headers=bearer(tokens)
    )
    assert ok.status_code == 204
    assert "access_token" in await login(client, "ada@example.com")


async def test_disabling_when_off_is_a_conflict(client: AsyncClient) -> None:
    await register(client)
    tokens = await login(client, "ada@example.com")
    resp = await client.post(
        "/api/auth/2fa/totp/disable", json={"code": "123456"}, headers=bearer(tokens)
    )
    assert resp.status_code == 409


# --- REQUIRE_2FA_FOR_REVIEWERS ---------------------------------------------------------------


async def test_by_default_reviewers_need_no_second_factor(
    client: AsyncClient, admin: Actor
) -> None:
    assert (await client.get("/api/users", headers=admin.headers)).status_code == 200


class TestRequiredForReviewers:
    @pytest.fixture
    def settings_overrides(self, smtp_server: SmtpServer) -> dict[str, Any]:
        return {**smtp_server.settings, "require_2fa_for_reviewers": True}

    async def test_an_admin_without_it_is_told_to_enrol(
        self, client: AsyncClient, admin: Actor
    ) -> None:
        resp = await client.get("/api/users", headers=admin.headers)
        assert resp.status_code == 403
        assert resp.json()["type"].endswith("/second-factor-enrolment-required")

    async def test_an_approver_without_it_is_told_to_enrol(
        self, client: AsyncClient, approver: Actor, user: Actor
    ) -> None:
        post = await client.post(
            "/api/blogs", json={"title": "Hi", "content": "There"}, headers=user.headers
        )
        resp = await client.post(
            f"/api/blogs/{post.json()['id']}/approve", headers=approver.headers
        )
        assert resp.status_code == 403
        assert resp.json()["type"].endswith("/second-factor-enrolment-required")

    async def test_users_are_not_affected(self, client: AsyncClient, user: Actor) -> None:
        resp = await client.post(
            "/api/blogs", json={"title": "Hi", "content": "There"}, headers=user.headers
        )
        assert resp.status_code == 201

    async def test_an_admin_may_enrol_and_then_act(self, client: AsyncClient, admin: Actor) -> None:
        enrolment = await client.post("/api/auth/2fa/totp/enrol", headers=admin.headers)
        assert enrolment.status_code == 201
        confirmed = await client.post(
            "/api/auth/2fa/totp/confirm",
            json={"code": code(enrolment.json()["secret"])},
            headers=admin.headers,
        )
        assert confirmed.status_code == 200
        assert (await client.get("/api/users", headers=admin.headers)).status_code == 200


# --- secrets at rest (core/secretbox.py) ---------------------------------------------------------

NEW_KEY = "rotated-key-" + "r" * 40
OLD_KEY = "earlier-key-" + "e" * 40


async def test_the_secret_is_stored_encrypted(client: AsyncClient) -> None:
    _tokens, secret, _codes = await enrolled(client)
    stored = (await TotpCredential.get()).secret
    assert secret not in stored and len(stored) == 64
    resp = await second_step(client, await challenge(client), code(secret, 1))
    assert resp.status_code == 200


async def test_a_secret_stored_in_clear_still_works_and_is_then_encrypted(
    client: AsyncClient,
) -> None:
    _tokens, secret, _codes = await enrolled(client)
    await TotpCredential.all().update(secret=secret)  # as versions before encryption stored it
    resp = await second_step(client, await challenge(client), code(secret, 1))
    assert resp.status_code == 200
    stored = (await TotpCredential.get()).secret
    assert secret not in stored and len(stored) == 64


async def test_a_new_key_in_front_reencrypts_on_use_and_the_old_one_can_go(
    app: FastAPI, client: AsyncClient
) -> None:
    _tokens, secret, _codes = await enrolled(client)  # sealed with the key from SECRET_KEY
    settings = app.state.settings
    settings.data_encryption_keys = f"{NEW_KEY},{settings.effective_secret_key()}"
    before = (await TotpCredential.get()).secret
    resp = await second_step(client, await challenge(client), code(secret, 1))
    assert resp.status_code == 200
    assert (await TotpCredential.get()).secret != before

    settings.data_encryption_keys = NEW_KEY
    await TotpCredential.all().update(last_step=0)  # let the current step's code count again
    resp = await second_step(client, await challenge(client), code(secret))
    assert resp.status_code == 200


async def test_setting_keys_for_the_first_time_keeps_earlier_secrets_working(
    app: FastAPI, client: AsyncClient
) -> None:
    _tokens, secret, _codes = await enrolled(client)  # sealed with the key from SECRET_KEY
    app.state.settings.data_encryption_keys = NEW_KEY
    resp = await second_step(client, await challenge(client), code(secret, 1))
    assert resp.status_code == 200


async def test_without_the_key_that_sealed_it_only_recovery_codes_work(
    app: FastAPI, client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    app.state.settings.data_encryption_keys = OLD_KEY
    _tokens, secret, recovery = await enrolled(client)
    app.state.settings.data_encryption_keys = NEW_KEY  # the sealing key was dropped too early
    token = await challenge(client)
    resp = await second_step(client, token, code(secret, 1))
    assert resp.status_code == 401
    assert "TOTP secret unreadable" in caplog.text
    assert (await second_step(client, token, recovery[0])).status_code == 200
