#!/usr/bin/env python3
"""Benchmark public reads: `blog-api serve --workers 2` against a bare FastAPI ceiling (issue 12).

1. Generates --posts (10,000) approved posts as a `blog-api export` JSON-lines file: a few
   authors (some more prolific), --tags (50) tags with a Zipf-like spread (1-3 per post), markdown
   of varied length (headings, lists, code, links) from a Zipf-weighted vocabulary; then loads it
   with the real `blog-api import FILE` into the benchmark's own PostgreSQL database (dropped,
   created, migrated) and reports how long the import took.
2. Starts `blog-api serve --workers 2` on one port (ENVIRONMENT=development,
   RATE_LIMIT_ENABLED=false, LOG_LEVEL=WARNING; Redis: a private redis-server unless --redis-url)
   and, in the same run, the ceiling: scripts/bench_read_ceiling.py, a bare FastAPI app on the
   same Uvicorn settings (same workers, uvloop, httptools, no access log) returning from memory
   the bytes and content type the API answered for each URL.
3. Loads each scenario from a separate process, against the API and the ceiling alternately:
   `wrk` (keep-alive, --connections, --duration, percentiles from a Lua `done()` hook), or, when
   wrk is not installed (or --load-generator python), a lean raw-socket client of this script on
   uvloop (keep-alive, no pipelining, fixed connections). Scenarios, each anonymous and with a
   normal user's bearer token: the first page of GET /api/blogs, a deep page (the cursor after
   following next_cursor --deep-page pages in), ?tag= (the most used tag), ?q= (a word in about
   5% of the posts) and GET /api/blogs/{id} (a post of the first page, of median length).
   Between runs it waits for the server to finish what the load generator left in flight (its
   CPU idle, no query running on its database), so a slow scenario does not slow the next.
4. Reports requests/s, p50, p99, the ratio API/ceiling and server CPU per request; checks that
   every answer was 200 (wrk counts statuses >= 400, socket errors and timeouts; the Python
   client anything but 200) and that the API answers every URL with 200 and the same bytes before
   and after the load (httpx, one request each), the bytes the ceiling serves.

Verdicts: at least 0.5 of the ceiling for the anonymous first page, tag page and detail (the
others are reported without target); every answer 200; identical bytes. Quiet-machine guard:
when the 1-minute load average at the start is at or above --max-load (after waiting up to
--wait-idle seconds), the speed verdicts read "machine too busy to judge" and the exit code is 3.
Exit code 1: a figure was not met (or an answer was wrong, whatever the load).

    .venv/bin/python scripts/bench_read.py                        # defaults, about 6 minutes
    .venv/bin/python scripts/bench_read.py --posts 2000 --duration 5
    .venv/bin/python scripts/bench_read.py --wait-idle 300 --json benchmarks/results/read.json
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import math
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlencode, urlsplit

import httpx
from bench_api import wait_outbox_published
from bench_common import (
    PASSWORD,
    TOO_BUSY,
    Worker,
    add_run_options,
    add_server_options,
    all_met,
    cpu_seconds,
    free_port,
    judge,
    load_average,
    machine_info,
    machine_line,
    new_parser,
    open_redis,
    percentile,
    print_logs,
    print_verdicts,
    redis_label,
    remove_workdir,
    run_cli,
    serve_arguments,
    settings,
    setup_database,
    spawn,
    table,
    use_uvloop,
    wait_ready,
    wait_until_quiet,
    worker_env,
    write_json,
)
from bench_read_ceiling import answer_key

SCRIPTS = Path(__file__).resolve().parent
READER_EMAIL = "bench-read-reader@example.com"
REVIEWER_EMAIL = "bench-read-reviewer@example.com"
TARGET_RATIO = 0.5
SEARCH_DOCUMENT_SHARE = 0.05
WRK_MARK = "BENCH_READ_RESULT "
# wrk calls done() once at the end: the figures as one JSON line (latencies in microseconds).
WRK_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCH_READ_RESULT {"requests":%.0f,"duration_us":%.0f,"bytes":%.0f,'
    .. '"non_2xx":%.0f,"connect":%.0f,"read":%.0f,"write":%.0f,"timeout":%.0f,'
    .. '"p50_us":%.0f,"p99_us":%.0f,"max_us":%.0f}\\n',
    summary.requests, summary.duration, summary.bytes, e.status, e.connect, e.read, e.write,
    e.timeout, latency:percentile(50), latency:percentile(99), latency.max))
end
"""


def words_of(text: str) -> list[str]:
    """The words of `text` (the vocabularies below, written as prose to stay readable)."""
    return text.split()


