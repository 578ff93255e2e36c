#!/usr/bin/env python3
"""Benchmark idle connections: memory per SSE stream and per WebSocket, and 10,000 held open.

Phase 1, memory per connection on ONE worker: resident memory (VmRSS) idle, then with
`--phase1` idle SSE streams (`GET /api/notifications/sse`), then with as many idle WebSockets
(`WS /api/blogs/{id}/ws`, one approved post) on top; each reading after `--settle` seconds and a
`gc.collect()` inside the worker. The differences divided by the counts are KiB per connection.
With --tracemalloc the same is repeated on a worker tracing allocations (tracemalloc), and the
allocation sites that grew most per connection are listed (tracemalloc inflates memory, so
those figures are separate from the RSS ones).

Phase 2, scale: two workers, `--sse` streams and `--ws` WebSockets (default 5,000 + 5,000, half
on each worker; the WebSockets spread over `--ws-posts` approved posts), held for `--hold`
seconds with short keepalive settings (SSE_HEARTBEAT_SECONDS, WS_PING_INTERVAL_SECONDS) so that
heartbeats and pings flow; the client answers every ping. At the end every connection is checked:
an SSE stream is alive if its socket is open and it received bytes within the heartbeat interval
plus `--alive-margin`; a WebSocket if its socket is open, it answered the server's pings, and it
answers a `ping` of its own with `pong`. Reported: connections alive, each worker's RSS and CPU
while holding, memory per connection at scale.

Connections are opened at most `--concurrency` at a time (the workers' listen backlog is Uvicorn's
2048). The client raises its RLIMIT_NOFILE to the hard limit before starting the workers, which
inherit it (each worker needs one descriptor per connection). The client is one process on uvloop
with raw-socket clients (`bench_clients.py`). Redis is a private `redis-server` unless
--redis-url is given.

    .venv/bin/python scripts/bench_idle.py                        # defaults, about 4 minutes
    .venv/bin/python scripts/bench_idle.py --sse 1000 --ws 1000 --hold 30 --json idle.json
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sysconfig
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_clients import (
    APP_PING,
    SseClient,
    WsClient,
    approved_post,
    author_and_viewers,
    bounded,
    claims_after_close,
    client_rss_kib,
    collect_garbage,
    connect_sse,
    connect_ws,
    create_admin,
    log_problems,
    process_nofile_limit,
    raise_nofile_limit,
    redis_connections,
    setup_client,
    start_hooked_worker,
    tracemalloc_snapshot,
    wait_for_silence,
)
from bench_common import (
    ROOT,
    PrivateRedis,
    Worker,
    add_run_options,
    add_server_options,
    all_met,
    cpu_seconds,
    flush_redis,
    judge,
    load_average,
    machine_info,
    machine_line,
    new_parser,
    open_redis,
    print_busy_warning,
    print_verdicts,
    redis_label,
    remove_workdir,
    rss_kib,
    settings,
    setup_database,
    summarize_ms,
    table,
    use_uvloop,
    wait_until_quiet,
    worker_env,
    write_json,
)

ADMIN_EMAIL = "bench-admin@example.com"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = new_parser(__doc__)
    parser.add_argument(
        "--phase1",
        type=int,
        default=1000,
        help="phase 1: SSE streams, then as many WebSockets, on one worker (0 skips the phase)",
    )
    parser.add_argument("--sse", type=int, default=5000, help="phase 2: SSE streams (both workers)")
    parser.add_argument("--ws", type=int, default=5000, help="phase 2: WebSockets (both workers)")
    parser.add_argument(
        "--ws-posts",
        type=int,
        default=50,
        help="phase 2: approved posts the WebSockets are spread over (presence updates go to "
        "every viewer of a post on each join, so one post with thousands of viewers measures "
        "the join storm rather than idle connections; phase 1 uses one post)",
    )
    parser.add_argument("--hold", type=float, default=120.0, help="phase 2: seconds to hold")
    parser.add_argument(
        "--sse-heartbeat", type=float, default=15.0, help="SSE_HEARTBEAT_SECONDS of the workers"
    )
    parser.add_argument(
        "--ws-ping-interval",
        type=float,
        default=10.0,
        help="WS_PING_INTERVAL_SECONDS of the workers (the app's ping after that much silence)",
    )
    parser.add_argument(
        "--ws-ping-timeout", type=float, default=10.0, help="WS_PING_TIMEOUT_SECONDS"
    )
    parser.add_argument(
        "--alive-margin",
        type=float,
        default=5.0,
        help="an SSE stream is alive if it got bytes within the heartbeat interval plus this",
    )
    parser.add_argument(
        "--conns-per-account",
        type=int,
        default=100,
        help="connections of each kind sharing one account (the per-user caps are raised)",
    )
    parser.add_argument(
        "--concurrency", type=int, default=200, help="connections being opened at a time"
    )
    parser.add_argument(
        "--connect-timeout",
        type=float,
        default=30.0,
        help="seconds for one connection to be ready (SSE `ready`, WebSocket `hello`)",
    )
    parser.add_argument(
        "--kib-target", type=float, default=20.0, help="issue figure: KiB per connection"
    )
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="also run phase 1 on a worker under tracemalloc and list the allocation sites",
    )
    parser.add_argument(
        "--tracemalloc-connections",
        type=int,
        default=200,
        help="connections of each kind in the tracemalloc run (tracing slows the worker down "
        "several times; with 1000 WebSockets on one post most time out)",
    )
    add_server_options(parser, "bench_idle")
    parser.add_argument(
        "--settle", type=float, default=2.0, help="seconds of silence before a memory reading"
    )
    parser.add_argument(
        "--sample-every", type=float, default=10.0, help="phase 2: seconds between samples"
    )
    add_run_options(parser, keep_logs=True)
    args = parser.parse_args(argv)
    if min(args.phase1, args.sse, args.ws, args.hold) < 0 or args.conns_per_account < 1:
        parser.error("counts and --hold must not be negative; --conns-per-account positive")
    if args.ws_posts < 1 or args.concurrency < 1:
        parser.error("--ws-posts and --concurrency must be positive")
    args.accounts = max(1, -(-max(args.phase1, args.sse, args.ws) // args.conns_per_account))
    return args


# --- connections --------------------------------------------------------------------------------


class Quiet:
    """The time of the last message any WebSocket got (presence updates after joins)."""

    def __init__(self) -> None:
        self.last = time.perf_counter()
        self.messages = 0
        self.presence = 0

    def on_text(self, _client: WsClient, text: str, now: float) -> None:
        self.last = now
        self.messages += 1
        if '"presence"' in text:
            self.presence += 1

    async def wait(self, seconds: float, limit: float = 120.0) -> float:
        return await wait_for_silence(lambda: self.last, seconds, limit)


async def open_many(
    kind: str,
    workers: list[Worker],
    count: int,
    tokens: list[str],
    args: argparse.Namespace,
    quiet: Quiet,
    paths: list[str] | None = None,
) -> tuple[list[Any], dict[str, Any]]:
    """`count` connections of `kind` ("sse" or "ws") alternately on the workers."""

    def factory(i: int) -> Callable[[], Any]:
        worker = workers[i % len(workers)]
        token = tokens[(i // len(workers)) % len(tokens)]
        timeout = args.connect_timeout
        if kind == "sse":
            return lambda: connect_sse(
                "127.0.0.1", worker.port, token=token, tag=worker.name, timeout=timeout
            )
        assert paths is not None
        path = paths[(i // len(workers)) % len(paths)]
        return lambda: connect_ws(
            "127.0.0.1",
            worker.port,
            path,
            token=token,
            on_text=quiet.on_text,
            tag=worker.name,
            timeout=timeout,
        )

    quiet.last = started = time.perf_counter()
    presence0 = quiet.presence
    cpu = time.process_time()
    worker_cpu = {w.name: cpu_seconds(w.pid) for w in workers}
    clients, errors, took = await bounded((factory(i) for i in range(count)), args.concurrency)
    elapsed = time.perf_counter() - started
    settled = await quiet.wait(args.settle) if kind == "ws" else 0.0
    per_worker = Counter(c.tag for c in clients)
    figures = {
        "kind": kind,
        "requested": count,
        "opened": len(clients),
        "failed": len(errors),
        "errors": dict(Counter(error[:100] for error in errors)),
        "seconds": round(elapsed, 2),
        "per_second": round(len(clients) / elapsed, 1) if elapsed else 0.0,
        "connect_ms": summarize_ms(took),
        "quiet_after_seconds": round(settled, 2),
        "presence_messages": quiet.presence - presence0 if kind == "ws" else 0,
        "client_cpu_ms_per_connection": round(
            (time.process_time() - cpu) * 1000 / max(1, len(clients)), 3
        ),
        "worker_cpu_ms_per_connection": {
            w.name: round(
                (cpu_seconds(w.pid) - worker_cpu[w.name]) * 1000 / max(1, per_worker[w.name]), 2
            )
            for w in workers
        },
        "per_worker": dict(per_worker),
    }
    if errors:
        print(f"   warning: {len(errors)} {kind} connections failed: {figures['errors']}")
    return clients, figures


def memory_now(workers: list[Worker], log_dir: Path) -> dict[str, int]:
    """VmRSS of each worker (KiB) right after a gc.collect() in it."""
    out = {}
    for worker in workers:
        collect_garbage(worker, log_dir)
        out[worker.name] = rss_kib(worker.pid)
    return out


def close_all(clients: list[Any]) -> None:
    for client in clients:
        client.close()


# --- phase 1 ------------------------------------------------------------------------------------


TRACEMALLOC_FRAMES = 10
STDLIB = sysconfig.get_paths()["stdlib"] + "/"
SITE = "/site-packages/"


def _short(filename: str) -> str:
    """A path relative to the repository, site-packages or the standard library."""
    for prefix in (str(ROOT) + "/", SITE, STDLIB):
        if prefix in filename:
            filename = filename.split(prefix, 1)[1]
    return filename


def _innermost(traceback: tracemalloc.Traceback, keep: Callable[[str], bool]) -> str:
    for frame in reversed(traceback):  # most recent last in tracemalloc's order
        if keep(frame.filename):
            return f"{_short(frame.filename)}:{frame.lineno}"
    return "(none)"


def top_allocations(before: Path, after: Path, connections: int, top: int = 10) -> dict[str, Any]:
    """What grew between two snapshots, per connection, attributed three ways: the allocating
    line; the innermost frame outside the standard library (asyncio's futures and queues are
    charged to whoever created them); the innermost frame of blog_api (the app's line that
    led to the allocation, "(none)" when Uvicorn allocated it before any app code ran)."""
    ignore = [
        tracemalloc.Filter(False, tracemalloc.__file__),
        tracemalloc.Filter(False, "<frozen importlib._bootstrap>"),
        tracemalloc.Filter(False, "<frozen importlib._bootstrap_external>"),
        tracemalloc.Filter(False, "<unknown>"),
    ]
    old = tracemalloc.Snapshot.load(str(before)).filter_traces(ignore)
    new = tracemalloc.Snapshot.load(str(after)).filter_traces(ignore)
    stats = new.compare_to(old, "traceback")
    views: dict[str, Callable[[tracemalloc.Traceback], str]] = {
        "allocating_line": lambda tb: _innermost(tb, lambda _name: True),
        "innermost_non_stdlib": lambda tb: _innermost(
            tb, lambda name: not name.startswith(STDLIB) or SITE in name
        ),
        # cli.py (uvicorn.run) is the outermost frame of everything: skip it.
        "innermost_blog_api": lambda tb: _innermost(
            tb,
            lambda name: (
                name.startswith(str(ROOT / "blog_api")) and not name.endswith("blog_api/cli.py")
            ),
        ),
    }
    out: dict[str, Any] = {
        "python_heap_bytes_per_connection": round(sum(s.size_diff for s in stats) / connections),
        "traceback_frames": TRACEMALLOC_FRAMES,
    }
    for view, key in views.items():
        size: Counter[str] = Counter()
        blocks: Counter[str] = Counter()
        for stat in stats:
            where = key(stat.traceback)
            size[where] += stat.size_diff
            blocks[where] += stat.count_diff
        out[view] = [
            {
                "where": where,
                "bytes_per_connection": round(total / connections),
                "blocks_per_connection": round(blocks[where] / connections, 2),
            }
            for where, total in size.most_common(top)
        ]
    return out


async def phase1(
    worker: Worker,
    log_dir: Path,
    redis_url: str,
    tokens: list[str],
    blog_id: int,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """Memory per SSE stream and per WebSocket on one worker."""
    quiet = Quiet()
    tracing = args.tracing
    n = args.tracemalloc_connections if tracing else args.phase1
    path = [f"/api/blogs/{blog_id}/ws"]
    # Warm-up (lazy imports, first queries, pools, the allocator's first arenas): not measured.
    warm_sse, _ = await open_many("sse", [worker], 5, tokens, args, quiet)
    warm_ws, _ = await open_many("ws", [worker], 5, tokens, args, quiet, path)
    close_all(warm_sse + warm_ws)
    await asyncio.sleep(args.settle)
    snaps = []
    rss0 = memory_now([worker], log_dir)[worker.name]
    if tracing:
        snaps.append(tracemalloc_snapshot(worker, log_dir))
    sse, sse_figures = await open_many("sse", [worker], n, tokens, args, quiet)
    await asyncio.sleep(args.settle)
    rss1 = memory_now([worker], log_dir)[worker.name]
    if tracing:
        snaps.append(tracemalloc_snapshot(worker, log_dir))
    ws, ws_figures = await open_many("ws", [worker], n, tokens, args, quiet, path)
    await asyncio.sleep(args.settle)
    rss2 = memory_now([worker], log_dir)[worker.name]
    if tracing:
        snaps.append(tracemalloc_snapshot(worker, log_dir))
    alive = {"sse": sum(c.is_open for c in sse), "ws": sum(c.is_open for c in ws)}
    close_all(sse + ws)
    await asyncio.sleep(1.0)
    leftover = await claims_after_close(redis_url, [worker.pid])
    result: dict[str, Any] = {
        "connections": n,
        "rss_kib": {"idle": rss0, "with_sse": rss1, "with_sse_and_ws": rss2},
        "kib_per_sse": round((rss1 - rss0) / max(1, len(sse)), 1),
        "kib_per_ws": round((rss2 - rss1) / max(1, len(ws)), 1),
        "open": {"sse": sse_figures, "ws": ws_figures},
        "alive_before_closing": alive,
        "redis_claims_left_after_closing": leftover,
        "client_rss_kib": client_rss_kib(),
    }
    if tracing:
        result["tracemalloc"] = {
            "sse": top_allocations(snaps[0], snaps[1], max(1, len(sse))),
            "ws": top_allocations(snaps[1], snaps[2], max(1, len(ws))),
        }
    return result


# --- phase 2 ------------------------------------------------------------------------------------


def sample(
    workers: list[Worker], sse: list[SseClient], ws: list[WsClient], t0: float, redis_url: str
) -> dict[str, Any]:
    return {
        "redis_connections": redis_connections(redis_url),
        "t": round(time.perf_counter() - t0, 1),
        "sse_open": sum(c.is_open for c in sse),
        "ws_open": sum(c.is_open for c in ws),
        "rss_kib": {w.name: rss_kib(w.pid) for w in workers},
        "cpu_s": {w.name: cpu_seconds(w.pid) for w in workers},
        "client_cpu_s": time.process_time(),
    }


async def echo(ws: list[WsClient], timeout: float) -> tuple[list[WsClient], list[float]]:
    """Send the app's `ping` on every open WebSocket; those that answered `pong`, and how fast."""
    sent = {}
    for client in ws:
        if client.is_open:
            sent[client] = (client.pongs, time.perf_counter())
            client.send_text(APP_PING)
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if all(c.pongs > before for c, (before, _) in sent.items()):
            break
        await asyncio.sleep(0.1)
    answered = [c for c, (before, _) in sent.items() if c.pongs > before]
    rtts = [(c.last_pong_at or 0.0) - sent[c][1] for c in answered if c.last_pong_at is not None]
    return answered, rtts


