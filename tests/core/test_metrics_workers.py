"""`GET /metrics` after real traffic through one `blog-api serve --workers 2`: every worker's
values summed (prometheus-client multiprocess mode), on PostgreSQL and a private Redis."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.conftest import PASSWORD
from tests.core.test_metrics import sample
from tests.harness import (
    RedisServer,
    Worker,
    admin_at,
    app_env,
    fresh_database,
    once_per_suite,
    start_worker,
)
from tests.realtime.sse_client import SseStream

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _once_per_suite() -> None:
    once_per_suite()


@pytest.fixture
def metrics_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "prometheus"
    folder.mkdir()
    # A file of an earlier run: serve must empty the folder, or its counts would be summed in.
    (folder / "counter_999999.db").write_bytes(b"stale")
    return folder


@pytest.fixture
async def server(postgres_url: str, tmp_path: Path, metrics_dir: Path) -> AsyncIterator[Worker]:
    database = await fresh_database(postgres_url, "metrics")
    redis = RedisServer(tmp_path / "redis").start()
    env = app_env(
        database_url=database,
        redis_url=redis.url,
        secret_key=secrets.token_urlsafe(48),
        media_root=tmp_path / "media",
        METRICS_ENABLED="true",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        RATE_LIMIT_ENABLED="true",
        RATE_LIMIT_LOGIN="3/minute",  # the user, the admin, one wrong try; then 429
    )
    worker = start_worker("metrics", env, tmp_path, args=["--workers", "2"])
    try:
        yield worker
    finally:
        worker.stop()
        redis.stop()


def _pids(metrics_dir: Path) -> set[str]:
    return {path.stem.rsplit("_", 1)[1] for path in metrics_dir.glob("counter_*.db")}


async def test_metrics_sum_both_workers_after_real_traffic(
    server: Worker, metrics_dir: Path
) -> None:
    assert not (metrics_dir / "counter_999999.db").exists()
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
        name = f"metrics{secrets.token_hex(4)}"
        body = {"email": f"{name}@example.com", "username": name, "password": PASSWORD}
        assert (await client.post("/api/auth/register", json=body)).status_code == 201
        login = await client.post(
            "/api/auth/login", json={"email": body["email"], "password": PASSWORD}
        )
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}

        # A request on a fresh connection lands on either worker: go on until both have counted.
        healthz = 0
        while len(_pids(metrics_dir)) < 2 and healthz < 500:
            async with httpx.AsyncClient(base_url=server.url) as fresh:
                assert (await fresh.get("/healthz")).status_code == 200
            healthz += 1
        assert len(_pids(metrics_dir)) == 2, "one worker served every request"
        # A worker writes its metric files when it imports the app, before its start-up (the
        # event reader among it) has finished: wait for both, or the second one's reader may
        # start after the event below and never count it.
        for _ in range(300):
            if server.log().count("Application startup complete.") >= 2:
                break
            await asyncio.sleep(0.05)
        assert server.log().count("Application startup complete.") >= 2, server.log()[-3000:]

        async with client.stream("GET", "/api/notifications/sse", headers=headers) as response:
            stream = SseStream(response)
            events = [(await stream.next(timeout=10)).event for _ in range(2)]
            assert "ready" in events, events  # (after the `retry:` frame)
            open_streams = (await client.get("/metrics")).text
            # Submitted while the author's stream is open: it is delivered to that stream.
            created = await client.post(
                "/api/blogs",
                json={"title": "Counted", "content": "text", "tags": []},
                headers=headers,
            )
            assert created.status_code == 201
            while (await stream.next(timeout=10)).event != "blog.submitted":
                pass
        # Approved by an operator's admin, the post opens its live comments to its author.
        admin_headers = await admin_at(client, server.url, server.env, f"admin{name}")
        approved = await client.post(
            f"/api/blogs/{created.json()['id']}/approve", headers=admin_headers
        )
        assert approved.status_code == 200, approved.text
        ticket = await client.post(
            "/api/notifications/ticket", json={"purpose": "ws"}, headers=headers
        )
        assert ticket.status_code == 201, ticket.text
        post_id = created.json()["id"]
        ws_url = server.url.replace("http", "ws", 1)
        url = f"{ws_url}/api/blogs/{post_id}/ws?ticket={ticket.json()['ticket']}"
        async with connect(url, open_timeout=5, close_timeout=3) as ws:
            assert json.loads(await ws.recv())["type"] == "hello"
            open_sockets = (await client.get("/metrics")).text
        wrong = {"email": body["email"], "password": "not-the-password"}
        statuses = [
            (await client.post("/api/auth/login", json=wrong)).status_code for _ in range(2)
        ]
        assert statuses[-1] == 429, statuses

        # Both workers read each published event from the stream: received = 2 x published.
        deadline = time.monotonic() + 10
        while True:
            text = (await client.get("/metrics")).text
            published = sample(text, "blog_api_events_published_total")
            received = sample(text, "blog_api_events_received_total")
            settled = sample(text, "blog_api_sse_connections") == 0
            settled = settled and sample(text, "blog_api_outbox_backlog") == 0
            settled = settled and sample(text, "blog_api_websocket_connections") == 0
            if (published >= 1 and received == 2 * published and settled) or (
                time.monotonic() > deadline
            ):
                break
            await asyncio.sleep(0.2)

    assert published >= 1 and received == 2 * published, (published, received)
    assert sample(open_streams, "blog_api_sse_connections") == 1
    assert sample(text, "blog_api_sse_connections") == 0
    assert (
        sample(text, "blog_api_http_requests_total", method="GET", route="/healthz", status="200")
        == healthz
    )
    assert (
        sample(text, "blog_api_http_request_duration_seconds_count", method="GET", route="/healthz")
        == healthz
    )
    labels = {"method": "POST", "route": "/api/blogs", "status": "201"}
    assert sample(text, "blog_api_http_requests_total", **labels) == 1
    assert sample(text, "blog_api_rate_limit_refusals_total", limit="login") == 1
    assert sample(text, "blog_api_outbox_backlog") == 0
    assert sample(text, "blog_api_redis_up") == 1
    assert sample(text, "blog_api_outbox_relay_lag_seconds") == 0
    # The author's stream got blog.submitted; nobody was too slow to be evicted (exported at 0).
    assert sample(text, "blog_api_events_delivered_total") >= 1
    assert "\nblog_api_subscribers_evicted_total " in text
    assert sample(text, "blog_api_subscribers_evicted_total") == 0
    assert sample(open_sockets, "blog_api_websocket_connections") == 1
    assert sample(text, "blog_api_websocket_connections") == 0