TAGS = words_of(
    "python fastapi postgres redis docker kubernetes linux rust golang javascript typescript "
    "react css html security testing devops cloud aws databases performance caching async "
    "networking http api design architecture career tutorial opinion release-notes open-source "
    "machine-learning data-science statistics algorithms compilers git vim emacs shell "
    "observability logging monitoring accessibility mobile android ios gamedev"
)
COMMON_WORDS = words_of(
    "the a of to and in is it that for on with as this we be are by can from or an at not but "
    "have you your will one all which when there more so if about"
)
TECH_WORDS = words_of(
    "api cache event queue latency python postgres redis index query cursor worker request "
    "response server client thread process memory socket stream token session schema migration "
    "deploy container cluster replica shard backup metric trace log alert release branch commit "
    "review test fixture benchmark profile compile runtime async await loop future callback "
    "closure decorator generator iterator module package library framework router handler "
    "middleware template render markdown json config secret password hash signature"
)
SYLLABLES = words_of("ka lo mi ne ru sa te vo zi pa do ri mu fe ga bel tor wen qua dri")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = new_parser(__doc__)
    parser.add_argument("--posts", type=int, default=10_000, help="approved posts to import")
    parser.add_argument("--tags", type=int, default=50, help=f"distinct tags (<= {len(TAGS)})")
    parser.add_argument("--authors", type=int, default=8, help="authors of the posts")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per run")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured seconds before each")
    parser.add_argument("--connections", type=int, default=32, help="keep-alive connections")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="Uvicorn workers of both servers")
    parser.add_argument("--deep-page", type=int, default=50, help="page of the deep-page run")
    parser.add_argument(
        "--no-uncached",
        dest="uncached",
        action="store_false",
        help="skip the runs against a third server with the response cache off",
    )
    parser.add_argument(
        "--load-generator",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="auto: wrk when installed, else the Python raw-socket client",
    )
    parser.add_argument(
        "--import-timeout", type=float, default=3600, help="seconds allowed to blog-api import"
    )
    add_server_options(parser, "bench_read")
    add_run_options(parser, keep_logs=True)
    # Internal: be the Python load client (JSON spec) and print its figures as JSON.
    parser.add_argument("--load-client", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    counts = (args.posts, args.tags, args.authors, args.duration, args.connections, args.threads)
    if min(*counts, args.workers, args.deep_page) < 1 or args.warmup < 0:
        parser.error("counts and durations must be positive")
    if args.tags > len(TAGS):
        parser.error(f"--tags: at most {len(TAGS)}")
    return args


# --- the data -----------------------------------------------------------------------------------


@dataclass
class Dataset:
    path: Path
    posts: int
    tag: str  # the most used tag
    tag_posts: int
    search_word: str  # a word in about SEARCH_DOCUMENT_SHARE of the posts
    search_posts: int
    content_length: dict[str, int]  # by slug

    def summary(self) -> dict[str, Any]:
        lengths = sorted(self.content_length.values())
        return {
            "posts": self.posts,
            "tag": self.tag,
            "tag_posts": self.tag_posts,
            "search_word": self.search_word,
            "search_posts": self.search_posts,
            "content_chars_p50": percentile(lengths, 50),
            "content_chars_p99": percentile(lengths, 99),
            "content_chars_max": lengths[-1],
        }


def zipf_cum_weights(n: int, s: float = 1.07) -> list[float]:
    """Cumulative weights of ranks 1..n with P(rank) proportional to 1/rank**s."""
    total, out = 0.0, []
    for rank in range(1, n + 1):
        total += 1 / rank**s
        out.append(total)
    return out


def generate(path: Path, args: argparse.Namespace) -> Dataset:
    """Write the posts (and their authors and reviewer) as `blog-api export` JSON lines."""
    from blog_api.ops.transfer import FORMAT, VERSION, write_jsonl

    rng = random.Random(12)
    pseudo = sorted({"".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) for _ in range(300)})
    rng.shuffle(pseudo)
    vocabulary = COMMON_WORDS + TECH_WORDS + pseudo
    vocabulary_weights = zipf_cum_weights(len(vocabulary))
    searchable = set(TECH_WORDS) | set(pseudo)  # not English stop words
    tags = TAGS[: args.tags]
    rng.shuffle(tags)
    tag_weights = zipf_cum_weights(len(tags), 0.9)
    authors = [f"bench-read-author-{n}@example.com" for n in range(args.authors)]
    author_weights = zipf_cum_weights(len(authors), 1.0)

    def words(k: int) -> list[str]:
        return rng.choices(vocabulary, cum_weights=vocabulary_weights, k=k)

    def paragraph() -> str:
        out = words(rng.randint(15, 90))
        marked = rng.randrange(len(out))
        out[marked] = rng.choice((f"**{out[marked]}**", f"`{out[marked]}`", out[marked]))
        if rng.random() < 0.2:
            out.append(f"[{out[0]}](https://example.com/{out[0]})")
        return " ".join(out).capitalize() + "."

    def content() -> str:
        blocks: list[str] = []
        for n in range(max(1, int(rng.lognormvariate(1.3, 0.7)))):
            if n and rng.random() < 0.25:
                blocks.append("## " + " ".join(words(rng.randint(2, 5))).capitalize())
            blocks.append(paragraph())
            if rng.random() < 0.15:
                blocks.append("\n".join(f"- {' '.join(words(rng.randint(3, 8)))}" for _ in "abc"))
            if rng.random() < 0.1:
                code = "\n".join(f"{w} = {w}({rng.randint(1, 99)})" for w in words(3))
                blocks.append(f"```python\n{code}\n```")
        return "\n\n".join(blocks)

    def iso(moment: datetime) -> str:
        return moment.isoformat().replace("+00:00", "Z")

    records: list[dict[str, Any]] = [
        {"kind": "header", "format": FORMAT, "version": VERSION, "exported_at": iso(_now())}
    ]
    people = [(email, "user") for email in authors] + [(REVIEWER_EMAIL, "l1_approver")]
    for email, role in people:
        username = email.split("@")[0].replace("-", "_")
        records.append({"kind": "user", "email": email, "username": username, "role": role})
    start = _now() - timedelta(minutes=47 * args.posts + 60)
    tag_use: Counter[str] = Counter()
    documents: Counter[str] = Counter()
    lengths: dict[str, int] = {}
    for n in range(args.posts):
        title_words = rng.sample(TECH_WORDS, 2) + words(rng.randint(1, 6))
        title = " ".join(title_words).capitalize()
        text = content()
        slug = "-".join(re.findall(r"[a-z0-9]+", title.lower()))[:200] + f"-{n}"
        post_tags = sorted(set(rng.choices(tags, cum_weights=tag_weights, k=rng.randint(1, 3))))
        tag_use.update(post_tags)
        documents.update(set(re.findall(r"[a-z]+", f"{title} {text}".lower())) & searchable)
        lengths[slug] = len(text)
        created = start + timedelta(minutes=47 * n + rng.randint(0, 30))
        submitted = created + timedelta(minutes=rng.randint(1, 120))
        records.append(
            {
                "kind": "blog",
                "slug": slug,
                "title": title,
                "content": text,
                "status": "approved",
                "author": rng.choices(authors, cum_weights=author_weights)[0],
                "tags": post_tags,
                "created_at": iso(created),
                "submitted_at": iso(submitted),
                "published_at": iso(submitted + timedelta(minutes=rng.randint(5, 600))),
                "reviewed_by": REVIEWER_EMAIL,
                "rejection_reason": None,
            }
        )
    with path.open("w", encoding="utf-8") as out:
        write_jsonl(records, out)
    tag, tag_posts = tag_use.most_common(1)[0]
    goal = SEARCH_DOCUMENT_SHARE * args.posts
    word = min(sorted(documents), key=lambda w: abs(documents[w] - goal))
    return Dataset(path, args.posts, tag, tag_posts, word, documents[word], lengths)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def import_posts(dataset: Dataset, env: dict[str, str], timeout: float) -> dict[str, Any]:
    """`blog-api import FILE` (the real command), timed; it must create every post."""
    print(f"blog-api import {dataset.path.name} ({dataset.posts} posts)")
    began = time.perf_counter()
    done = run_cli("import", str(dataset.path), env=env, timeout=timeout)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise RuntimeError(f"blog-api import failed:\n{done.stdout}\n{done.stderr[-3000:]}")
    found = re.search(r"blogs: (\d+) created", done.stdout)
    created = int(found.group(1)) if found else -1
    print(f"   {created} posts created in {seconds:.1f} s ({created / seconds:.1f} posts/s)")
    return {
        "posts": dataset.posts,
        "created": created,
        "seconds": round(seconds, 2),
        "posts_per_second": round(created / seconds, 1),
        "output": done.stdout.strip(),
    }