async def phase2(
    workers: list[Worker],
    log_dir: Path,
    redis_url: str,
    tokens: list[str],
    posts: list[int],
    args: argparse.Namespace,
) -> dict[str, Any]:
    """10,000 idle connections (by default) on two workers, held, then checked."""
    quiet = Quiet()
    paths = [f"/api/blogs/{b}/ws" for b in posts]
    warm_sse, _ = await open_many("sse", workers, 4, tokens, args, quiet)
    warm_ws, _ = await open_many("ws", workers, 4, tokens, args, quiet, paths)
    close_all(warm_sse + warm_ws)
    await asyncio.sleep(args.settle)
    rss = {"idle": memory_now(workers, log_dir)}
    redis_idle = redis_connections(redis_url)
    print(f"   opening {args.sse} SSE streams")
    sse, sse_figures = await open_many("sse", workers, args.sse, tokens, args, quiet)
    await asyncio.sleep(args.settle)
    rss["with_sse"] = memory_now(workers, log_dir)
    print(f"   opening {args.ws} WebSockets over {len(posts)} posts")
    ws, ws_figures = await open_many("ws", workers, args.ws, tokens, args, quiet, paths)
    await asyncio.sleep(args.settle)
    rss["with_sse_and_ws"] = memory_now(workers, log_dir)
    print(f"   holding {len(sse)} SSE + {len(ws)} WebSockets for {args.hold:g} s")
    t0 = time.perf_counter()
    samples = [sample(workers, sse, ws, t0, redis_url)]
    while time.perf_counter() - t0 < args.hold:
        await asyncio.sleep(
            min(args.sample_every, max(0.0, args.hold - (time.perf_counter() - t0)))
        )
        samples.append(sample(workers, sse, ws, t0, redis_url))
    held = time.perf_counter() - t0
    now = time.perf_counter()
    recent = args.sse_heartbeat + args.alive_margin
    sse_alive = [
        c for c in sse if c.is_open and c.last_rx_at is not None and now - c.last_rx_at <= recent
    ]
    expect_pings = held > args.ws_ping_interval + args.alive_margin
    ws_pinged = [c for c in ws if c.is_open and (c.app_pings > 0 or not expect_pings)]
    ws_alive, rtts = await echo(ws_pinged, timeout=10.0)
    rss["after_hold"] = memory_now(workers, log_dir)
    first, last = samples[0], samples[-1]
    span = max(1e-9, last["t"] - first["t"])
    total = {
        w.name: sse_figures["per_worker"].get(w.name, 0) + ws_figures["per_worker"].get(w.name, 0)
        for w in workers
    }
    sse_closes = Counter(c.reconnect_reason or c.error or "closed" for c in sse if not c.is_open)
    ws_closes = Counter(
        str(c.close_code if c.close_code is not None else c.error or "closed")
        for c in ws
        if not c.is_open
    )
    heartbeats = sorted(c.heartbeats for c in sse)
    app_pings = sorted(c.app_pings for c in ws)
    result = {
        "open": {"sse": sse_figures, "ws": ws_figures},
        "ws_posts": len(posts),
        "held_seconds": round(held, 1),
        "rss_kib": rss,
        "connections_per_worker": total,
        "kib_per_sse": {
            w.name: round(
                (rss["with_sse"][w.name] - rss["idle"][w.name])
                / max(1, sse_figures["per_worker"].get(w.name, 0)),
                1,
            )
            for w in workers
        },
        "kib_per_ws": {
            w.name: round(
                (rss["with_sse_and_ws"][w.name] - rss["with_sse"][w.name])
                / max(1, ws_figures["per_worker"].get(w.name, 0)),
                1,
            )
            for w in workers
        },
        "kib_per_connection_after_hold": {
            w.name: round(
                (rss["after_hold"][w.name] - rss["idle"][w.name]) / max(1, total[w.name]), 1
            )
            for w in workers
        },
        "worker_cpu_percent_while_holding": {
            w.name: round((last["cpu_s"][w.name] - first["cpu_s"][w.name]) * 100 / span, 2)
            for w in workers
        },
        "client_cpu_percent_while_holding": round(
            (last["client_cpu_s"] - first["client_cpu_s"]) * 100 / span, 2
        ),
        "alive": {
            "sse": len(sse_alive),
            "sse_opened": len(sse),
            "ws": len(ws_alive),
            "ws_opened": len(ws),
            "ws_open_and_pinged": len(ws_pinged),
        },
        "sse_heartbeats_per_stream": {
            "min": heartbeats[0] if heartbeats else 0,
            "median": statistics.median(heartbeats) if heartbeats else 0,
        },
        "ws_app_pings_per_socket": {
            "min": app_pings[0] if app_pings else 0,
            "median": statistics.median(app_pings) if app_pings else 0,
        },
        "ws_protocol_pings_answered": sum(c.protocol_pings for c in ws),
        "echo_rtt_ms": summarize_ms(rtts),
        "closed": {"sse": dict(sse_closes), "ws": dict(ws_closes)},
        "samples": [
            {
                "t": s["t"],
                "sse_open": s["sse_open"],
                "redis_connections": s["redis_connections"],
                "ws_open": s["ws_open"],
                "rss_kib": s["rss_kib"],
            }
            for s in samples
        ],
        "client_rss_kib": client_rss_kib(),
    }
    close_all(sse + ws)
    await asyncio.sleep(1.0)
    result["redis_claims_left_after_closing"] = await claims_after_close(
        redis_url, [w.pid for w in workers]
    )
    result["redis_connections"] = {
        "idle": redis_idle,
        "max_while_holding": max(s["redis_connections"] for s in samples),
        "after_closing": redis_connections(redis_url),
    }
    return result


