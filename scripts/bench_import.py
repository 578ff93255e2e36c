#!/usr/bin/env python3
"""Benchmark `blog-api import` of N blog posts into PostgreSQL (posts/s and seconds).

Writes an export file (a header, `--users` accounts of every role, then `--posts` posts: 60 %
approved, 15 % rejected, 25 % pending, a few paragraphs of Markdown and up to three tags each),
then times the real command, as an operator runs it, into a database of its own (`bench_import`
by default: dropped, re-created and migrated with `blog-api migrate`). Then it checks what was
written (posts, review rows, events) and imports the same file again, which must create nothing.

    .venv/bin/python scripts/bench_import.py                      # 10,000 posts
    .venv/bin/python scripts/bench_import.py --posts 500 --json import.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_common import (
    add_run_options,
    add_server_options,
    base_env,
    finish,
    load_average,
    machine_info,
    new_parser,
    run_cli,
    settings,
    setup_database,
    table,
    wait_until_quiet,
)

WORDS = [
    *("async", "api", "cache", "caddy", "design", "event", "fastapi", "http", "index", "json"),
    *("latency", "migration", "network", "postgres", "python", "queue", "redis", "release"),
    *("review", "schema", "security", "stream", "testing", "worker"),
]
TARGET_SECONDS_PER_10K = 30.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = new_parser(__doc__)
    parser.add_argument("--posts", type=int, default=10_000, help="posts in the file")
    parser.add_argument("--users", type=int, default=50, help="accounts in the file")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the file's content")
    parser.add_argument(
        "--timeout", type=float, default=1800.0, help="seconds one import may take at most"
    )
    add_server_options(parser, "bench_import", redis_help=None, graceful_timeout_help=None)
    add_run_options(parser)
    args = parser.parse_args(argv)
    if args.posts < 1 or args.users < 3:
        parser.error("--posts must be positive and --users at least 3")
    return args


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize()


def write_export(path: Path, posts: int, users: int, seed: int) -> dict[str, int]:
    """The export file; returns how many posts of each status it holds."""
    rng = random.Random(seed)
    roles = ["admin", "l1_approver", "l1_approver"] + ["user"] * (users - 3)
    people = [f"bench{n}@example.com" for n in range(users)]
    authors = [p for p, r in zip(people, roles, strict=True) if r == "user"] or people
    reviewers = [p for p, r in zip(people, roles, strict=True) if r != "user"]
    statuses = {"approved": 0, "rejected": 0, "pending": 0}
    with path.open("w", encoding="utf-8") as out:
        header = {"kind": "header", "format": "blog-api-export", "version": 1}
        out.write(json.dumps({**header, "exported_at": "2026-01-01T00:00:00Z"}) + "\n")
        for n, (email, role) in enumerate(zip(people, roles, strict=True)):
            out.write(
                json.dumps({"kind": "user", "email": email, "username": f"bench{n}", "role": role})
                + "\n"
            )
        for n in range(posts):
            fate = rng.random()
            status = "approved" if fate < 0.6 else "rejected" if fate < 0.75 else "pending"
            statuses[status] += 1
            day = f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}"
            paragraphs = [
                _sentence(rng, rng.randint(12, 40)) + "." for _ in range(rng.randint(1, 4))
            ]
            record = {
                "kind": "blog",
                "slug": f"post-{n + 1}",
                "title": f"{_sentence(rng, rng.randint(2, 6))} #{n + 1}",
                "content": "\n\n".join(paragraphs),
                "status": status,
                "author": rng.choice(authors),
                "tags": rng.sample(WORDS, rng.randint(0, 3)),
                "created_at": f"{day}T10:00:00Z",
                "submitted_at": f"{day}T10:05:00Z",
                "published_at": f"{day}T12:00:00Z" if status == "approved" else None,
                "reviewed_by": rng.choice(reviewers) if status != "pending" else None,
                "rejection_reason": "Please add an example." if status == "rejected" else None,
            }
            out.write(json.dumps(record) + "\n")
    return statuses


def run_import(path: Path, env: dict[str, str], timeout: float) -> tuple[float, str]:
    """(seconds, stdout) of `blog-api import FILE`; raises with its output if it failed."""
    started = time.monotonic()
    result = run_cli("import", str(path), env=env, timeout=timeout)
    seconds = time.monotonic() - started
    if result.returncode != 0:
        raise RuntimeError(f"blog-api import failed:\n{result.stdout}\n{result.stderr[-3000:]}")
    return seconds, result.stdout


async def count_rows(database_url: str) -> dict[str, int]:
    import asyncpg

    conn = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    try:
        return {
            table_name: int(await conn.fetchval(f"SELECT count(*) FROM {table_name}"))
            for table_name in (
                "users",
                "blogs",
                "blog_reviews",
                "blog_revisions",
                "outbox_events",
                "notifications",
            )
        }
    finally:
        await conn.close()


def report(results: dict[str, Any]) -> str:
    rows = [
        [
            p["phase"],
            p["posts"],
            p["created"],
            p["seconds"],
            p["posts_per_second"],
        ]
        for p in results["phases"]
    ]
    lines = [
        "",
        f"blog-api import of {results['posts']} posts into PostgreSQL ({results['statuses']})",
        table(["phase", "posts", "created", "seconds", "posts/s"], rows, digits=1),
        "rows written: " + ", ".join(f"{k} {v}" for k, v in results["rows"].items()),
    ]
    return "\n".join(lines)


def verdicts(results: dict[str, Any]) -> list[tuple[str, bool, str]]:
    first, again = results["phases"]
    # Up to 10,000 posts in TARGET_SECONDS_PER_10K (process start and migration check
    # included), proportionally more beyond.
    budget = TARGET_SECONDS_PER_10K * max(1.0, results["posts"] / 10_000)
    rows = results["rows"]
    decided = results["statuses"]["approved"] + results["statuses"]["rejected"]
    return [
        (
            f"an import of 10,000 posts takes seconds (< {TARGET_SECONDS_PER_10K:.0f} s)",
            first["seconds"] < budget,
            f"{first['seconds']} s for {results['posts']} ({first['posts_per_second']} posts/s)",
        ),
        (
            "every post, review and event written",
            rows["blogs"] == results["posts"]
            and rows["blog_reviews"] == decided
            and rows["blog_revisions"] == results["statuses"]["approved"]
            and rows["outbox_events"] == results["posts"] + decided,
            f"{rows['blogs']} posts, {rows['blog_reviews']} reviews, "
            f"{rows['outbox_events']} events",
        ),
        (
            "importing the same file again creates nothing",
            again["created"] == 0,
            f"{again['created']} created",
        ),
    ]


def _created(stdout: str) -> int:
    for line in stdout.splitlines():
        if line.startswith("blogs: "):
            return int(line.split()[1])
    raise RuntimeError(f"no blog summary in the output:\n{stdout}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    load_before = wait_until_quiet(args.max_load, args.wait_idle)
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="bench-import-"))
    env = base_env(PASSWORD_HASH_PROFILE="fast", REDIS_URL="", MEDIA_ROOT=str(workdir / "media"))
    try:
        setup_database(args, env)
        export = workdir / "export.jsonl"
        print(f"writing {args.posts} posts and {args.users} accounts to {export}")
        statuses = write_export(export, args.posts, args.users, args.seed)
        phases = []
        for phase in ("import", "same file again"):
            print(f"blog-api import ({phase})")
            seconds, stdout = run_import(export, env, args.timeout)
            phases.append(
                {
                    "phase": phase,
                    "posts": args.posts,
                    "created": _created(stdout),
                    "seconds": round(seconds, 2),
                    "posts_per_second": round(args.posts / seconds, 1),
                }
            )
        rows = asyncio.run(count_rows(env["DATABASE_URL"]))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    results: dict[str, Any] = {
        "benchmark": "bench_import",
        "settings": settings(args),
        "posts": args.posts,
        "statuses": statuses,
        "phases": phases,
        "rows": rows,
        "machine": machine_info(),
        "load_average_before": load_before,
        "load_average_after": load_average(),
        "seconds": round(time.monotonic() - started, 1),
    }
    return finish(results, verdicts, report, args.json, load_before)


if __name__ == "__main__":
    raise SystemExit(main())
