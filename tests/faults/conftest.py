"""Fixtures of the fault-injection tests: services of their own, workers, accounts.

Every test here runs against real processes (`blog-api serve` workers, tests/harness.py) on a
PRIVATE PostgreSQL cluster and a PRIVATE `redis-server`, both started by these fixtures on free
ports, so killing or stopping them never touches the shared services. Since they bring their own
services they run in the SQLite pass only; without `initdb`/`redis-server` they skip with a
"... unavailable" reason, which CI=true turns into a failure (tests/conftest.py).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.conftest import PASSWORD
from tests.harness import (
    Cluster,
    PostgresCluster,
    Worker,
    migrate,
    once_per_suite,
    submit_post,
    two_workers,
)


@pytest.fixture(autouse=True)
def _once_per_suite() -> None:
    once_per_suite()


@pytest.fixture(scope="session")
def private_postgres() -> Iterator[PostgresCluster]:
    """A PostgreSQL cluster of the fault tests' own (initdb in a temporary folder)."""
    cluster = PostgresCluster().start()
    try:
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture(scope="session")
def fault_database(private_postgres: PostgresCluster) -> str:
    """One migrated database on the private cluster, shared by the fault tests (each test makes
    users and posts of its own)."""
    url = private_postgres.create_database("faults")
    migrate(url)
    return url


@pytest.fixture
def cluster(fault_database: str, tmp_path: Path) -> Iterator[Cluster]:
    """Workers A and B on the private PostgreSQL and a fresh private Redis, for one test."""
    with two_workers(fault_database, tmp_path, SSE_RETRY_MS="500") as running:
        yield running


@dataclass
class Account:
    id: int
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


_names = itertools.count(1)


class Accounts:
    """Users made through the API (roles set in the database, as an admin would)."""

    def __init__(self, base_url: str, database_url: str) -> None:
        self.base_url = base_url
        self.database_url = database_url

    async def make(self, role: str = "user") -> Account:
        name = f"f{asyncio.get_running_loop().time():.0f}x{next(_names)}"
        email = f"{name}@example.com"
        async with httpx.AsyncClient(base_url=self.base_url, timeout=10) as http:
            resp = await http.post(
                "/api/auth/register",
                json={"email": email, "username": name[:32], "password": PASSWORD},
            )
            assert resp.status_code == 201, resp.text
            user_id = int(resp.json()["id"])
            if role != "user":
                conn = await asyncpg.connect(
                    self.database_url.replace("postgres://", "postgresql://", 1)
                )
                try:
                    await conn.execute("UPDATE users SET role = $1 WHERE id = $2", role, user_id)
                finally:
                    await conn.close()
            resp = await http.post("/api/auth/login", json={"email": email, "password": PASSWORD})
            assert resp.status_code == 200, resp.text
            return Account(user_id, email, resp.json()["access_token"])


@pytest.fixture
def accounts(cluster: Cluster, fault_database: str) -> Accounts:
    return Accounts(cluster.a.url, fault_database)


async def post_blog(http: httpx.AsyncClient, worker: Worker, author: Account, title: str) -> int:
    """Submit a post (its `blog.submitted` goes to every admin); its id."""
    return await submit_post(http, worker.url, author.headers, title)


async def approved_post(
    http: httpx.AsyncClient, worker: Worker, author: Account, admin: Account
) -> int:
    """A live post, for comment sockets."""
    post_id = await post_blog(http, worker, author, "A post to comment on")
    resp = await http.post(f"{worker.url}/api/blogs/{post_id}/approve", headers=admin.headers)
    assert resp.status_code == 200, resp.text
    return post_id


async def post_comment(
    http: httpx.AsyncClient, worker: Worker, author: Account, post_id: int, body: str
) -> int:
    """A comment over REST (the same path to viewers as one sent over the socket); its id."""
    resp = await http.post(
        f"{worker.url}/api/blogs/{post_id}/comments", json={"body": body}, headers=author.headers
    )
    assert resp.status_code == 201, resp.text
    return int(resp.json()["id"])


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(10.0, read=None)) as client:
        yield client