# --- servers ------------------------------------------------------------------------------------


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process and all its descendants (Uvicorn's master and its workers)."""
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            total += cpu_seconds(current)
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return total


async def active_queries(database_url: str) -> int:
    """Queries running on the benchmark's database (besides this one)."""
    import asyncpg

    conn = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    try:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND state = 'active' AND pid <> pg_backend_pid()"
            )
        )
    finally:
        await conn.close()


def drain(server: Worker, database_url: str | None, limit: float = 120.0) -> float:
    """Wait until `server` is idle: its processes use < 5% of a CPU and (API) no query runs on
    its database. Requests a load generator left in flight go on after it has gone (a slow
    search can leave a minute of work), and start-up or the relay publishing the import's
    events must not be measured either. Returns the seconds waited."""
    began = time.monotonic()
    while time.monotonic() - began < limit:
        busy = asyncio.run(active_queries(database_url)) if database_url else 0
        cpu = tree_cpu(server.pid)
        time.sleep(0.25)
        if not busy and tree_cpu(server.pid) - cpu < 0.0125:
            break
    return round(time.monotonic() - began, 2)


def start_api(env: dict[str, str], workdir: Path, args: argparse.Namespace) -> Worker:
    port = free_port()
    command = [
        *(sys.executable, "-m", "blog_api.cli"),
        *serve_arguments(port, args.graceful_timeout),
        *("--workers", str(args.workers)),
    ]
    return wait_ready(spawn("api", port, command, workdir, env), "blog-api serve")


