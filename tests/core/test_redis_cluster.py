"""`REDIS_CLUSTER=true` against a real three-node Redis Cluster (tests/redis_cluster.py).

Two `blog-api serve` workers share a private PostgreSQL database and the cluster, and a client
talks to them over HTTP, SSE and WebSocket as in tests/realtime/test_e2e.py and
tests/comments/test_ws_workers.py. Each test crosses the workers, so what one worker wrote to
Redis the other must find: a key, script or MULTI that broke the cluster's one-slot rule would
fail there. Several Redis errors are absorbed by design (a connection cap admits, presence
counts one worker, a ticket becomes a signed one, a rate limit counts in memory), so the tests
assert what only a working cluster gives, and the last one reads the workers' logs for Redis
warnings.

The services are this module's own, so it runs in the SQLite pass only (once per suite).
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest

from blog_api.core.redis import execute_with_scripts, redis_client
from tests.comments.wsclient import ws_connect
from tests.conftest import PASSWORD
from tests.harness import (
    Worker,
    app_env,
    fresh_database,
    once_per_suite,
    running_workers,
    submit_post,
)
from tests.realtime.sse_client import SseStream
from tests.redis_cluster import RedisClusterNodes, redis_cluster  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.redis]

# Rate limits are on, generous except the one the rate-limit test runs into.
LIMITS = {
    f"RATE_LIMIT_{name}": "1000/minute"
    for name in ("LOGIN", "REGISTER", "REFRESH", "BLOG_SUBMIT", "COMMENT", "PASSWORD_RESET")
}
FEATURE_REQUESTS_PER_HOUR = 2


@pytest.fixture(autouse=True)
def _once_per_suite() -> None:
    once_per_suite()


@dataclass
class Workers:
    a: Worker
    b: Worker
    mail_dir: Path


@pytest.fixture(scope="module")
async def database_url(postgres_url: str) -> str:
    """A database of this module's own, migrated by `blog-api migrate`."""
    return await fresh_database(postgres_url, "redis_cluster")


@pytest.fixture(scope="module")
def workers(
    redis_cluster: RedisClusterNodes,  # noqa: F811
    database_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Workers]:
    """Workers A and B in cluster mode on one database."""
    workdir = tmp_path_factory.mktemp("redis-cluster-app")
    env = app_env(
        database_url=database_url,
        redis_url=redis_cluster.url,
        secret_key=secrets.token_urlsafe(48),
        media_root=workdir / "media",
        REDIS_CLUSTER="true",
        RATE_LIMIT_ENABLED="true",
        RATE_LIMIT_FEATURE_REQUEST=f"{FEATURE_REQUESTS_PER_HOUR}/hour",
        SSE_MAX_CONNECTIONS_PER_USER="1",
        # The presence heartbeat (a pipeline of scripts) every second, so tests exercise it.
        WS_PRESENCE_TTL_SECONDS="3",
        **LIMITS,
    )
    with running_workers(env, workdir, 2) as (a, b):
        yield Workers(a, b, workdir / "mail")


@dataclass
class Member:
    id: int
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(10.0, read=None)) as client:
        yield client


async def register(http: httpx.AsyncClient, workers: Workers, *, role: str = "") -> Member:
    """A new user, registered on A and signed in on B (`role`: set in the database)."""
    name = f"rc{os.getpid()}x{time.monotonic_ns() % 10**9}"
    email = f"{name}@example.com"
    body = {"email": email, "username": name, "password": PASSWORD}
    resp = await http.post(workers.a.url + "/api/auth/register", json=body)
    assert resp.status_code == 201, resp.text
    user_id = int(resp.json()["id"])
    if role:
        database_url = workers.a.env["DATABASE_URL"].replace("postgres://", "postgresql://", 1)
        conn = await asyncpg.connect(database_url)
        try:
            await conn.execute("UPDATE users SET role = $1 WHERE email = $2", role, email)
        finally:
            await conn.close()
    resp = await http.post(
        workers.b.url + "/api/auth/login", json={"email": email, "password": PASSWORD}
    )
    assert resp.status_code == 200, resp.text
    return Member(user_id, email, resp.json()["access_token"])


async def open_stream(
    http: httpx.AsyncClient,
    worker: Worker,
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
) -> tuple[httpx.Response, SseStream | None]:
    request = http.build_request(
        "GET", worker.url + "/api/notifications/sse", headers=headers, params=params
    )
    response = await http.send(request, stream=True)
    return response, SseStream(response) if response.status_code == 200 else None


