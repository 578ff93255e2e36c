"""Sign-in with an OpenID Connect provider, against a provider the tests run themselves."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import pytest
from httpx import AsyncClient

from blog_api.accounts.models import OidcLogin
from blog_api.users.models import User
from tests.accounts.conftest import bearer, login, register, token_in
from tests.accounts.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, run_provider
from tests.smtp import SmtpServer


@pytest.fixture
async def provider() -> AsyncIterator[Provider]:
    async with run_provider() as running:
        yield running


@pytest.fixture
def settings_overrides(smtp_server: SmtpServer, provider: Provider) -> dict[str, Any]:
    return {
        **smtp_server.settings,
        "frontend_url": "https://front.example",
        "oidc_providers": [
            {
                "name": "test",
                "label": "Test ID",
                "issuer": provider.issuer,
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
            }
        ],
    }


async def start(client: AsyncClient) -> tuple[str, str]:
    resp = await client.post("/api/auth/oidc/test/start")
    assert resp.status_code == 200, resp.text
    return resp.json()["authorization_url"], resp.json()["login_binding"]


async def at_provider(url: str) -> str:
    """The browser at the provider: the callback URL it is sent back to."""
    async with httpx.AsyncClient() as browser:
        resp = await browser.get(url)
    assert resp.status_code == 302, resp.text
    return resp.headers["location"]


async def back_at_api(client: AsyncClient, callback_url: str) -> dict[str, list[str]]:
    """The browser at our callback: the fragment of the SPA URL it is sent to."""
    parts = urlparse(callback_url)
    resp = await client.get(f"{parts.path}?{parts.query}")
    assert resp.status_code == 302, resp.text
    target = urlparse(resp.headers["location"])
    assert (
        f"{target.scheme}://{target.netloc}{target.path}" == "https://front.example/oidc/callback"
    )
    return parse_qs(target.fragment)


async def sign_in(client: AsyncClient) -> tuple[dict[str, list[str]], str]:
    url, binding = await start(client)
    return await back_at_api(client, await at_provider(url)), binding


async def exchange(client: AsyncClient, login_code: str, binding: str) -> httpx.Response:
    return await client.post(
        "/api/auth/oidc/exchange", json={"login_code": login_code, "login_binding": binding}
    )


async def test_the_providers_are_listed(client: AsyncClient) -> None:
    resp = await client.get("/api/auth/oidc/providers")
    assert resp.json() == [{"name": "test", "label": "Test ID"}]


async def test_the_authorization_url_uses_pkce_state_and_nonce(
    client: AsyncClient, provider: Provider
) -> None:
    url, _binding = await start(client)
    query = parse_qs(urlparse(url).query)
    assert url.startswith(f"{provider.issuer}/authorize?")
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert query["state"] and query["nonce"]
    assert query["redirect_uri"] == ["http://test/api/auth/oidc/test/callback"]
    assert "openid" in query["scope"][0].split()


async def test_a_new_verified_address_gets_an_account_and_tokens(
    client: AsyncClient, provider: Provider
) -> None:
    fragment, binding = await sign_in(client)
    assert "error" not in fragment
    resp = await exchange(client, fragment["login_code"][0], binding)
    assert resp.status_code == 200, resp.text
    me = (await client.get("/api/auth/me", headers=bearer(resp.json()))).json()
    assert me["email"] == "ada@example.com"
    assert me["email_verified"] is True
    assert me["username"] == "ada.lovelace"
    assert me["role"] == "user"
    # PKCE: the provider was sent a verifier matching the challenge (it checks).
    assert provider.token_requests[0]["code_verifier"]


async def verified_account(client: AsyncClient, smtp_server: SmtpServer) -> dict[str, Any]:
    """A local account for the provider's address, its address verified with the mailed link."""
    account = await register(client)
    [mail] = await smtp_server.inbox.wait_for(1, to="ada@example.com")
    resp = await client.post("/api/auth/email/verify", json={"token": token_in(mail)})
    assert resp.status_code == 200, resp.text
    return account


async def test_an_existing_account_is_linked_by_verified_email(
    client: AsyncClient, smtp_server: SmtpServer
) -> None:
    account = await verified_account(client, smtp_server)
    fragment, binding = await sign_in(client)
    tokens = (await exchange(client, fragment["login_code"][0], binding)).json()
    me = (await client.get("/api/auth/me", headers=bearer(tokens))).json()
    assert me["id"] == account["id"]
    assert me["email_verified"] is True
    assert await User.all().count() == 1