def start_ceiling(bodies: Path, workdir: Path, args: argparse.Namespace) -> Worker:
    port = free_port()
    command = [
        *(sys.executable, str(SCRIPTS / "bench_read_ceiling.py"), "--port", str(port)),
        *("--workers", str(args.workers), "--bodies", str(bodies)),
        *("--graceful-timeout", str(args.graceful_timeout)),
    ]
    return wait_ready(spawn("ceiling", port, command, workdir, None), "the ceiling server")


# --- scenarios and answers ----------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    path: str  # path and query
    bearer: bool
    target: bool  # judged against TARGET_RATIO

    @property
    def key(self) -> str:
        return answer_key(self.path, self.bearer)

    @property
    def label(self) -> str:
        return f"{self.name} ({'bearer' if self.bearer else 'anonymous'})"


Answer = tuple[int, str, bytes]  # status, content type, body


def fetch(http: httpx.Client, scenario: Scenario, token: str) -> Answer:
    headers = {"Authorization": f"Bearer {token}"} if scenario.bearer else {}
    response = http.get(scenario.path, headers=headers)
    return response.status_code, response.headers.get("content-type", ""), response.content


def reader_token(http: httpx.Client) -> str:
    """Register a normal user through the API and log in: its access token."""
    body = {"email": READER_EMAIL, "username": "bench_read_reader", "password": PASSWORD}
    http.post("/api/auth/register", json=body).raise_for_status()
    login = http.post("/api/auth/login", json={"email": READER_EMAIL, "password": PASSWORD})
    login.raise_for_status()
    return str(login.json()["access_token"])


def plan(http: httpx.Client, dataset: Dataset, deep_page: int) -> tuple[list[Scenario], int]:
    """The scenarios (anonymous and bearer) and the page number the deep page really is."""
    first = http.get("/api/blogs").json()
    page, cursor, next_cursor = 1, None, first["next_cursor"]
    while page < deep_page and next_cursor:
        cursor, page = next_cursor, page + 1
        next_cursor = http.get("/api/blogs", params={"cursor": cursor}).json()["next_cursor"]
    median = statistics.median(dataset.content_length.values())
    detail = min(first["items"], key=lambda i: abs(dataset.content_length[i["slug"]] - median))
    paths = [
        ("first page", "/api/blogs", True),
        (f"page {page} (cursor)", "/api/blogs" + query(cursor_param(cursor)), False),
        (f"tag={dataset.tag}", "/api/blogs" + query({"tag": dataset.tag}), True),
        (f"q={dataset.search_word}", "/api/blogs" + query({"q": dataset.search_word}), False),
        ("detail", f"/api/blogs/{detail['id']}", True),
    ]
    scenarios = [
        Scenario(name, path, bearer, target and not bearer)
        for name, path, target in paths
        for bearer in (False, True)
    ]
    return scenarios, page


def cursor_param(cursor: str | None) -> dict[str, str]:
    return {"cursor": cursor} if cursor else {}


def query(params: dict[str, str]) -> str:
    return f"?{urlencode(params)}" if params else ""


def write_bodies(path: Path, answers: dict[str, Answer]) -> None:
    """The answers for the ceiling (bench_read_ceiling.py reads this file)."""
    stored = {
        key: {"content_type": ctype, "body": base64.b64encode(body).decode()}
        for key, (_, ctype, body) in answers.items()
    }
    path.write_text(json.dumps(stored))


# --- load ---------------------------------------------------------------------------------------