# --- the run ------------------------------------------------------------------------------------


async def accounts_and_posts(
    base: str, args: argparse.Namespace, posts: int
) -> tuple[list[str], list[int]]:
    async with setup_client() as http:
        admin, author, tokens = await author_and_viewers(
            http, base, ADMIN_EMAIL, "bench_idle", args.accounts
        )
        blogs = [
            await approved_post(
                http, base, author_token=author, admin_token=admin, title=f"Idle benchmark {n}"
            )
            for n in range(posts)
        ]
    return tokens, blogs


def start_workers(
    names: list[str], env: dict[str, str], workdir: Path, args: argparse.Namespace
) -> list[Worker]:
    workers = []
    for name in names:
        workers.append(
            start_hooked_worker(name, env, workdir, graceful_timeout=args.graceful_timeout)
        )
    return workers


def run(args: argparse.Namespace, workdir: Path, redis_url: str) -> dict[str, Any]:
    """Both phases; each starts (and stops) its own workers."""
    env = worker_env(
        redis_url,
        workdir,
        SSE_MAX_CONNECTIONS_PER_USER="100000",
        WS_MAX_CONNECTIONS_PER_USER="100000",
        SSE_HEARTBEAT_SECONDS=str(args.sse_heartbeat),
        WS_PING_INTERVAL_SECONDS=str(args.ws_ping_interval),
        WS_PING_TIMEOUT_SECONDS=str(args.ws_ping_timeout),
    )
    setup_database(args, env)
    create_admin(env, ADMIN_EMAIL, "bench_admin")
    results: dict[str, Any] = {"log_problems": {}}
    tokens: list[str] = []
    posts: list[int] = []
    runs: list[tuple[str, list[str], dict[str, str]]] = []
    if args.phase1:
        runs.append(("phase1", ["P1"], env))
        if args.tracemalloc:
            runs.append(
                (
                    "phase1_tracemalloc",
                    ["P1T"],
                    {**env, "BENCH_TRACEMALLOC": str(TRACEMALLOC_FRAMES)},
                )
            )
    if args.sse or args.ws:
        runs.append(("phase2", ["A", "B"], env))
    for key, names, run_env in runs:
        # Each run starts from an empty Redis: nothing left by the previous run's workers.
        flush_redis(redis_url)
        workers = start_workers(names, run_env, workdir, args)
        try:
            limits = {w.name: process_nofile_limit(w.pid) for w in workers}
            print(
                f"\n== {key}: "
                + ", ".join(f"{w.name} pid {w.pid} port {w.port}" for w in workers)
                + f" (RLIMIT_NOFILE {limits})"
            )
            if not tokens:
                tokens, posts = asyncio.run(
                    accounts_and_posts(workers[0].url, args, max(1, args.ws_posts))
                )
            args.tracing = key == "phase1_tracemalloc"
            if key.startswith("phase1"):
                outcome = asyncio.run(
                    phase1(workers[0], workdir, redis_url, tokens, posts[0], args)
                )
            else:
                outcome = asyncio.run(phase2(workers, workdir, redis_url, tokens, posts, args))
            outcome["worker_nofile_limit"] = limits
            results[key] = outcome
        finally:
            for worker in workers:
                worker.stop()
        for worker in workers:
            results["log_problems"][worker.name] = log_problems(worker)
    return results


