#!/usr/bin/env python3
"""Benchmark the REST API on one `blog-api serve` worker over PostgreSQL (and Redis).

What it measures (httpx AsyncClient, a fixed number of concurrent requests in flight):

- latency percentiles and throughput of GET /healthz, GET /api/blogs (the first page, and any
  page of the seeded posts through their cursors), GET /api/blogs/{id} and POST /api/blogs;
- GET /healthz probed one request at a time, first on an idle worker, then while a burst of
  concurrent logins runs with the *default* argon2id profile (64 MiB, t=3): the ratio of the
  two shows whether hashing blocks the event loop. A blocked loop would hold every probe for at
  least one whole hash, so the probe's p99 is also compared with the time of one hash measured
  on this machine.

The database (`bench_api` by default) is dropped, re-created, migrated with `blog-api migrate`
and seeded with approved posts through the blogs service (the same code the API runs).

    .venv/bin/python scripts/bench_api.py                        # defaults, about a minute
    .venv/bin/python scripts/bench_api.py --requests 500 --json api.json
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from bench_common import (
    PASSWORD,
    Worker,
    add_run_options,
    add_server_options,
    cpu_seconds,
    finish,
    flush_redis,
    load_average,
    machine_info,
    new_parser,
    settings,
    setup_database,
    start_worker,
    summarize_ms,
    table,
    use_uvloop,
    wait_until_quiet,
    worker_env,
)

AUTHOR_EMAIL = "bench-author@example.com"
REVIEWER_EMAIL = "bench-reviewer@example.com"
LOGIN_EMAIL = "bench-login-{n}@example.com"
LOGIN_ACCOUNTS = 8


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = new_parser(__doc__)
    parser.add_argument("--posts", type=int, default=500, help="approved posts to seed")
    parser.add_argument("--requests", type=int, default=1000, help="requests per endpoint")
    parser.add_argument("--concurrency", type=int, default=10, help="requests in flight")
    parser.add_argument(
        "--max-seconds", type=float, default=15.0, help="cap on each endpoint's run"
    )
    parser.add_argument("--logins", type=int, default=40, help="logins in the burst")
    parser.add_argument(
        "--login-concurrency", type=int, default=8, help="logins in flight during the burst"
    )
    parser.add_argument(
        "--probe-seconds", type=float, default=4.0, help="idle /healthz probing before the burst"
    )
    parser.add_argument(
        "--hash-profile",
        default="default",
        choices=["default", "fast"],
        help="PASSWORD_HASH_PROFILE of the worker (the issue asks for the default)",
    )
    add_server_options(parser, "bench_api", redis_help=None, graceful_timeout_help=None)
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/7",
        help="Redis for the event bus (this db is flushed); empty: in-process bus",
    )
    add_run_options(parser)
    args = parser.parse_args(argv)
    if min(args.posts, args.requests, args.concurrency, args.logins, args.login_concurrency) < 1:
        parser.error("counts must be positive")
    return args


# --- seeding ------------------------------------------------------------------------------------


async def seed(database_url: str, posts: int, hash_profile: str) -> list[int]:
    """Accounts and `posts` approved posts through the services; returns the post ids."""
    from tortoise import Tortoise

    from blog_api.blogs import service as blogs_service
    from blog_api.blogs.schemas import BlogCreate
    from blog_api.core.db import tortoise_config
    from blog_api.core.security import hash_password
    from blog_api.users.models import Role, User

    await Tortoise.init(config=tortoise_config(database_url))
    try:
        password_hash = await hash_password(PASSWORD, hash_profile)
        author = await User.create(
            email=AUTHOR_EMAIL, username="bench_author", password_hash=password_hash
        )
        reviewer = await User.create(
            email=REVIEWER_EMAIL,
            username="bench_reviewer",
            password_hash=password_hash,
            role=Role.l1_approver,
        )
        for n in range(LOGIN_ACCOUNTS):
            await User.create(
                email=LOGIN_EMAIL.format(n=n),
                username=f"bench_login_{n}",
                password_hash=password_hash,
            )
        rng = random.Random(7)
        words = ["api", "cache", "event", "fastapi", "latency", "postgres", "python", "queue"]
        limit = asyncio.Semaphore(4)
        ids: list[int] = []

        async def one(n: int) -> None:
            paragraphs = [
                " ".join(rng.choice(words) for _ in range(rng.randint(20, 60))).capitalize() + "."
                for _ in range(rng.randint(2, 5))
            ]
            data = BlogCreate(
                title=f"Benchmark post {n}: {' '.join(rng.sample(words, 3))}",
                content="\n\n".join(paragraphs),
                tags=rng.sample(words, rng.randint(0, 3)),
                image_ids=[],
            )
            async with limit:
                result = await blogs_service.create_blog(data, author=author, media_url="/media/")
                assert result.blog is not None
                await blogs_service.approve_blog(result.blog, reviewer=reviewer)
                ids.append(result.blog.id)

        await asyncio.gather(*(one(n) for n in range(posts)))
        return sorted(ids)
    finally:
        await Tortoise.close_connections()


async def wait_outbox_published(database_url: str, timeout: float = 60.0) -> int:
    """Wait until the worker's relay has published the seeding's events (not measured)."""
    import asyncpg

    conn = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    try:
        deadline = time.monotonic() + timeout
        while True:
            left = int(
                await conn.fetchval("SELECT count(*) FROM outbox_events WHERE published_at IS NULL")
            )
            if left == 0 or time.monotonic() > deadline:
                return left
            await asyncio.sleep(0.2)
    finally:
        await conn.close()


# --- load ---------------------------------------------------------------------------------------


Request = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]


@dataclass
class Run:
    name: str
    latencies: list[float]
    seconds: float
    errors: int
    statuses: dict[int, int]
    worker_cpu: float
    client_cpu: float

    def summary(self) -> dict[str, Any]:
        done = len(self.latencies) + self.errors
        return {
            "endpoint": self.name,
            "requests": len(self.latencies) + self.errors,
            "errors": self.errors,
            "statuses": self.statuses,
            "seconds": round(self.seconds, 2),
            "requests_per_second": round(len(self.latencies) / self.seconds, 1),
            "latency_ms": summarize_ms(self.latencies),
            # Where the two cores went: the worker process vs this client (httpx is not free).
            "worker_cpu_ms_per_request": round(self.worker_cpu * 1000 / max(1, done), 2),
            "client_cpu_ms_per_request": round(self.client_cpu * 1000 / max(1, done), 2),
        }


async def closed_loop(
    http: httpx.AsyncClient,
    name: str,
    request: Request,
    *,
    total: int,
    concurrency: int,
    max_seconds: float,
    expect: int,
    worker_pid: int,
) -> Run:
    """`concurrency` tasks issue requests back to back until `total` are done (or time is up)."""
    for n in range(min(20, total)):  # warm-up, not measured
        await request(http, n)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    issued = 0
    start = time.perf_counter()
    deadline = start + max_seconds
    worker_cpu, client_cpu = cpu_seconds(worker_pid), time.process_time()

    async def loop() -> None:
        nonlocal issued, errors
        while issued < total and time.perf_counter() < deadline:
            n = issued
            issued += 1
            began = time.perf_counter()
            try:
                response = await request(http, n)
            except httpx.HTTPError:
                errors += 1
                continue
            elapsed = time.perf_counter() - began
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code == expect:
                latencies.append(elapsed)
            else:
                errors += 1

    await asyncio.gather(*(loop() for _ in range(concurrency)))
    return Run(
        name,
        latencies,
        time.perf_counter() - start,
        errors,
        statuses,
        worker_cpu=cpu_seconds(worker_pid) - worker_cpu,
        client_cpu=time.process_time() - client_cpu,
    )


async def probe(http: httpx.AsyncClient, stop: asyncio.Event, interval: float) -> list[float]:
    """GET /healthz one at a time (every `interval` s) until `stop` is set; the latencies."""
    out: list[float] = []
    while not stop.is_set():
        began = time.perf_counter()
        response = await http.get("/healthz")
        if response.status_code == 200:
            out.append(time.perf_counter() - began)
        await asyncio.sleep(interval)
    return out


def one_hash_seconds(profile: str) -> float:
    """Median time of one argon2 verification with the worker's parameters, on this machine."""
    from blog_api.core.security import password_hasher

    hasher = password_hasher(profile)
    stored = hasher.hash(PASSWORD)
    times = []
    for _ in range(5):
        began = time.perf_counter()
        hasher.verify(stored, PASSWORD)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