def load(
    generator: str,
    server: Worker,
    scenario: Scenario,
    token: str,
    seconds: int,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """One run of `seconds` against `server` from a separate process: figures and CPU."""
    url = server.url + scenario.path
    bearer = token if scenario.bearer else ""
    server_cpu = tree_cpu(server.pid)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    if generator == "wrk":
        figures = run_wrk(url, bearer, seconds, args)
    else:
        figures = run_python_client(url, bearer, seconds, args.connections)
    server_cpu = tree_cpu(server.pid) - server_cpu
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    client_cpu = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    done = max(1, figures["requests"])
    figures["server_cpu_ms_per_request"] = round(server_cpu * 1000 / done, 3)
    figures["client_cpu_ms_per_request"] = round(client_cpu * 1000 / done, 3)
    # What the load generator left in flight is finished before the next run starts.
    database = args.database_url if server.name == "api" else None
    figures["drained_after_seconds"] = drain(server, database)
    return figures


def run_wrk(url: str, token: str, seconds: int, args: argparse.Namespace) -> dict[str, Any]:
    script = Path(args.workdir) / "report.lua"
    if not script.exists():
        script.write_text(WRK_LUA)
    command = [
        *("wrk", f"-t{min(args.threads, args.connections)}", f"-c{args.connections}"),
        *(f"-d{seconds}s", "--latency", "--timeout", "30s", "-s", str(script)),
        *(("-H", f"Authorization: Bearer {token}") if token else ()),
        url,
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    line = next((r for r in done.stdout.splitlines() if r.startswith(WRK_MARK)), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    raw = json.loads(line[len(WRK_MARK) :])
    return figures_of(
        requests=int(raw["requests"]),
        seconds=raw["duration_us"] / 1e6,
        p50_ms=raw["p50_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        non_2xx=int(raw["non_2xx"]),
        socket_errors=int(raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]),
        received_bytes=int(raw["bytes"]),
    )


def figures_of(
    *,
    requests: int,
    seconds: float,
    p50_ms: float,
    p99_ms: float,
    max_ms: float,
    non_2xx: int,
    socket_errors: int,
    received_bytes: int,
) -> dict[str, Any]:
    """One run's figures, the same for both load generators (no latency without answers)."""
    nan = math.nan
    return {
        "requests": requests,
        "seconds": round(seconds, 3),
        "requests_per_second": round(requests / seconds, 1),
        "p50_ms": round(p50_ms, 3) if requests else nan,
        "p99_ms": round(p99_ms, 3) if requests else nan,
        "max_ms": round(max_ms, 3) if requests else nan,
        # wrk counts answers with a status >= 400 here; the Python client anything but 200.
        "non_2xx": non_2xx,
        "socket_errors": socket_errors,
        "bytes_per_response": round(received_bytes / max(1, requests), 1),
    }


def run_python_client(url: str, token: str, seconds: int, connections: int) -> dict[str, Any]:
    """This script as the load client (--load-client), in its own process."""
    spec = {"url": url, "token": token, "seconds": seconds, "connections": connections}
    command = [sys.executable, str(Path(__file__).resolve()), "--load-client", json.dumps(spec)]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"the load client failed:\n{done.stdout}\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.splitlines()[-1]))


class _Tally:
    """What the connections of the Python load client share."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.latencies: list[float] = []
        self.non_200 = 0
        self.errors = 0
        self.received = 0


class _Connection(asyncio.Protocol):
    """One keep-alive connection: send the GET, read the whole answer (Content-Length), send the
    next, until the deadline. No pipelining, no task, no parser library."""

    def __init__(self, request: bytes, tally: _Tally) -> None:
        self.request, self.tally = request, tally
        self.buffer = bytearray()
        self.sent = 0.0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio.Transport, but have its methods. The
        # first request is sent once every connection is open.
        self.transport = cast(asyncio.Transport, transport)

    def send(self) -> None:
        assert self.transport is not None
        self.sent = time.perf_counter()
        if self.sent < self.tally.deadline:
            self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buffer[:end]).lower()
        found = re.search(rb"\r\ncontent-length:\s*(\d+)", head)
        if found is None:  # our servers always send Content-Length for these answers
            self.tally.errors += 1
            assert self.transport is not None
            self.transport.close()
            return
        size = end + 4 + int(found.group(1))
        if len(self.buffer) < size:
            return
        now = time.perf_counter()
        del self.buffer[:size]
        if now <= self.tally.deadline:
            self.tally.latencies.append(now - self.sent)
            self.tally.received += size
            self.tally.non_200 += not head.startswith((b"http/1.1 200 ", b"http/1.0 200 "))
        self.send()

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is not None:
            self.tally.errors += 1


async def load_client(url: str, token: str, seconds: float, connections: int) -> dict[str, Any]:
    """Keep `connections` busy with GET `url` for `seconds`; figures like wrk's."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    request = f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\n{auth}\r\n".encode()
    loop = asyncio.get_running_loop()
    tally = _Tally(deadline=float("inf"))
    opened = await asyncio.gather(
        *(
            loop.create_connection(lambda: _Connection(request, tally), host, port)
            for _ in range(connections)
        )
    )
    tally.deadline = time.perf_counter() + seconds
    for _, protocol in opened:
        protocol.send()
    await asyncio.sleep(seconds)
    for transport, _ in opened:
        transport.close()
    latencies = sorted(tally.latencies)
    return figures_of(
        requests=len(latencies),
        seconds=seconds,
        p50_ms=percentile(latencies, 50) * 1000,
        p99_ms=percentile(latencies, 99) * 1000,
        max_ms=(latencies[-1] if latencies else 0.0) * 1000,
        non_2xx=tally.non_200,
        socket_errors=tally.errors,
        received_bytes=tally.received,
    )


def wrk_version() -> str:
    done = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    return (done.stdout + done.stderr).split("\n")[0].strip()


def pick_generator(choice: str) -> str:
    if choice == "python":
        return "python"
    if shutil.which("wrk"):
        return "wrk"
    if choice == "wrk":
        raise SystemExit("wrk is not installed: apt-get install wrk (or --load-generator python)")
    print("wrk is not installed (apt-get install wrk): using the Python raw-socket load client")
    return "python"


def measure(
    scenarios: list[Scenario],
    api: Worker,
    ceiling: Worker,
    token: str,
    generator: str,
    args: argparse.Namespace,
) -> list[dict[str, Any]]:
    """Every scenario against both servers, which goes first alternating."""
    out = []
    for n, scenario in enumerate(scenarios):
        servers = [("api", api), ("ceiling", ceiling)]
        row: dict[str, Any] = {
            "scenario": scenario.label,
            "path": scenario.path,
            "bearer": scenario.bearer,
            "target": TARGET_RATIO if scenario.target else None,
        }
        for name, server in servers if n % 2 == 0 else servers[::-1]:
            if args.warmup:
                load(generator, server, scenario, token, args.warmup, args)
            row[name] = load(generator, server, scenario, token, args.duration, args)
        row["ratio"] = round(
            row["api"]["requests_per_second"] / max(0.1, row["ceiling"]["requests_per_second"]), 3
        )
        print(
            f"   {scenario.label:<34} API {row['api']['requests_per_second']:>8.1f}/s, "
            f"ceiling {row['ceiling']['requests_per_second']:>8.1f}/s, ratio {row['ratio']}"
        )
        out.append(row)
    return out


def measure_uncached(
    scenarios: list[Scenario],
    env: dict[str, str],
    token: str,
    generator: str,
    workdir: Path,
    args: argparse.Namespace,
    processes: list[Worker],
) -> tuple[dict[str, dict[str, Any]], dict[str, Answer]]:
    """The anonymous scenarios against the API with its response cache off (every request a
    miss: what a URL costs the first time), and every scenario's uncached answer."""
    uncached = start_api({**env, "PUBLIC_CACHE_ENTRIES": "0"}, workdir, args)
    processes.append(uncached)
    print(f"uncached API (PUBLIC_CACHE_ENTRIES=0) pid {uncached.pid} port {uncached.port}")
    with httpx.Client(base_url=uncached.url, timeout=60.0) as http:
        answers = {s.key: fetch(http, s, token) for s in scenarios}
    runs = {}
    for scenario in scenarios:
        if scenario.bearer:
            continue
        if args.warmup:
            load(generator, uncached, scenario, token, args.warmup, args)
        runs[scenario.label] = load(generator, uncached, scenario, token, args.duration, args)
        print(f"   {scenario.label:<34} uncached {runs[scenario.label]['requests_per_second']}/s")
    uncached.stop()
    return runs, answers


def run(
    api: Worker,
    dataset: Dataset,
    generator: str,
    workdir: Path,
    args: argparse.Namespace,
    processes: list[Worker],
    env: dict[str, str],
) -> dict[str, Any]:
    with httpx.Client(base_url=api.url, timeout=60.0) as http:
        token = reader_token(http)
        scenarios, deep_page = plan(http, dataset, args.deep_page)
        before = {s.key: fetch(http, s, token) for s in scenarios}
    wrong = {k: a[0] for k, a in before.items() if a[0] != 200}
    if wrong:
        raise RuntimeError(f"the API did not answer 200 before the load: {wrong}")
    bodies = workdir / "bodies.json"
    write_bodies(bodies, before)
    ceiling = start_ceiling(bodies, workdir, args)
    processes.append(ceiling)
    print(f"ceiling pid {ceiling.pid} port {ceiling.port}")
    with httpx.Client(base_url=ceiling.url, timeout=60.0) as http:
        from_ceiling = {s.key: fetch(http, s, token) for s in scenarios}
    load_before_load = load_average()
    print(f"load ({generator}): {args.connections} connections, {args.duration} s per run")
    runs = measure(scenarios, api, ceiling, token, generator, args)
    with httpx.Client(base_url=api.url, timeout=60.0) as http:
        after = {s.key: fetch(http, s, token) for s in scenarios}
    uncached_runs: dict[str, dict[str, Any]] = {}
    uncached_answers: dict[str, Answer] = {}
    if args.uncached:
        uncached_runs, uncached_answers = measure_uncached(
            scenarios, env, token, generator, workdir, args, processes
        )
    for row in runs:
        if row["scenario"] in uncached_runs:
            row["uncached"] = uncached_runs[row["scenario"]]
            row["uncached_ratio"] = round(
                row["uncached"]["requests_per_second"]
                / max(0.1, row["ceiling"]["requests_per_second"]),
                3,
            )
    return {
        "deep_page": deep_page,
        "load_generator": generator,
        "load_average_before_load": load_before_load,
        "scenarios": runs,
        "answers": [
            {
                "scenario": s.label,
                "path": s.path,
                "body_bytes": len(before[s.key][2]),
                "content_type": before[s.key][1],
                "after_status": after[s.key][0],
                "same_bytes_after_load": after[s.key] == before[s.key],
                "ceiling_same_bytes": from_ceiling[s.key] == before[s.key],
                "uncached_same_bytes": (
                    uncached_answers[s.key] == before[s.key] if uncached_answers else None
                ),
            }
            for s in scenarios
        ],
    }


# --- report -------------------------------------------------------------------------------------


def report(results: dict[str, Any]) -> str:
    imp, data = results["import"], results["data"]
    lines = [
        "",
        f"Import: {imp['created']} posts in {imp['seconds']} s ({imp['posts_per_second']} "
        "posts/s) with `blog-api import`",
        f"Data: tag page {data['tag']} ({data['tag_posts']} posts), search q={data['search_word']} "
        f"({data['search_posts']} posts), deep page {results['deep_page']}, content "
        f"{data['content_chars_p50']:.0f} chars median / {data['content_chars_max']} max",
        "",
        f"Requests/s and latency (ms), {results['settings']['connections']} connections, "
        f"{results['settings']['duration']} s per run ({results['load_generator']}); API: "
        f"blog-api serve --workers {results['settings']['workers']}, ceiling: bare FastAPI, "
        "same Uvicorn settings",
    ]
    rows = [
        [
            r["scenario"],
            r["api"]["requests_per_second"],
            r["api"]["p50_ms"],
            r["api"]["p99_ms"],
            r["ceiling"]["requests_per_second"],
            r["ceiling"]["p50_ms"],
            r["ceiling"]["p99_ms"],
            f"{r['ratio']:.3f}",
            f">= {r['target']}" if r["target"] else "-",
            r["api"]["server_cpu_ms_per_request"],
            r["ceiling"]["server_cpu_ms_per_request"],
        ]
        for r in results["scenarios"]
    ]
    headers = ["scenario", "API req/s", "API p50", "API p99", "ceiling req/s", "ceiling p50"]
    headers += ["ceiling p99", "API / ceiling", "target", "API CPU ms/req", "ceiling CPU ms/req"]
    lines.append(table(headers, rows, digits=2))
    uncached = [r for r in results["scenarios"] if "uncached" in r]
    if uncached:
        lines += [
            "",
            "The same anonymous URLs with the response cache off (PUBLIC_CACHE_ENTRIES=0): what "
            "each URL costs when it is not in a worker's cache (its first request, or after an "
            "event dropped it)",
            table(
                ["scenario", "uncached req/s", "p50", "p99", "/ ceiling", "CPU ms/req"],
                [
                    [
                        r["scenario"],
                        r["uncached"]["requests_per_second"],
                        r["uncached"]["p50_ms"],
                        r["uncached"]["p99_ms"],
                        f"{r['uncached_ratio']:.3f}",
                        r["uncached"]["server_cpu_ms_per_request"],
                    ]
                    for r in uncached
                ],
                digits=2,
            ),
        ]
    return "\n".join(lines)


def verdicts(results: dict[str, Any]) -> list[tuple[str, bool, str]]:
    return [
        (
            f"{r['scenario']}: API >= {TARGET_RATIO} x ceiling req/s",
            r["ratio"] >= TARGET_RATIO,
            f"{r['ratio']:.3f} ({r['api']['requests_per_second']:.0f} vs "
            f"{r['ceiling']['requests_per_second']:.0f} req/s)",
        )
        for r in results["scenarios"]
        if r["target"]
    ]


def correctness(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Verdicts that do not depend on the machine's load (always judged)."""
    runs = [r[s] for r in results["scenarios"] for s in ("api", "ceiling", "uncached") if s in r]
    bad = sum(r["non_2xx"] + r["socket_errors"] for r in runs)
    answers = results["answers"]
    same = sum(
        a["same_bytes_after_load"]
        and a["ceiling_same_bytes"]
        and a["uncached_same_bytes"] is not False
        for a in answers
    )
    imp = results["import"]
    found = [
        (
            "every answer 200 (API, ceiling, uncached API)",
            bad == 0,
            f"{bad} errors in {sum(r['requests'] for r in runs)} requests",
        ),
        (
            "API bytes after the load == before == the ceiling's == uncached, per URL",
            same == len(answers),
            f"{same}/{len(answers)} URLs identical",
        ),
        (
            "blog-api import created every post",
            imp["created"] == imp["posts"] == results["approved_posts"],
            f"{imp['created']} created, {results['approved_posts']} approved in the database",
        ),
    ]
    return [{"figure": f, "met": ok, "measured": m} for f, ok, m in found]


async def approved_posts(database_url: str) -> int:
    import asyncpg

    conn = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    try:
        return int(await conn.fetchval("SELECT count(*) FROM blogs WHERE status = 'approved'"))
    finally:
        await conn.close()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.load_client:
        use_uvloop()
        spec = json.loads(args.load_client)
        print(json.dumps(asyncio.run(load_client(**spec))))
        return 0
    generator = pick_generator(args.load_generator)
    load_before = wait_until_quiet(args.max_load, args.wait_idle)
    quiet = load_before[0] < args.max_load
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="bench-read-"))
    args.workdir = str(workdir)
    redis = None
    processes: list[Worker] = []
    try:
        redis_url, redis = open_redis(args.redis_url)
        env = worker_env(redis_url, workdir, LOG_LEVEL="WARNING")
        setup_database(args, env)
        args.database_url = env["DATABASE_URL"]
        print(f"generating {args.posts} approved posts")
        dataset = generate(workdir / "posts.jsonl", args)
        imported = import_posts(dataset, env, args.import_timeout)
        approved = asyncio.run(approved_posts(env["DATABASE_URL"]))
        api = start_api(env, workdir, args)
        processes.append(api)
        left = asyncio.run(wait_outbox_published(env["DATABASE_URL"], timeout=300))
        settled = drain(api, env["DATABASE_URL"], limit=60)
        print(
            f"blog-api serve --workers {args.workers}: pid {api.pid} port {api.port} "
            f"(unpublished import events: {left}; settled after {settled} s)"
        )
        results = run(api, dataset, generator, workdir, args, processes, env)
    except BaseException:
        print_logs(processes)
        print(f"logs kept in {workdir}")
        raise
    finally:
        for process in processes:
            process.stop()
        if redis is not None:
            redis.stop()
    remove_workdir(workdir, args.keep_logs)
    results.update(
        benchmark="bench_read",
        settings=settings(args, "load_client", "workdir", "database_url"),
        machine=machine_info(),
        load_average_before=load_before,
        load_average_after=load_average(),
        quiet_machine=quiet,
        redis=redis_label(redis, args.redis_url),
        seconds=round(time.monotonic() - started, 1),
        data=dataset.summary(),
        approved_posts=approved,
        wrk_version=wrk_version() if generator == "wrk" else None,
    )
    results["import"] = imported
    judge(results, verdicts(results), judged=quiet)
    results["verdicts"] += correctness(results)
    print(report(results))
    busy = None if quiet else f"(load average {load_before[0]} at the start: {TOO_BUSY})"
    print_verdicts(results, busy)
    print(
        f"{machine_line(results, load_before, results['load_average_after'][0])}, "
        f"{results['seconds']} s"
    )
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    write_json(args.json, results)
    if any(v["met"] is False for v in results["verdicts"]):
        return 1  # a wrong answer fails whatever the load; a speed figure only when judged
    return 0 if all_met(results) else 3


if __name__ == "__main__":
    raise SystemExit(main())