# --- report -------------------------------------------------------------------------------------


def open_rows(figures: dict[str, Any], label: str) -> list[object]:
    return [
        label,
        f"{figures['opened']}/{figures['requested']}",
        figures["failed"],
        figures["seconds"],
        figures["per_second"],
        figures["connect_ms"]["p50"],
        figures["connect_ms"]["p99"],
        " / ".join(str(v) for v in figures["worker_cpu_ms_per_connection"].values()),
        figures["client_cpu_ms_per_connection"],
        figures["presence_messages"],
    ]


OPEN_HEADERS = [
    "connections",
    "opened",
    "failed",
    "seconds",
    "per s",
    "connect p50 ms",
    "p99 ms",
    "worker CPU ms/conn",
    "client CPU ms/conn",
    "presence msgs",
]


def report(results: dict[str, Any]) -> str:
    lines: list[str] = []
    p1 = results.get("phase1")
    if p1:
        r = p1["rss_kib"]
        lines += [
            "",
            f"Phase 1: memory per idle connection, one worker, {p1['connections']} of each "
            "(VmRSS after gc.collect(), KiB)",
            table(
                ["state", "RSS KiB", "delta KiB", "KiB per connection"],
                [
                    ["idle (after warm-up)", r["idle"], "", ""],
                    [
                        f"+ {p1['connections']} SSE streams",
                        r["with_sse"],
                        r["with_sse"] - r["idle"],
                        p1["kib_per_sse"],
                    ],
                    [
                        f"+ {p1['connections']} WebSockets (one post)",
                        r["with_sse_and_ws"],
                        r["with_sse_and_ws"] - r["with_sse"],
                        p1["kib_per_ws"],
                    ],
                ],
            ),
            table(
                OPEN_HEADERS,
                [open_rows(p1["open"]["sse"], "SSE"), open_rows(p1["open"]["ws"], "WebSocket")],
            ),
        ]
    tm_run = results.get("phase1_tracemalloc", {})
    tm = tm_run.get("tracemalloc")
    if tm:
        opened = {k: tm_run["open"][k]["opened"] for k in ("sse", "ws")}
        failed = {k: tm_run["open"][k]["failed"] for k in ("sse", "ws")}
        views = (
            ("innermost_non_stdlib", "innermost frame outside the standard library"),
            ("innermost_blog_api", "innermost blog_api frame"),
        )
        for kind, label in (("sse", "SSE stream"), ("ws", "WebSocket")):
            lines += [
                "",
                f"tracemalloc, per {label}: {tm[kind]['python_heap_bytes_per_connection']} B of "
                f"Python heap (worker under tracemalloc, {opened[kind]} opened, "
                f"{failed[kind]} failed); what grew most",
            ]
            for view, title in views:
                lines.append(
                    table(
                        [title, "bytes/conn", "blocks/conn"],
                        [
                            [s["where"], s["bytes_per_connection"], s["blocks_per_connection"]]
                            for s in tm[kind][view]
                        ],
                        digits=2,
                    )
                )
    p2 = results.get("phase2")
    if p2:
        a = p2["alive"]
        lines += [
            "",
            f"Phase 2: {a['sse_opened']} SSE + {a['ws_opened']} WebSockets on two workers "
            f"(WebSockets over {p2['ws_posts']} posts), held {p2['held_seconds']} s",
            table(
                OPEN_HEADERS,
                [open_rows(p2["open"]["sse"], "SSE"), open_rows(p2["open"]["ws"], "WebSocket")],
            ),
            "",
            table(
                [
                    "worker",
                    "connections",
                    "idle KiB",
                    "+SSE",
                    "+WS",
                    "after hold",
                    "KiB/SSE",
                    "KiB/WS",
                    "KiB/conn after hold",
                    "CPU % holding",
                ],
                [
                    [
                        w,
                        p2["connections_per_worker"][w],
                        p2["rss_kib"]["idle"][w],
                        p2["rss_kib"]["with_sse"][w],
                        p2["rss_kib"]["with_sse_and_ws"][w],
                        p2["rss_kib"]["after_hold"][w],
                        p2["kib_per_sse"][w],
                        p2["kib_per_ws"][w],
                        p2["kib_per_connection_after_hold"][w],
                        p2["worker_cpu_percent_while_holding"][w],
                    ]
                    for w in p2["connections_per_worker"]
                ],
            ),
            "",
            table(
                ["check at the end", "value"],
                [
                    [
                        "SSE alive (open, bytes within heartbeat + margin)",
                        f"{a['sse']}/{a['sse_opened']}",
                    ],
                    [
                        "SSE heartbeats per stream (min / median)",
                        f"{p2['sse_heartbeats_per_stream']['min']} / "
                        f"{p2['sse_heartbeats_per_stream']['median']}",
                    ],
                    [
                        "WebSockets open and answering the server's pings",
                        f"{a['ws_open_and_pinged']}/{a['ws_opened']}",
                    ],
                    ["WebSockets answering our ping (alive)", f"{a['ws']}/{a['ws_opened']}"],
                    [
                        "app pings per WebSocket (min / median)",
                        f"{p2['ws_app_pings_per_socket']['min']} / "
                        f"{p2['ws_app_pings_per_socket']['median']}",
                    ],
                    ["protocol pings answered", p2["ws_protocol_pings_answered"]],
                    [
                        "echo round trip p50 / p99 ms",
                        f"{p2['echo_rtt_ms']['p50']:.1f} / {p2['echo_rtt_ms']['p99']:.1f}",
                    ],
                    ["closed by the server", p2["closed"]],
                    ["client CPU % while holding", p2["client_cpu_percent_while_holding"]],
                    [
                        "Redis connections: idle / max holding / after closing",
                        " / ".join(str(v) for v in p2["redis_connections"].values()),
                    ],
                    ["client RSS KiB", p2["client_rss_kib"]],
                ],
            ),
        ]
    for key, label in (
        ("phase1", "phase 1"),
        ("phase1_tracemalloc", "phase 1 (tracemalloc)"),
        ("phase2", "phase 2"),
    ):
        left = results.get(key, {}).get("redis_claims_left_after_closing")
        if left is not None:
            lines.append(
                f"  {label}: claims left in Redis {claims_note(left)} after every client closed"
            )
    for name, found in results["log_problems"].items():
        if found["by_message"] or found["tracebacks"]:
            lines.append(
                f"  log of {name}: {found['tracebacks']} tracebacks; {found['by_message']}"
            )
    return "\n".join(lines)


