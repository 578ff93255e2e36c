"""Rate limits through HTTP: hit and reset, per address and per account, proxies, Redis sharing."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from blog_api.core.ratelimit import get_rate_limiter
from blog_api.main import create_app
from tests.conftest import Actor, make_settings

TIGHT = "2/second"
UNTRUSTED_PEER = ("198.51.100.7", 40000)
PROXY_PEER = ("127.0.0.1", 40000)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {
        "rate_limit_enabled": True,
        "rate_limit_login": TIGHT,
        "rate_limit_register": TIGHT,
        "rate_limit_refresh": TIGHT,
        "trusted_proxies": ["127.0.0.1", "10.0.0.0/8"],
    }


@pytest.fixture(autouse=True)
async def clean_counters(app: FastAPI) -> None:
    # The Redis pass keeps counters between tests otherwise (same addresses, same emails).
    await get_rate_limiter(app).reset()


def client_from(app: FastAPI, peer: tuple[str, int]) -> AsyncClient:
    return AsyncClient(transport=ASGITransport(app=app, client=peer), base_url="http://test")


async def bad_login(client: AsyncClient, email: str, **headers: str) -> int:
    resp = await client.post(
        "/api/auth/login", json={"email": email, "password": "wrong-password-1"}, headers=headers
    )
    return resp.status_code


async def register_attempt(client: AsyncClient, **headers: str) -> Any:
    # An invalid body is still an attempt: the limit is counted before the body is validated.
    return await client.post("/api/auth/register", json={}, headers=headers)


async def test_login_limit_hit_gives_429_problem_with_retry_after(client: AsyncClient) -> None:
    assert [await bad_login(client, "x@example.com") for _ in range(2)] == [401, 401]
    resp = await client.post(
        "/api/auth/login", json={"email": "x@example.com", "password": "wrong-password-1"}
    )
    assert resp.status_code == 429
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["status"] == 429
    assert resp.json()["type"].endswith("/rate-limited")
    assert 1 <= int(resp.headers["Retry-After"]) <= 2


async def test_login_limit_resets_after_the_window(client: AsyncClient) -> None:
    for _ in range(2):
        await bad_login(client, "x@example.com")
    assert await bad_login(client, "x@example.com") == 429
    await asyncio.sleep(1.1)
    assert await bad_login(client, "x@example.com") == 401


async def test_login_is_limited_per_account_across_addresses(app: FastAPI, user: Actor) -> None:
    # Each attempt comes from a different client address (through the trusted proxy).
    async with client_from(app, PROXY_PEER) as proxy:
        codes = [
            await bad_login(proxy, user.user.email, **{"X-Forwarded-For": f"203.0.113.{i}"})
            for i in range(1, 4)
        ]
    assert codes == [401, 401, 429]


async def test_login_per_account_counts_emails_case_insensitively(client: AsyncClient) -> None:
    # A new address each time (the test client is the trusted proxy), so only the account limit
    # can answer 429.
    await bad_login(client, "Case@Example.com", **{"X-Forwarded-For": "203.0.113.1"})
    await bad_login(client, "case@example.com", **{"X-Forwarded-For": "203.0.113.2"})
    assert await bad_login(client, "CASE@example.com", **{"X-Forwarded-For": "203.0.113.3"}) == 429


async def test_correct_password_still_limited(client: AsyncClient, user: Actor) -> None:
    body = {"email": user.user.email, "password": user.password}
    codes = [(await client.post("/api/auth/login", json=body)).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


async def test_register_is_limited_per_address(client: AsyncClient) -> None:
    codes = [(await register_attempt(client)).status_code for _ in range(3)]
    assert codes == [422, 422, 429]


async def test_register_is_limited_per_account_across_addresses(client: AsyncClient) -> None:
    # A new address each time (the test client is the trusted proxy), so only the per-email
    # limit can answer 429; the email's case does not make it another account.
    codes = [
        (
            await client.post(
                "/api/auth/register",
                json={"email": email, "username": f"ada{i}", "password": "Correct-horse-42"},
                headers={"X-Forwarded-For": f"203.0.113.{i}"},
            )
        ).status_code
        for i, email in enumerate(["ada@example.com", "ADA@example.com", "Ada@Example.com"])
    ]
    assert codes == [201, 409, 429]


async def test_refresh_is_limited(client: AsyncClient) -> None:
    codes = [
        (await client.post("/api/auth/refresh", json={"refresh_token": "x" * 43})).status_code
        for _ in range(3)
    ]
    assert codes == [401, 401, 429]


async def test_spoofed_forwarded_for_from_untrusted_peer_is_ignored(app: FastAPI) -> None:
    async with client_from(app, UNTRUSTED_PEER) as c:
        codes = [
            (await register_attempt(c, **{"X-Forwarded-For": f"192.0.2.{i}"})).status_code
            for i in range(3)
        ]
    assert codes == [422, 422, 429]


async def test_trusted_proxy_forwarded_for_is_honoured(app: FastAPI) -> None:
    async with client_from(app, PROXY_PEER) as proxy:
        spread = [
            (await register_attempt(proxy, **{"X-Forwarded-For": f"192.0.2.{i}"})).status_code
            for i in range(3)
        ]
        same = [
            (await register_attempt(proxy, **{"X-Forwarded-For": "192.0.2.99"})).status_code
            for _ in range(3)
        ]
    assert spread == [422, 422, 422]
    assert same == [422, 422, 429]


async def test_trusted_proxy_given_as_cidr(app: FastAPI) -> None:
    async with client_from(app, ("10.1.2.3", 40000)) as proxy:
        codes = [
            (await register_attempt(proxy, **{"X-Forwarded-For": f"192.0.2.{i}"})).status_code
            for i in range(3)
        ]
    assert codes == [422, 422, 422]


async def test_client_cannot_prepend_addresses_through_a_trusted_proxy(app: FastAPI) -> None:
    # The proxy appends the real client (192.0.2.50); what the client sent stays to its left.
    async with client_from(app, PROXY_PEER) as proxy:
        codes = [
            (
                await register_attempt(proxy, **{"X-Forwarded-For": f"10.9.9.{i}, 192.0.2.50"})
            ).status_code
            for i in range(3)
        ]
    assert codes == [422, 422, 429]


async def test_ipv4_mapped_proxy_address_is_trusted(app: FastAPI) -> None:
    async with client_from(app, ("::ffff:127.0.0.1", 40000)) as proxy:
        codes = [
            (await register_attempt(proxy, **{"X-Forwarded-For": f"192.0.2.{i}"})).status_code
            for i in range(3)
        ]
    assert codes == [422, 422, 422]


async def test_malformed_forwarded_for_falls_back_to_the_proxy(app: FastAPI) -> None:
    async with client_from(app, PROXY_PEER) as proxy:
        codes = [
            (await register_attempt(proxy, **{"X-Forwarded-For": "not-an-ip"})).status_code
            for _ in range(3)
        ]
    assert codes == [422, 422, 429]


async def test_limits_are_per_address(app: FastAPI) -> None:
    async with (
        client_from(app, ("198.51.100.1", 1)) as a,
        client_from(app, ("198.51.100.2", 1)) as b,
    ):
        for _ in range(2):
            await register_attempt(a)
        assert (await register_attempt(a)).status_code == 429
        assert (await register_attempt(b)).status_code == 422


@pytest.mark.parametrize("settings_overrides", [{"rate_limit_enabled": False}])
async def test_disabled_limits_never_answer_429(client: AsyncClient) -> None:
    codes = {(await register_attempt(client)).status_code for _ in range(15)}
    assert codes == {422}


async def test_malformed_limit_setting_fails_at_start(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="RATE_LIMIT_LOGIN"):
        create_app(make_settings(tmp_path, rate_limit_login="lots per hour"))


async def test_two_apps_on_redis_share_counters(tmp_path: Path, redis_url: str) -> None:
    settings = make_settings(
        tmp_path, redis_url=redis_url, rate_limit_enabled=True, rate_limit_register=TIGHT
    )
    # Two app instances, each with its own limiter and Redis connection pool, as two workers
    # would have. Only requests that never reach the database are sent, so no lifespan is run.
    first, second = create_app(settings), create_app(settings)
    try:
        await get_rate_limiter(first).reset()
        async with (
            client_from(first, UNTRUSTED_PEER) as a,
            client_from(second, UNTRUSTED_PEER) as b,
        ):
            assert [(await register_attempt(a)).status_code for _ in range(2)] == [422, 422]
            assert (await register_attempt(b)).status_code == 429
    finally:
        await get_rate_limiter(first).reset()
        await get_rate_limiter(first).aclose()
        await get_rate_limiter(second).aclose()


async def test_two_apps_in_memory_do_not_share_counters(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, redis_url="", rate_limit_enabled=True, rate_limit_register=TIGHT
    )
    first, second = create_app(settings), create_app(settings)
    async with client_from(first, UNTRUSTED_PEER) as a, client_from(second, UNTRUSTED_PEER) as b:
        assert [(await register_attempt(a)).status_code for _ in range(3)] == [422, 422, 429]
        assert (await register_attempt(b)).status_code == 422