async def test_readiness_reports_the_cluster_reachable(
    workers: Workers, http: httpx.AsyncClient
) -> None:
    for worker in (workers.a, workers.b):
        resp = await http.get(worker.url + "/readyz")
        assert resp.json()["checks"] == {"database": "ok", "redis": "ok"}


async def test_sse_resume_with_last_event_id_replays_the_missed_events(
    workers: Workers, http: httpx.AsyncClient
) -> None:
    author = await register(http, workers)
    response, first = await open_stream(http, workers.b, author.headers)
    assert first is not None and (await first.next_event()).event == "ready"
    await submit_post(http, workers.a.url, author.headers, "seen")
    seen = await first.next_event(timeout=10.0)
    await response.aclose()
    missed = [
        await submit_post(http, workers.a.url, author.headers, f"missed {i}") for i in range(2)
    ]
    response, resumed = await open_stream(
        http, workers.a, author.headers | {"Last-Event-ID": seen.id or ""}
    )
    try:
        assert resumed is not None and (await resumed.next_event()).event == "ready"
        got = [(await resumed.next_event(timeout=10.0)).data["subject"]["id"] for _ in missed]
    finally:
        await response.aclose()
    assert got == missed


async def test_sse_connection_cap_holds_across_workers(
    workers: Workers, http: httpx.AsyncClient
) -> None:
    # SSE_MAX_CONNECTIONS_PER_USER=1: the claim script reads other workers' owner keys when the
    # user's set is full, which a cluster allows only because they share its hash slot.
    user = await register(http, workers)
    held, stream = await open_stream(http, workers.a, user.headers)
    try:
        assert stream is not None and (await stream.next_event()).event == "ready"
        refused, _ = await open_stream(http, workers.b, user.headers)
        await refused.aclose()
        assert refused.status_code == 429
    finally:
        await held.aclose()


@pytest.mark.parametrize("purpose", ["sse", "ws"])
async def test_ticket_issued_on_a_is_redeemed_once_on_b(
    workers: Workers, http: httpx.AsyncClient, purpose: str
) -> None:
    user = await register(http, workers)
    resp = await http.post(
        workers.a.url + "/api/notifications/ticket", json={"purpose": purpose}, headers=user.headers
    )
    ticket = resp.json()["ticket"]
    # Stored in Redis, not the signed stand-in used while Redis cannot store tickets.
    assert not ticket.startswith("st1.")
    if purpose == "sse":
        first, stream = await open_stream(http, workers.b, params={"ticket": ticket})
        assert stream is not None and (await stream.next_event()).event == "ready"
        await first.aclose()
        again, _ = await open_stream(http, workers.a, params={"ticket": ticket})
        await again.aclose()
        assert again.status_code == 401
    else:
        post_id = await approved_post(http, workers)
        async with ws_connect(post_ws(workers.b, post_id), ticket=ticket) as ws:
            await ws.join()
        async with ws_connect(post_ws(workers.a, post_id), ticket=ticket) as ws:
            code, _ = await ws.closed()
        assert code is not None and 4400 <= code < 4500


def post_ws(worker: Worker, post_id: int) -> str:
    return f"{worker.ws_url}/api/blogs/{post_id}/ws"


async def approved_post(http: httpx.AsyncClient, workers: Workers) -> int:
    author = await register(http, workers)
    moderator = await register(http, workers, role="l1_approver")
    post_id = await submit_post(http, workers.a.url, author.headers, "Live")
    resp = await http.post(
        f"{workers.b.url}/api/blogs/{post_id}/approve", headers=moderator.headers
    )
    assert resp.status_code == 200, resp.text
    return post_id


async def test_websocket_comment_on_a_reaches_a_viewer_on_b(
    workers: Workers, http: httpx.AsyncClient
) -> None:
    post_id = await approved_post(http, workers)
    alice, bob = await register(http, workers), await register(http, workers)
    async with (
        ws_connect(post_ws(workers.a, post_id), token=alice.token) as sender,
        ws_connect(post_ws(workers.b, post_id), token=bob.token) as viewer,
    ):
        await sender.join()
        await viewer.join()
        await sender.send({"type": "comment.create", "client_id": "c1", "body": "across"})
        ack = await sender.expect("comment.ack")
        created = await viewer.expect("comment.created")
    assert created["comment"]["id"] == ack["comment"]["id"]