async def test_an_account_whose_own_address_is_unverified_is_not_linked(
    client: AsyncClient,
) -> None:
    """Whoever registered the address first may not own it: linking would let the provider's
    user into an account whose password someone else knows (pre-account takeover)."""
    await register(client)  # never verified
    fragment, binding = await sign_in(client)
    resp = await exchange(client, fragment["login_code"][0], binding)
    assert resp.status_code == 409
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["type"].endswith("/oidc-account-unverified")
    assert "password/forgot" in resp.json()["detail"]
    user = await User.get(email="ada@example.com")
    assert user.email_verified_at is None


async def test_an_unverified_address_is_refused(client: AsyncClient, provider: Provider) -> None:
    await register(client)
    provider.user["email_verified"] = False
    fragment, _binding = await sign_in(client)
    assert fragment == {"error": ["email_not_verified"]}


async def test_an_unverified_address_creates_no_account(
    client: AsyncClient, provider: Provider
) -> None:
    provider.user["email_verified"] = False
    await sign_in(client)
    assert await User.all().count() == 0


async def test_a_forged_state_is_refused(client: AsyncClient) -> None:
    url, _binding = await start(client)
    callback = urlparse(await at_provider(url))
    query = parse_qs(callback.query)
    forged = urlencode({"code": query["code"][0], "state": secrets.token_urlsafe(24)})
    fragment = await back_at_api(client, f"{callback.path}?{forged}")
    assert fragment == {"error": ["invalid_state"]}
    assert await User.all().count() == 0


async def test_a_callback_is_accepted_once(client: AsyncClient) -> None:
    url, _binding = await start(client)
    callback = await at_provider(url)
    assert "login_code" in await back_at_api(client, callback)
    assert await back_at_api(client, callback) == {"error": ["invalid_state"]}


@pytest.mark.parametrize("mode", ["wrong_nonce", "expired", "other_key", "wrong_audience"])
async def test_a_bad_id_token_is_refused(
    client: AsyncClient, provider: Provider, mode: str
) -> None:
    provider.mode = mode
    fragment, _binding = await sign_in(client)
    assert fragment == {"error": ["invalid_id_token"]}
    assert await User.all().count() == 0


async def test_a_provider_error_is_passed_on(client: AsyncClient) -> None:
    url, _binding = await start(client)
    state = parse_qs(urlparse(url).query)["state"][0]
    query = urlencode({"error": "access_denied", "state": state})
    fragment = await back_at_api(client, f"/api/auth/oidc/test/callback?{query}")
    assert fragment == {"error": ["provider_refused"]}


async def test_the_login_code_needs_the_binding_of_the_spa_that_started(
    client: AsyncClient,
) -> None:
    """A callback URL planted in someone else's browser cannot log them in (login CSRF)."""
    fragment, _binding = await sign_in(client)
    _other_url, other_binding = await start(client)
    resp = await exchange(client, fragment["login_code"][0], other_binding)
    assert resp.status_code == 400
    assert resp.json()["type"].endswith("/oidc-sign-in-refused")


async def test_the_login_code_works_once(client: AsyncClient) -> None:
    fragment, binding = await sign_in(client)
    assert (await exchange(client, fragment["login_code"][0], binding)).status_code == 200
    assert (await exchange(client, fragment["login_code"][0], binding)).status_code == 400


async def test_state_is_kept_server_side_as_a_digest(client: AsyncClient) -> None:
    url, binding = await start(client)
    state = parse_qs(urlparse(url).query)["state"][0]
    stored = repr(await OidcLogin.all().values())
    assert state not in stored and binding not in stored


async def test_an_account_with_two_factor_gets_a_challenge(
    client: AsyncClient, smtp_server: SmtpServer
) -> None:
    import pyotp

    await verified_account(client, smtp_server)
    tokens = await login(client, "ada@example.com")
    secret = (await client.post("/api/auth/2fa/totp/enrol", headers=bearer(tokens))).json()[
        "secret"
    ]
    await client.post(
        "/api/auth/2fa/totp/confirm",
        json={"code": pyotp.TOTP(secret).now()},
        headers=bearer(tokens),
    )
    fragment, binding = await sign_in(client)
    body = (await exchange(client, fragment["login_code"][0], binding)).json()
    assert body["second_factor_required"] is True
    assert "access_token" not in body


async def test_an_unknown_provider_is_a_404(client: AsyncClient) -> None:
    resp = await client.post("/api/auth/oidc/nope/start")
    assert resp.status_code == 404