async def hashing_phase(http: httpx.AsyncClient, args: argparse.Namespace) -> dict[str, Any]:
    stop = asyncio.Event()
    idle_task = asyncio.create_task(probe(http, stop, 0.01))
    await asyncio.sleep(args.probe_seconds)
    stop.set()
    idle = await idle_task

    stop = asyncio.Event()
    busy_task = asyncio.create_task(probe(http, stop, 0.01))
    login_latencies: list[float] = []
    failures = 0
    pending = list(range(args.logins))

    async def logins() -> None:
        nonlocal failures
        while pending:
            n = pending.pop()
            body = {"email": LOGIN_EMAIL.format(n=n % LOGIN_ACCOUNTS), "password": PASSWORD}
            began = time.perf_counter()
            response = await http.post("/api/auth/login", json=body)
            if response.status_code == 200:
                login_latencies.append(time.perf_counter() - began)
            else:
                failures += 1

    began = time.perf_counter()
    await asyncio.gather(*(logins() for _ in range(args.login_concurrency)))
    burst_seconds = time.perf_counter() - began
    stop.set()
    busy = await busy_task

    # Control: the same number of hashes, as many at a time, but outside the worker (threads of
    # this process). The worker's loop then only competes for the CPU; if /healthz fares about
    # the same as during the logins, the logins cost the loop CPU share, not blocking.
    from concurrent.futures import ThreadPoolExecutor

    from blog_api.core.security import password_hasher

    hasher = password_hasher(args.hash_profile)
    stored = hasher.hash(PASSWORD)
    stop = asyncio.Event()
    control_task = asyncio.create_task(probe(http, stop, 0.01))
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(max_workers=args.login_concurrency) as pool:
        await asyncio.gather(
            *(
                loop.run_in_executor(pool, hasher.verify, stored, PASSWORD)
                for _ in range(args.logins)
            )
        )
    stop.set()
    control = await control_task

    idle_ms, busy_ms, control_ms = summarize_ms(idle), summarize_ms(busy), summarize_ms(control)
    hash_ms = one_hash_seconds(args.hash_profile) * 1000
    return {
        "healthz_idle_ms": idle_ms,
        "healthz_during_logins_ms": busy_ms,
        "healthz_during_outside_hashing_ms": control_ms,
        "ratio_logins_to_outside_p50": round(busy_ms["p50"] / control_ms["p50"], 2),
        "ratio_p50": round(busy_ms["p50"] / idle_ms["p50"], 2),
        "ratio_p99": round(busy_ms["p99"] / idle_ms["p99"], 2),
        "logins": args.logins,
        "login_concurrency": args.login_concurrency,
        "login_failures": failures,
        "login_ms": summarize_ms(login_latencies),
        "logins_per_second": round(len(login_latencies) / burst_seconds, 1),
        "burst_seconds": round(burst_seconds, 2),
        "one_hash_ms": round(hash_ms, 1),
        "hash_profile": args.hash_profile,
    }


