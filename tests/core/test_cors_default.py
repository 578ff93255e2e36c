"""CORS out of the box: development allows the usual local front end, as .env.sample says."""

from __future__ import annotations

import secrets

from httpx import AsyncClient

from blog_api.core.config import Settings


async def test_a_preflight_from_the_vite_dev_server_is_allowed(client: AsyncClient) -> None:
    response = await client.options(
        "/api/blogs",
        headers={
            "Origin": "http://localhost:5173",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Authorization, Content-Type",
        },
    )

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "http://localhost:5173"


def test_an_explicitly_empty_setting_allows_no_origin() -> None:
    settings = Settings(_env_file=None, environment="development", cors_origins="")  # type: ignore[call-arg]

    assert settings.cors_origins == []


def test_production_allows_only_what_is_listed() -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        environment="production",
        secret_key=secrets.token_urlsafe(48),
        database_url="postgres://u@db/blog",
    )

    assert settings.cors_origins == []


def test_env_sample_documents_every_setting() -> None:
    import re
    from pathlib import Path

    from blog_api.core.config import Settings

    text = (Path(__file__).resolve().parents[2] / ".env.sample").read_text()
    missing = [
        name for name in Settings.model_fields if not re.search(rf"(?m)^#?\s*{name.upper()}=", text)
    ]
    assert missing == []
