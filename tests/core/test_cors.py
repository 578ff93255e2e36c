"""CORS for a browser front end on another origin: every header the API reads or sends."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

ORIGIN = "https://app.example.com"
# Response headers a front end needs to read (conditional requests, redirects, retries, support).
EXPOSED = ["ETag", "Location", "X-Request-ID", "Retry-After", "Idempotent-Replayed"]


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"cors_origins": [ORIGIN]}


async def _header_parameters(client: AsyncClient) -> set[str]:
    spec = (await client.get("/openapi.json")).json()
    return {
        param["name"]
        for ops in spec["paths"].values()
        for op in ops.values()
        for param in op.get("parameters", [])
        if param["in"] == "header"
    }


async def test_preflight_allows_every_request_header_a_route_reads(client: AsyncClient) -> None:
    headers = await _header_parameters(client)
    assert {"If-None-Match", "If-Match", "Idempotency-Key", "Last-Event-ID"} <= headers
    for header in sorted(headers | {"Authorization", "Content-Type", "X-Request-ID"}):
        resp = await client.options(
            "/api/blogs",
            headers={
                "Origin": ORIGIN,
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": header,
            },
        )
        assert resp.status_code == 200, (header, resp.text)
        allowed = resp.headers["access-control-allow-headers"].lower()
        assert header.lower() in allowed, header


async def test_response_headers_the_front_end_reads_are_exposed(client: AsyncClient) -> None:
    resp = await client.get("/healthz", headers={"Origin": ORIGIN})
    assert resp.headers["access-control-allow-origin"] == ORIGIN
    exposed = {h.strip().lower() for h in resp.headers["access-control-expose-headers"].split(",")}
    assert {h.lower() for h in EXPOSED} <= exposed
