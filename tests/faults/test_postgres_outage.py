"""PostgreSQL stopped under two running workers (the private cluster, `pg_ctl stop -m fast`):
the API answers clean 503 problems, readiness says 503, and once PostgreSQL is back the same
processes serve again, without a restart."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.faults.conftest import Accounts, post_blog
from tests.harness import Cluster, PostgresCluster

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis]

# What a leaked exception would show: a traceback, the driver's or the ORM's names, SQL.
LEAKS = ("Traceback", 'File "', "asyncpg", "tortoise", "SELECT", "postgres://")


async def test_database_outage_is_503_problems_and_the_app_recovers_without_restart(
    cluster: Cluster,
    accounts: Accounts,
    private_postgres: PostgresCluster,
    http: httpx.AsyncClient,
) -> None:
    author = await accounts.make()
    await post_blog(http, cluster.a, author, "Before the outage")
    pids = [w.popen.pid for w in cluster.workers]
    private_postgres.stop()
    try:
        for worker in cluster.workers:
            requests = [
                http.build_request("GET", worker.url + "/api/blogs"),
                http.build_request("GET", worker.url + "/api/blogs/1"),
                http.build_request("GET", worker.url + "/api/auth/me", headers=author.headers),
                http.build_request(
                    "POST",
                    worker.url + "/api/blogs",
                    json={"title": "During", "content": "x", "tags": []},
                    headers=author.headers,
                ),
                http.build_request(
                    "POST",
                    worker.url + "/api/auth/login",
                    json={"email": author.email, "password": "whatever-it-is-1"},
                ),
            ]
            for request in requests:
                resp = await http.send(request)
                where = f"{request.method} {request.url.path} on {worker.name}"
                assert resp.status_code == 503, (where, resp.status_code, resp.text)
                assert resp.headers["content-type"].startswith("application/problem+json"), where
                problem = resp.json()
                assert problem["status"] == 503, where
                assert not [leak for leak in LEAKS if leak in resp.text], (where, resp.text)
            ready = await http.get(worker.url + "/readyz")
            assert ready.status_code == 503, ready.text
    finally:
        private_postgres.start()

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    for worker in cluster.workers:
        while (await http.get(worker.url + "/readyz")).status_code != 200:
            assert loop.time() < deadline, f"{worker.name} did not recover:\n{worker.log()[-3000:]}"
            await asyncio.sleep(0.2)
        await post_blog(http, worker, author, f"After the outage, on {worker.name}")
    assert [w.popen.pid for w in cluster.workers] == pids
    assert all(w.alive() for w in cluster.workers)
