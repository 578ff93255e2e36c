"""Rate limits while Redis is unreachable: each worker counts in its own memory, never fails open."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from blog_api.core.config import Settings
from blog_api.core.ratelimit import STORAGE_RETRY_SECONDS, RateLimiter
from blog_api.main import create_app
from tests.conftest import IS_POSTGRES, PASSWORD, make_settings
from tests.private_redis import private_redis
from tests.realtime.test_runtime import closed_port_url


@pytest.fixture
async def redis_down_app(settings: Settings) -> AsyncIterator[FastAPI]:
    """The app with rate limits on (their defaults) and `REDIS_URL` at a closed port."""
    app = create_app(
        settings.model_copy(
            update={
                "redis_url": closed_port_url(),
                "rate_limit_enabled": True,
                "rate_limit_blog_submit": "2/minute",
            }
        ),
        generate_schemas=not IS_POSTGRES,
    )
    async with LifespanManager(app):
        yield app


async def bad_login(client: AsyncClient) -> int:
    resp = await client.post(
        "/api/auth/login", json={"email": "x@example.com", "password": "wrong-password-1"}
    )
    return resp.status_code


async def test_login_limit_still_answers_429_while_redis_is_down(
    redis_down_app: FastAPI,
) -> None:
    async with AsyncClient(transport=ASGITransport(app=redis_down_app), base_url="http://t") as c:
        assert [await bad_login(c) for _ in range(10)] == [401] * 10  # RATE_LIMIT_LOGIN 10/minute
        resp = await c.post(
            "/api/auth/login", json={"email": "x@example.com", "password": "wrong-password-1"}
        )
    assert resp.status_code == 429
    assert int(resp.headers["Retry-After"]) >= 1


async def test_accepted_only_limits_count_in_memory_while_redis_is_down(
    redis_down_app: FastAPI,
) -> None:
    from blog_api.auth import service as auth_service
    from blog_api.auth.schemas import RegisterRequest

    user = await auth_service.register(
        RegisterRequest(email="w@example.com", username="writer", password=PASSWORD),
        settings=redis_down_app.state.settings,
    )
    token, _ = redis_down_app.state.tokens.issue(user_id=user.id, role=user.role.value)
    headers = {"Authorization": f"Bearer {token}"}
    async with AsyncClient(transport=ASGITransport(app=redis_down_app), base_url="http://t") as c:
        statuses = [
            (
                await c.post("/api/blogs", json={"title": f"T{i}", "content": "c"}, headers=headers)
            ).status_code
            for i in range(3)
        ]
    assert statuses == [201, 201, 429]


async def test_an_outage_is_logged_once_not_per_request(
    redis_down_app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="blog_api.ratelimit")
    async with AsyncClient(transport=ASGITransport(app=redis_down_app), base_url="http://t") as c:
        for _ in range(5):
            await bad_login(c)
    warnings = [r for r in caplog.records if r.name == "blog_api.ratelimit"]
    assert len(warnings) == 1
    assert "memory" in warnings[0].getMessage()


async def test_counting_returns_to_redis_when_it_is_back_and_a_new_outage_is_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="blog_api.ratelimit")
    with private_redis(tmp_path / "redis") as redis:
        settings = make_settings(
            tmp_path, redis_url=redis.url, rate_limit_enabled=True, rate_limit_login="3/minute"
        )
        limiter = RateLimiter.from_settings(settings)
        try:
            await limiter.check("login", "ip:a")  # counted in Redis
            redis.stop()
            await limiter.check("login", "ip:a")  # in memory: a fresh count of 1
            await limiter.check("login", "ip:a")
            redis.start()
            await asyncio.sleep(STORAGE_RETRY_SECONDS)  # it is tried again after this long
            # Redis again, where "ip:a" has one hit: two more fit, the third is refused.
            await limiter.check("login", "ip:a")
            await limiter.check("login", "ip:a")
            with pytest.raises(Exception, match="too many login"):
                await limiter.check("login", "ip:a")
            redis.stop()
            await limiter.check("login", "ip:b")
        finally:
            await limiter.aclose()
    messages = [r.getMessage() for r in caplog.records if r.name == "blog_api.ratelimit"]
    assert [m.split(";")[0] for m in messages] == [
        "rate-limit storage unavailable",
        "rate-limit storage reachable again",
        "rate-limit storage unavailable",
    ]
