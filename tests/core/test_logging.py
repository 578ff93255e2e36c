"""Access log: one JSON line per request with the fields operators need, and no secrets."""

from __future__ import annotations

import io
import json
import logging
import secrets

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from blog_api.core.logging import RedactingFormatter
from tests.conftest import PASSWORD, Actor


def _access_lines(buffer: io.StringIO) -> list[dict]:
    lines = [json.loads(line) for line in buffer.getvalue().splitlines()]
    return [line for line in lines if line["logger"] == "blog_api.access"]


async def test_one_json_line_per_request_with_operator_fields(
    client: AsyncClient, user: Actor, log_output: io.StringIO
) -> None:
    response = await client.get("/api/auth/me", headers=user.headers)
    assert response.status_code == 200
    [line] = _access_lines(log_output)
    assert line["method"] == "GET"
    assert line["path"] == "/api/auth/me"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["request_id"] == response.headers["x-request-id"]
    assert line["user_id"] == user.id


async def test_anonymous_and_failed_requests_are_logged_too(
    client: AsyncClient, log_output: io.StringIO
) -> None:
    response = await client.get("/api/auth/me")
    assert response.status_code == 401
    [line] = _access_lines(log_output)
    assert line["status"] == 401 and line["user_id"] is None


async def test_well_formed_incoming_request_id_is_kept(
    client: AsyncClient, log_output: io.StringIO
) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "from-the-proxy-123"})
    assert response.headers["x-request-id"] == "from-the-proxy-123"
    assert _access_lines(log_output)[0]["request_id"] == "from-the-proxy-123"


async def test_tokens_passwords_and_tickets_never_reach_the_log(
    client: AsyncClient, user: Actor, log_output: io.StringIO
) -> None:
    login = await client.post(
        "/api/auth/login", json={"email": user.user.email, "password": PASSWORD}
    )
    assert login.status_code == 200
    tokens = login.json()
    await client.get(
        "/healthz?ticket=tk-SECRET-ticket-value&token=qs-SECRET-token",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    await client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    output = log_output.getvalue()
    assert len(_access_lines(log_output)) == 3
    for secret in (
        PASSWORD,
        tokens["access_token"],
        tokens["refresh_token"],
        "tk-SECRET-ticket-value",
        "qs-SECRET-token",
    ):
        assert secret not in output


def test_urls_and_tokens_inside_messages_are_masked(log_output: io.StringIO) -> None:
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
    logging.getLogger("blog_api.test").warning(
        "client asked %s with Bearer %s", "/api/notifications/stream?ticket=abc123&x=1", jwt
    )
    [line] = [json.loads(x) for x in log_output.getvalue().splitlines()]
    assert "abc123" not in line["msg"] and jwt not in line["msg"]
    assert "ticket=[redacted]&x=1" in line["msg"]


def test_extra_fields_are_masked_as_well(log_output: io.StringIO) -> None:
    logging.getLogger("blog_api.test").info("upstream", extra={"url": "/ws?token=t0ps3cret"})
    [line] = [json.loads(x) for x in log_output.getvalue().splitlines()]
    assert line["url"] == "/ws?token=[redacted]"


def test_plain_text_logs_are_masked() -> None:
    formatter = RedactingFormatter("%(message)s")
    record = logging.makeLogRecord({"msg": "GET /x?password=hunter2hunter2&ticket=t1"})
    assert formatter.format(record) == "GET /x?password=[redacted]&ticket=[redacted]"


async def test_unhandled_error_is_logged_with_status_500(
    app: FastAPI, log_output: io.StringIO
) -> None:
    @app.get("/boom-access-log")
    async def boom() -> None:
        raise RuntimeError("boom")

    transport = ASGITransport(app=app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://test") as c:
        response = await c.get("/boom-access-log")
    assert response.status_code == 500
    [line] = _access_lines(log_output)
    assert line["path"] == "/boom-access-log"
    assert line["status"] == 500


@pytest.mark.parametrize(
    ("environment", "json_lines"), [("development", False), ("production", True)]
)
def test_log_format_follows_the_environment_unless_set(environment: str, json_lines: bool) -> None:
    from blog_api.core.config import Settings

    values = {
        "environment": environment,
        "secret_key": secrets.token_urlsafe(48),
        "cors_origins": [],
    }
    if environment == "production":
        values |= {"database_url": "postgres://u@db/x", "redis_url": "redis://r:6379/0"}
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    assert settings.log_json is json_lines
    explicit = Settings(_env_file=None, **values, log_json=not json_lines)  # type: ignore[call-arg]
    assert explicit.log_json is (not json_lines)


def test_readable_lines_show_the_extra_fields_masked() -> None:
    formatter = RedactingFormatter("%(levelname)s %(name)s: %(message)s")
    record = logging.makeLogRecord(
        {"msg": "request", "name": "blog_api.access", "levelname": "INFO"}
        | {"status": 201, "path": "/api/sse?ticket=abc", "user_id": None}
    )
    assert formatter.format(record) == (
        "INFO blog_api.access: request status=201 path=/api/sse?ticket=[redacted]"
    )
