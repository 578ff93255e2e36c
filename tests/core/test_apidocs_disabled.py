"""`DOCS_ENABLED=false` (the production default): no `/docs`, `/redoc` or `/openapi.json`."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from tests.core.test_apidocs import DOCS_PATHS


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"docs_enabled": False}


@pytest.mark.parametrize("path", [*DOCS_PATHS, "/docs/assets/swagger-ui.css"])
async def test_docs_disabled_serves_none_of_them(client: AsyncClient, path: str) -> None:
    resp = await client.get(path)
    assert resp.status_code == 404
    assert resp.headers["content-type"] == "application/problem+json"


async def test_docs_disabled_leaves_the_api_and_the_document_in_process(
    client: AsyncClient, app: FastAPI
) -> None:
    assert (await client.get("/api/blogs")).status_code == 200
    # Scripts and tests still build the document in process (app.openapi()).
    assert app.openapi()["openapi"].startswith("3.")
