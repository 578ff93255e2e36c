"""No secret reaches a log line or a response: scanned over a session with Redis unreachable.

The Redis URL carries a password, and the outage makes every Redis-backed path report errors,
which is where a URL or a settings dump would leak.
"""

from __future__ import annotations

import io
from pathlib import Path

from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient

from blog_api.main import create_app
from tests.conftest import PASSWORD, make_settings

REDIS_PASSWORD = "s3cret-redis-pw"


async def test_no_secret_in_logs_or_answers_while_redis_is_unreachable(
    tmp_path: Path, settings, log_output: io.StringIO
) -> None:
    # Port 1 refuses connections: every Redis call fails and is reported.
    config = make_settings(
        tmp_path, redis_url=f"redis://app:{REDIS_PASSWORD}@127.0.0.1:1/0"
    ).model_copy(update={"database_url": settings.database_url})
    app = create_app(config, generate_schemas=not settings.database_url.startswith("postgres"))
    answers: list[str] = []
    async with (
        LifespanManager(app, startup_timeout=30),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client,
    ):
        account = {"email": "ada@example.com", "username": "ada", "password": PASSWORD}
        for resp in (
            await client.get("/readyz"),
            await client.post("/api/auth/register", json=account),
            login := await client.post(
                "/api/auth/login", json={"email": account["email"], "password": PASSWORD}
            ),
        ):
            answers.append(resp.text)
        tokens = login.json()
        auth = {"Authorization": f"Bearer {tokens['access_token']}"}
        for resp in (
            await client.post("/api/blogs", json={"title": "T", "content": "c"}, headers=auth),
            await client.post("/api/notifications/ticket", json={}, headers=auth),
            await client.put("/api/session/draft", json={"title": "d"}, headers=auth),
        ):
            answers.append(resp.text)
    logs = log_output.getvalue()
    assert logs  # the outage was reported somewhere
    secrets = {
        "redis password": REDIS_PASSWORD,
        "SECRET_KEY": config.secret_key,
        "user password": PASSWORD,
        "access token": tokens["access_token"],
        "refresh token": tokens["refresh_token"],
    }
    leaked = [name for name, value in secrets.items() if value in logs]
    assert leaked == []
    in_answers = [
        name
        for name, value in secrets.items()
        if name not in ("access token", "refresh token") and any(value in a for a in answers)
    ]
    assert in_answers == []
