"""The real-time services in the app's lifespan: readiness and working without Redis."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient

from blog_api.core.config import Settings
from blog_api.main import create_app
from blog_api.realtime.models import OutboxEvent
from blog_api.realtime.redis_bus import RedisBus
from blog_api.realtime.tickets import SIGNED_PREFIX
from tests.conftest import IS_POSTGRES, PASSWORD
from tests.private_redis import private_redis


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


async def test_readyz_checks_redis_when_configured(settings: Settings, redis_url: str) -> None:
    app = create_app(
        settings.model_copy(update={"redis_url": redis_url}), generate_schemas=not IS_POSTGRES
    )
    async with (
        LifespanManager(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as c,
    ):
        assert isinstance(app.state.realtime.bus, RedisBus)
        resp = await c.get("/readyz")
        assert resp.status_code == 200
        assert resp.json()["checks"]["redis"] == "ok"


@pytest.fixture
async def redis_down(settings: Settings) -> AsyncIterator[tuple[AsyncClient, dict[str, str]]]:
    """An app whose Redis is unreachable, a client, and an admin's headers."""
    from blog_api.auth import service as auth_service
    from blog_api.auth.schemas import RegisterRequest
    from blog_api.users.models import Role

    app = create_app(
        settings.model_copy(update={"redis_url": closed_port_url()}),
        generate_schemas=not IS_POSTGRES,
    )
    async with (
        LifespanManager(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client,
    ):
        admin = await auth_service.register(
            RegisterRequest(email="a@example.com", username="admin1", password=PASSWORD),
            settings=app.state.settings,
            role=Role.admin,
        )
        token, _ = app.state.tokens.issue(user_id=admin.id, role="admin")
        yield client, {"Authorization": f"Bearer {token}"}


async def test_readyz_is_200_degraded_while_redis_is_down(redis_down) -> None:
    # Posting, reading and logging in still work without Redis: a readiness probe that pulled
    # the pod would take the whole API down with Redis.
    client, _ = redis_down
    resp = await client.get("/readyz")
    assert resp.status_code == 200
    assert resp.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "redis": "unreachable"},
    }


async def test_readyz_follows_a_redis_outage_and_its_end(settings: Settings, tmp_path) -> None:
    with private_redis(tmp_path / "redis") as redis:
        app = create_app(
            settings.model_copy(update={"redis_url": redis.url}), generate_schemas=not IS_POSTGRES
        )
        async with (
            LifespanManager(app),
            AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as c,
        ):
            assert (await c.get("/readyz")).json()["status"] == "ok"
            redis.stop()
            down = await c.get("/readyz")
            assert (down.status_code, down.json()["checks"]["redis"]) == (200, "unreachable")
            redis.start()
            back = await c.get("/readyz")
            assert (back.status_code, back.json()) == (
                200,
                {"status": "ok", "checks": {"database": "ok", "redis": "ok"}},
            )


async def test_readyz_documents_the_degraded_answer(settings: Settings) -> None:
    app = create_app(settings, generate_schemas=not IS_POSTGRES)
    ok = app.openapi()["paths"]["/readyz"]["get"]["responses"]["200"]["content"]
    examples = ok["application/json"]["examples"]
    assert examples["degraded"]["value"] == {
        "status": "degraded",
        "checks": {"database": "ok", "redis": "unreachable"},
    }


async def test_state_change_succeeds_while_redis_is_down_and_its_event_waits(redis_down) -> None:
    client, admin_headers = redis_down
    resp = await client.post(
        "/api/auth/register",
        json={"email": "x@example.com", "username": "xuser", "password": PASSWORD},
    )
    changed = await client.patch(
        f"/api/users/{resp.json()['id']}", json={"role": "l1_approver"}, headers=admin_headers
    )
    assert changed.status_code == 200
    assert await OutboxEvent.filter(published_at=None).count() == 1


async def test_ticket_is_issued_while_redis_is_down(redis_down) -> None:
    # A signed ticket (tests/realtime/test_tickets_redis_down.py): browsers need one for SSE
    # and the WebSocket, which both keep working without Redis.
    client, admin_headers = redis_down
    resp = await client.post("/api/notifications/ticket", json={}, headers=admin_headers)
    assert resp.status_code == 201
    assert resp.json()["ticket"].startswith(SIGNED_PREFIX)


async def test_embedded_mode_uses_the_memory_bus_and_needs_no_redis_probe(
    settings: Settings,
) -> None:
    app = create_app(
        settings.model_copy(update={"redis_url": ""}), generate_schemas=not IS_POSTGRES
    )
    async with (
        LifespanManager(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as c,
    ):
        resp = await c.get("/readyz")
        assert resp.status_code == 200
        assert "redis" not in resp.json()["checks"]
