"""`GET /metrics`: off by default, then only for private addresses (and the token when set).

What it reports after real traffic through several `blog-api serve` workers is proven in
tests/core/test_metrics_workers.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from prometheus_client.parser import text_string_to_metric_families

TOKEN = "scrape-token-0123456789abcdef"


def sample(text: str, name: str, **labels: str) -> float:
    """Value of the sample `name` with exactly these labels (0 when absent)."""
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and s.labels == labels:
                return float(s.value)
    return 0.0


async def test_metrics_are_off_by_default(client: AsyncClient) -> None:
    response = await client.get("/metrics")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


class TestEnabled:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"metrics_enabled": True}

    async def test_a_loopback_client_reads_requests_by_route_template(
        self, client: AsyncClient
    ) -> None:
        assert (await client.get("/api/blogs/424242")).status_code == 404
        response = await client.get("/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        labels = {"method": "GET", "route": "/api/blogs/{blog_id}", "status": "404"}
        assert sample(response.text, "blog_api_http_requests_total", **labels) >= 1
        duration = "blog_api_http_request_duration_seconds_count"
        assert sample(response.text, duration, method="GET", route="/api/blogs/{blog_id}") >= 1
        # Measured at scrape time.
        assert sample(response.text, "blog_api_outbox_backlog") == 0

    async def test_a_public_client_address_gets_404(self, app: FastAPI) -> None:
        transport = ASGITransport(app=app, client=("203.0.113.7", 40000))
        async with AsyncClient(transport=transport, base_url="http://test") as outsider:
            response = await outsider.get("/metrics")
        assert response.status_code == 404


class TestToken:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"metrics_enabled": True, "metrics_token": TOKEN}

    @pytest.fixture
    async def private_client(self, app: FastAPI) -> AsyncIterator[AsyncClient]:
        transport = ASGITransport(app=app, client=("10.1.2.3", 40000))
        async with AsyncClient(transport=transport, base_url="http://test") as c:
            yield c

    async def test_without_the_token_404(self, private_client: AsyncClient) -> None:
        assert (await private_client.get("/metrics")).status_code == 404
        wrong = {"Authorization": "Bearer not-the-token"}
        assert (await private_client.get("/metrics", headers=wrong)).status_code == 404

    async def test_with_the_token_200(self, private_client: AsyncClient) -> None:
        response = await private_client.get(
            "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert response.status_code == 200
        assert "blog_api_http_requests_total" in response.text