async def run(worker: Worker, ids: list[int], args: argparse.Namespace) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=max(args.concurrency, args.login_concurrency) + 2)
    async with httpx.AsyncClient(base_url=worker.url, timeout=30.0, limits=limits) as http:
        token = (
            await http.post("/api/auth/login", json={"email": AUTHOR_EMAIL, "password": PASSWORD})
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        # The cursors of every page of the seeded posts (default page size).
        cursors: list[str | None] = [None]
        while True:
            page = (
                await http.get(
                    "/api/blogs", params={"cursor": cursors[-1]} if cursors[-1] else None
                )
            ).json()
            if not page.get("next_cursor"):
                break
            cursors.append(page["next_cursor"])
        rng = random.Random(11)

        def get(path: str) -> Request:
            return lambda c, _n: c.get(path)

        def any_page(c: httpx.AsyncClient, _n: int) -> Awaitable[httpx.Response]:
            cursor = rng.choice(cursors)
            return c.get("/api/blogs", params={"cursor": cursor} if cursor else None)

        def one_post(c: httpx.AsyncClient, _n: int) -> Awaitable[httpx.Response]:
            return c.get(f"/api/blogs/{rng.choice(ids)}")

        def create(c: httpx.AsyncClient, n: int) -> Awaitable[httpx.Response]:
            body = {"title": f"Bench new {n} {time.time_ns()}", "content": "Some *markdown* text."}
            return c.post("/api/blogs", json=body, headers=auth)

        plan: list[tuple[str, Request, int]] = [
            ("GET /healthz", get("/healthz"), 200),
            ("GET /api/blogs (first page)", get("/api/blogs"), 200),
            (f"GET /api/blogs (any of {len(cursors)} pages)", any_page, 200),
            ("GET /api/blogs/{id}", one_post, 200),
            ("POST /api/blogs", create, 201),
        ]
        runs = []
        for name, request, expect in plan:
            print(f"   {name}")
            result = await closed_loop(
                http,
                name,
                request,
                total=args.requests,
                concurrency=args.concurrency,
                max_seconds=args.max_seconds,
                expect=expect,
                worker_pid=worker.pid,
            )
            runs.append(result.summary())
        print(f"   /healthz probe idle, then during {args.logins} logins")
        hashing = await hashing_phase(http, args)
    return {"endpoints": runs, "hashing": hashing, "pages": len(cursors)}


# --- report -------------------------------------------------------------------------------------


def report(results: dict[str, Any]) -> str:
    lines = [
        "",
        f"Latency (ms) and throughput, {results['settings']['concurrency']} requests in flight, "
        f"{results['seeded_posts']} approved posts",
    ]
    rows = [
        [
            e["endpoint"],
            e["requests"],
            e["errors"],
            e["requests_per_second"],
            e["latency_ms"]["p50"],
            e["latency_ms"]["p95"],
            e["latency_ms"]["p99"],
            e["latency_ms"]["max"],
            e["worker_cpu_ms_per_request"],
            e["client_cpu_ms_per_request"],
        ]
        for e in results["endpoints"]
    ]
    headers = ["endpoint", "requests", "errors", "req/s", "p50", "p95", "p99", "max"]
    lines.append(table([*headers, "worker CPU ms/req", "client CPU ms/req"], rows, digits=2))
    h = results["hashing"]
    lines += [
        "",
        f"GET /healthz one at a time: idle vs during {h['logins']} logins "
        f"({h['login_concurrency']} in flight, argon2 profile {h['hash_profile']})",
        table(
            ["probe", "n", "p50", "p95", "p99", "max"],
            [
                ["idle", *(h["healthz_idle_ms"][k] for k in ("n", "p50", "p95", "p99", "max"))],
                [
                    "during logins",
                    *(h["healthz_during_logins_ms"][k] for k in ("n", "p50", "p95", "p99", "max")),
                ],
                [
                    "same hashing outside the worker",
                    *(
                        h["healthz_during_outside_hashing_ms"][k]
                        for k in ("n", "p50", "p95", "p99", "max")
                    ),
                ],
            ],
            digits=2,
        ),
        f"ratio during/idle: p50 {h['ratio_p50']}, p99 {h['ratio_p99']}; one argon2 verification "
        f"takes {h['one_hash_ms']} ms here (when the CPU is free)",
        f"p50 during logins / p50 during the same hashing outside the worker: "
        f"{h['ratio_logins_to_outside_p50']} "
        "(about 1: the slowdown is CPU contention, not a blocked loop)",
        f"logins: p50 {h['login_ms']['p50']:.0f} ms, p99 {h['login_ms']['p99']:.0f} ms, "
        f"{h['logins_per_second']}/s, {h['login_failures']} failed",
    ]
    return "\n".join(lines)


def verdicts(results: dict[str, Any]) -> list[tuple[str, bool, str]]:
    """If argon2 ran on the event loop, a probe arriving at a random moment would wait for the
    rest of the hash in progress (half a hash on average, more with others queued): so the
    probe's median during the burst must stay below half a hash."""
    h = results["hashing"]
    p50 = h["healthz_during_logins_ms"]["p50"]
    bound = h["one_hash_ms"] / 2
    errors = sum(e["errors"] for e in results["endpoints"])
    return [
        (
            "argon2 runs off the event loop (/healthz p50 during logins < half a hash)",
            p50 < bound and h["login_failures"] == 0,
            f"p50 {p50:.1f} ms vs {bound:.1f} ms; vs same hashing outside the worker "
            f"{h['ratio_logins_to_outside_p50']}x; vs idle {h['ratio_p50']}x",
        ),
        ("no failed requests", errors == 0, f"{errors} errors"),
    ]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    load_before = wait_until_quiet(args.max_load, args.wait_idle)
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="bench-api-"))
    worker: Worker | None = None
    env = worker_env(args.redis_url, workdir, hash_profile=args.hash_profile)
    try:
        if args.redis_url:
            flush_redis(args.redis_url)
        setup_database(args, env)
        os.environ.update(env)  # the seeding below runs the services in this process
        print(f"seeding {args.posts} approved posts through the blogs service")
        ids = asyncio.run(seed(env["DATABASE_URL"], args.posts, args.hash_profile))
        worker = start_worker("api", env, workdir)
        left = asyncio.run(wait_outbox_published(env["DATABASE_URL"]))
        print(f"worker pid {worker.pid} port {worker.port}; unpublished seed events: {left}")
        use_uvloop()
        results = asyncio.run(run(worker, ids, args))
    except BaseException:
        if worker is not None:
            print(f"--- log of the worker (last lines)\n{worker.log()[-2000:]}")
        print(f"worker log kept in {workdir}")
        raise
    finally:
        if worker is not None:
            worker.stop()
    shutil.rmtree(workdir, ignore_errors=True)
    results.update(
        benchmark="bench_api",
        settings=settings(args),
        seeded_posts=len(ids),
        machine=machine_info(),
        load_average_before=load_before,
        load_average_after=load_average(),
        seconds=round(time.monotonic() - started, 1),
    )
    return finish(results, verdicts, report, args.json, load_before)


if __name__ == "__main__":
    raise SystemExit(main())
