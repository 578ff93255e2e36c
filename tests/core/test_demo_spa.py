"""The reference web client at /demo/ (DEMO_SPA_ENABLED) and short access tokens for its tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient

from blog_api.core.config import Settings
from blog_api.main import DEMO_SPA_DIR
from tests.conftest import make_settings


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"demo_spa_enabled": True, "access_token_minutes": 0.1}


async def test_demo_redirects_to_the_page_inside_its_folder(client: AsyncClient) -> None:
    # Trailing slashes are removed before routing, so /demo and /demo/ are one path; the page's
    # relative URLs (js/app.js) need a base inside the folder.
    for path in ("/demo", "/demo/"):
        resp = await client.get(path)
        assert resp.status_code == 307
        assert resp.headers["location"] == "/demo/index.html"


async def test_demo_serves_the_spa_files(client: AsyncClient) -> None:
    page = await client.get("/demo/index.html")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.text == (DEMO_SPA_DIR / "index.html").read_text()
    script = await client.get("/demo/js/app.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    missing = await client.get("/demo/nothing-here.js")
    assert missing.status_code == 404


async def test_demo_is_not_in_the_openapi_document(client: AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert not [p for p in paths if p.startswith("/demo")]


async def test_access_token_minutes_may_be_a_fraction(client: AsyncClient) -> None:
    body = {"email": "short@example.com", "username": "shorty", "password": "Correct-horse-42"}
    assert (await client.post("/api/auth/register", json=body)).status_code == 201
    login = await client.post(
        "/api/auth/login", json={"email": body["email"], "password": body["password"]}
    )
    assert login.json()["expires_in"] == 6


def test_demo_is_off_by_default(tmp_path: Path) -> None:
    assert Settings(_env_file=None).demo_spa_enabled is False  # type: ignore[call-arg]
    assert make_settings(tmp_path).demo_spa_enabled is False


def test_access_token_minutes_refuses_less_than_three_seconds(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="access_token_minutes"):
        make_settings(tmp_path, access_token_minutes=0.01)


async def test_demo_is_absent_when_disabled(tmp_path: Path) -> None:
    from blog_api.main import create_app

    app = create_app(make_settings(tmp_path), generate_schemas=True)
    assert not [r for r in app.routes if getattr(r, "path", "").startswith("/demo")]