async def test_presence_counts_viewers_on_both_workers(
    workers: Workers, http: httpx.AsyncClient
) -> None:
    post_id = await approved_post(http, workers)
    alice, bob = await register(http, workers), await register(http, workers)
    async with ws_connect(post_ws(workers.a, post_id), token=alice.token) as first:
        await first.join()
        async with ws_connect(post_ws(workers.b, post_id), token=bob.token) as second:
            await second.join()
            assert second.seen[-1] == {"type": "presence", "count": 2}
            assert (await first.expect("presence"))["count"] == 2
            # Past a heartbeat (a pipeline of scripts, every second here): the count holds.
            assert not [m for m in await first.quiet(1.5) if m["type"] == "presence"]
        assert (await first.expect("presence"))["count"] == 1


async def test_rate_limit_counts_hits_on_both_workers(
    workers: Workers, http: httpx.AsyncClient
) -> None:
    user = await register(http, workers)
    statuses = []
    for i, worker in enumerate([workers.a, workers.b, workers.a]):
        resp = await http.post(
            worker.url + "/api/feature-requests",
            json={"title": f"Request {i}", "description": "Please"},
            headers=user.headers,
        )
        statuses.append(resp.status_code)
    # Without the shared (cluster) storage each worker would count alone and admit the third.
    assert statuses == [201] * FEATURE_REQUESTS_PER_HOUR + [429]
    assert int(resp.headers["Retry-After"]) > 0


async def test_draft_saved_on_a_is_restored_on_b_with_its_ttl(
    workers: Workers,
    http: httpx.AsyncClient,
    redis_cluster: RedisClusterNodes,  # noqa: F811
) -> None:
    user = await register(http, workers)
    url = "/api/session/drafts/post-1"
    saved = await http.put(
        workers.a.url + url, json={"title": "T", "content": "draft"}, headers=user.headers
    )
    assert saved.status_code == 200, saved.text
    restored = await http.get(workers.b.url + url, headers=user.headers)
    assert restored.status_code == 200
    assert restored.json()["content"] == "draft"
    assert restored.json()["revision"] == saved.json()["revision"]
    stale = await http.put(
        workers.b.url + url, json={"title": "T", "revision": 0}, headers=user.headers
    )
    assert stale.status_code == 409
    # The hash and the user's index carry the draft TTL (DRAFT_TTL_DAYS, 30 by default).
    client = redis_client(redis_cluster.url, cluster=True)
    try:
        ttls = [
            await client.pttl(f"blog_api:drafts:{{{user.id}}}:d:post-1"),
            await client.pttl(f"blog_api:drafts:{{{user.id}}}:index"),
        ]
    finally:
        await client.aclose()
    assert all(29 * 86_400_000 < ttl <= 30 * 86_400_000 for ttl in ttls), ttls


async def test_mail_goes_through_the_cluster_queue(
    workers: Workers, http: httpx.AsyncClient
) -> None:
    user = await register(http, workers)
    resp = await http.post(workers.b.url + "/api/auth/password/forgot", json={"email": user.email})
    assert resp.status_code == 202
    deadline = time.monotonic() + 10
    while not any(user.email in p.read_text() for p in workers.mail_dir.glob("*.eml")):
        assert time.monotonic() < deadline, "the reset mail was not sent"
        await asyncio.sleep(0.1)


async def test_script_pipeline_survives_a_node_that_forgot_its_scripts(
    redis_cluster: RedisClusterNodes,  # noqa: F811
) -> None:
    client = redis_client(redis_cluster.url, cluster=True)
    incr = client.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1])")
    keys = [f"{{pipeline-test}}:{i}" for i in range(3)]

    async def fill(pipe: object) -> None:
        for key in keys:
            await incr(keys=[key], args=[2], client=pipe)

    try:
        await client.script_flush()  # every node: as after a restart or a failover
        assert await execute_with_scripts(client, [incr], fill) == [2, 2, 2]
        await client.delete(*keys)
    finally:
        await client.aclose()


async def test_workers_logged_no_redis_trouble(workers: Workers) -> None:
    # Last: the absorbed failures of everything above (claims admitted, presence counted
    # locally, heartbeats, the webhook intake's and mail consumer's group reads) log warnings.
    troubles = []
    for worker in (workers.a, workers.b):
        for line in worker.log().splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("level") in ("WARNING", "ERROR", "CRITICAL"):
                troubles.append(f"{worker.name}: {line}")
    assert not troubles, "\n".join(troubles)