def claims_note(left: dict[str, int]) -> str:
    """`left` as "SSE slots 0, WebSocket claims 0, presence 0"."""
    return (
        f"(SSE slots {left['sse_slots']}, WebSocket claims {left['ws_user_claims']}, "
        f"presence {left['ws_presence']}; {left['seconds_after_close']} s after closing)"
    )


def verdicts(results: dict[str, Any], args: argparse.Namespace) -> list[tuple[str, bool, str]]:
    out = []
    target = args.kib_target
    p1 = results.get("phase1")
    if p1:
        for kind, label in (("sse", "SSE stream"), ("ws", "WebSocket")):
            kib = p1[f"kib_per_{kind}"]
            out.append(
                (
                    f"memory per idle {label} < {target:g} KiB",
                    kib < target and p1["open"][kind]["failed"] == 0,
                    f"{kib} KiB ({p1['open'][kind]['opened']} on one worker)",
                )
            )
    p2 = results.get("phase2")
    if p2:
        a = p2["alive"]
        requested = p2["open"]["sse"]["requested"] + p2["open"]["ws"]["requested"]
        alive = a["sse"] + a["ws"]
        out.append(
            (
                f"{requested} idle connections held {args.hold:g} s, all alive",
                alive == requested,
                f"{alive}/{requested} alive (SSE {a['sse']}/{p2['open']['sse']['requested']}, "
                f"WS {a['ws']}/{p2['open']['ws']['requested']}); failed to open "
                f"{p2['open']['sse']['failed'] + p2['open']['ws']['failed']}",
            )
        )
        per_conn = p2["kib_per_connection_after_hold"]
        out.append(
            (
                f"memory per connection at scale < {target:g} KiB",
                all(v < target for v in per_conn.values()),
                ", ".join(f"{w} {v} KiB" for w, v in per_conn.items()),
            )
        )
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    load_before = wait_until_quiet(args.max_load, args.wait_idle)
    started = time.monotonic()
    nofile = raise_nofile_limit()  # before the workers start: they inherit it
    needed = args.sse + args.ws + 100
    if nofile[0] < needed:
        print(f"warning: RLIMIT_NOFILE {nofile[0]} < {needed} descriptors this client needs")
    workdir = Path(tempfile.mkdtemp(prefix="bench-idle-"))
    redis: PrivateRedis | None = None
    use_uvloop()
    try:
        redis_url, redis = open_redis(args.redis_url)
        results = run(args, workdir, redis_url)
    except BaseException:
        for log in sorted(workdir.glob("*.log")):
            print(f"--- log of {log.stem} (last lines)\n{log.read_text(errors='replace')[-2000:]}")
        print(f"worker logs kept in {workdir}")
        raise
    finally:
        if redis is not None:
            redis.stop()
    remove_workdir(workdir, args.keep_logs)
    load_after = load_average()
    results.update(
        benchmark="bench_idle",
        settings=settings(args, "tracing"),
        machine=machine_info(),
        nofile_limit=nofile,
        load_average_before=load_before,
        load_average_after=load_after,
        machine_too_busy=load_before[0] >= args.max_load,
        redis=redis_label(redis, args.redis_url),
        seconds=round(time.monotonic() - started, 1),
    )
    judge(results, verdicts(results, args))
    print(report(results))
    print_verdicts(results)
    if results["machine_too_busy"]:
        print_busy_warning(load_before, args.max_load)
    print(
        f"{machine_line(results, load_before, load_after[0])} (the latter includes this "
        f"benchmark), {results['seconds']} s; client RLIMIT_NOFILE {nofile[0]} (hard {nofile[1]})"
    )
    write_json(args.json, results)
    return 0 if all_met(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
