#!/usr/bin/env python3
"""Benchmark WebSocket fan-out of live comments: two `blog-api serve` workers, many viewers.

N viewers (default 1000) open `WS /api/blogs/{id}/ws` on one approved post, half on worker A and
half on worker B (`Authorization: Bearer`, several accounts, WS_MAX_CONNECTIONS_PER_USER raised).
Then comments are posted over REST (`POST /api/blogs/{id}/comments`) at a steady rate, alternating
between A and B, for a fixed duration. What it measures:

- latency from sending each POST (its commit included) to each viewer having the frame of its
  `comment.created`: p50/p95/p99/max over every (comment, viewer) pair, by the viewer's worker
  and same-/cross-worker; lost (a viewer never got a comment) and duplicated deliveries;
- drift: each viewer's median latency in the last `--window` seconds against its median in the
  first ones (the largest rise, the common rise (median over the viewers), and p99 of the last
  window against the first), so a viewer that falls behind shows up even when the overall
  percentiles look fine; the issue figure is the largest rise beyond the common one (one viewer
  falling behind the others), since the machine slowing down raises everyone's latency alike;
- CPU per comment of each worker and of the client, and each worker's resident memory before and
  after opening the viewers (memory per WebSocket); viewers closed by the server; warnings and
  errors in the workers' logs.

The client is one process on uvloop with raw-socket WebSockets (`bench_clients.WsClient`): no
task per connection; it answers protocol and application pings. Redis is a private
`redis-server` unless --redis-url is given.

    .venv/bin/python scripts/bench_ws.py                          # defaults, about 90 s
    .venv/bin/python scripts/bench_ws.py --viewers 200 --duration 20 --json ws.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from bench_clients import (
    WsClient,
    approved_post,
    author_and_viewers,
    bounded,
    claims_after_close,
    client_rss_kib,
    connect_ws,
    create_admin,
    log_problems,
    open_loop,
    raise_nofile_limit,
    setup_client,
    wait_for_silence,
)
from bench_common import (
    PrivateRedis,
    Worker,
    add_run_options,
    add_server_options,
    all_met,
    cpu_seconds,
    judge,
    load_average,
    machine_info,
    machine_line,
    new_parser,
    open_redis,
    print_busy_warning,
    print_logs,
    print_verdicts,
    redis_label,
    remove_workdir,
    rss_kib,
    settings,
    setup_database,
    start_workers,
    summarize_ms,
    table,
    use_uvloop,
    wait_until_quiet,
    worker_env,
    write_json,
)

ADMIN_EMAIL = "bench-admin@example.com"
BODY_PREFIX = "bench-ws "


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = new_parser(__doc__)
    parser.add_argument(
        "--viewers", type=int, default=1000, help="WebSockets on the post (half on each worker)"
    )
    parser.add_argument("--rate", type=float, default=5.0, help="comments per second (steady)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of commenting")
    parser.add_argument(
        "--window",
        type=float,
        default=10.0,
        help="drift: compare the comments sent in the first and in the last WINDOW seconds",
    )
    parser.add_argument(
        "--viewers-per-account",
        type=int,
        default=100,
        help="viewers sharing one account (WS_MAX_CONNECTIONS_PER_USER is raised anyway)",
    )
    parser.add_argument(
        "--connect-concurrency", type=int, default=100, help="WebSocket handshakes in flight"
    )
    parser.add_argument(
        "--connect-timeout",
        type=float,
        default=30.0,
        help="seconds for one viewer to be ready (the app's `hello`)",
    )
    parser.add_argument(
        "--p99-target-ms", type=float, default=50.0, help="issue figure: p99 from send (ms)"
    )
    parser.add_argument(
        "--drift-limit-ms",
        type=float,
        default=25.0,
        help="issue figure: the largest rise of one viewer's median latency from the first to "
        "the last window, beyond the median rise of all viewers",
    )
    add_server_options(parser, "bench_ws")
    parser.add_argument(
        "--settle", type=float, default=1.0, help="seconds of silence before a memory reading"
    )
    parser.add_argument("--drain-timeout", type=float, default=10.0, help="wait for deliveries")
    add_run_options(parser, keep_logs=True)
    args = parser.parse_args(argv)
    if args.viewers < 2:
        parser.error("--viewers needs at least 2 (one per worker)")
    if args.rate <= 0 or args.duration <= 0 or args.window <= 0 or args.viewers_per_account < 1:
        parser.error("--rate, --duration, --window and --viewers-per-account must be positive")
    args.accounts = -(-args.viewers // args.viewers_per_account)
    return args


# --- viewers ------------------------------------------------------------------------------------


@dataclass(eq=False)
class Viewer:
    """What one WebSocket saw: the first arrival of each benchmark comment (by number)."""

    index: int
    worker: str
    first: dict[int, float] = field(default_factory=dict)
    duplicates: int = 0
    presence: int = 0
    other: Counter[str] = field(default_factory=Counter)
    hello: bool = False


class Fanout:
    """All viewers; the `on_text` callback of every socket."""

    def __init__(self) -> None:
        self.clients: list[WsClient] = []
        self.last_message_at = time.perf_counter()
        self.messages = 0

    def on_text(self, client: WsClient, text: str, now: float) -> None:
        viewer: Viewer = client.tag
        self.messages += 1
        self.last_message_at = now
        if "comment.created" in text:
            body = json.loads(text)["comment"]["body"]
            if body.startswith(BODY_PREFIX):
                n = int(body[len(BODY_PREFIX) :])
                if n in viewer.first:
                    viewer.duplicates += 1
                else:
                    viewer.first[n] = now
            return
        if '"presence"' in text:
            viewer.presence += 1
            return
        kind = str(json.loads(text).get("type"))
        if kind == "hello":
            viewer.hello = True
        viewer.other[kind] += 1

    async def open(
        self,
        workers: list[Worker],
        path: str,
        tokens: list[str],
        count: int,
        concurrency: int,
        timeout: float = 30.0,
        start_index: int = 0,
    ) -> dict[str, Any]:
        """Open `count` viewers alternately on the workers; connect figures."""

        def factory(i: int) -> Any:
            worker = workers[i % len(workers)]
            viewer = Viewer(start_index + i, worker.name)
            return lambda: connect_ws(
                "127.0.0.1",
                worker.port,
                path,
                token=tokens[(start_index + i) % len(tokens)],
                on_text=self.on_text,
                tag=viewer,
                timeout=timeout,
            )

        started = self.last_message_at = time.perf_counter()
        cpu = time.process_time()
        clients, errors, took = await bounded((factory(i) for i in range(count)), concurrency)
        elapsed = time.perf_counter() - started
        self.clients += clients
        return {
            "opened": len(clients),
            "failed": len(errors),
            "errors": errors[:5],
            "seconds": round(elapsed, 2),
            "per_second": round(len(clients) / elapsed, 1) if elapsed else 0.0,
            "handshake_ms": summarize_ms(took),
            "client_cpu_ms_per_connection": round(
                (time.process_time() - cpu) * 1000 / max(1, len(clients)), 3
            ),
        }

    async def quiet(self, seconds: float, limit: float = 60.0) -> float:
        """Wait until no message arrived for `seconds` (presence updates of the joins); returns
        how long that took."""
        return await wait_for_silence(lambda: self.last_message_at, seconds, limit)

    def close(self, clients: list[WsClient] | None = None) -> None:
        for client in clients if clients is not None else self.clients:
            client.close()


class Poster:
    """Posts comments over REST, alternating A and B; remembers when each was sent."""

    def __init__(
        self, http: httpx.AsyncClient, workers: list[Worker], blog_id: int, token: str
    ) -> None:
        self.http = http
        self.workers = workers
        self.blog_id = blog_id
        self.headers = {"Authorization": f"Bearer {token}"}
        self.sent: dict[int, float] = {}
        self.via: dict[int, str] = {}
        self.response_s: list[float] = []
        self.failures: list[str] = []

    async def post(self, n: int) -> None:
        worker = self.workers[n % len(self.workers)]
        url = f"{worker.url}/api/blogs/{self.blog_id}/comments"
        self.via[n] = worker.name
        self.sent[n] = start = time.perf_counter()
        try:
            response = await self.http.post(
                url, json={"body": f"{BODY_PREFIX}{n}"}, headers=self.headers
            )
            self.response_s.append(time.perf_counter() - start)
            if response.status_code != 201:
                self.failures.append(f"{worker.name} {response.status_code}: {response.text[:200]}")
        except httpx.HTTPError as exc:
            self.failures.append(f"{worker.name} {type(exc).__name__}: {exc}")

    async def steady(self, numbers: list[int], rate: float) -> float:
        """Open loop: comment k starts at k/rate seconds whatever the earlier ones are doing."""
        return await open_loop(numbers, rate, self.post)


async def wait_delivered(viewers: list[Viewer], numbers: list[int], timeout: float) -> bool:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if all(all(n in v.first for n in numbers) for v in viewers):
            return True
        await asyncio.sleep(0.05)
    return False


# --- analysis -----------------------------------------------------------------------------------


def delivery_report(
    viewers: list[Viewer], poster: Poster, numbers: list[int], window: float
) -> dict[str, Any]:
    """Latency per (comment, viewer), lost and duplicated deliveries, and drift per viewer."""
    groups: dict[str, list[float]] = {
        "all": [],
        "viewers_on_A": [],
        "viewers_on_B": [],
        "same_worker": [],
        "cross_worker": [],
    }
    t0 = min(poster.sent[n] for n in numbers)
    t_end = max(poster.sent[n] for n in numbers)
    first_window = [n for n in numbers if poster.sent[n] - t0 < window]
    last_window = [n for n in numbers if t_end - poster.sent[n] < window]
    early: list[float] = []
    late: list[float] = []
    increases: list[float] = []
    lost = 0
    viewers_missing = 0
    for viewer in viewers:
        missed = 0
        for n in numbers:
            at = viewer.first.get(n)
            if at is None:
                missed += 1
                continue
            latency = at - poster.sent[n]
            groups["all"].append(latency)
            groups[f"viewers_on_{viewer.worker}"].append(latency)
            same = poster.via[n] == viewer.worker
            groups["same_worker" if same else "cross_worker"].append(latency)
        lost += missed
        viewers_missing += missed > 0
        mine_early = [viewer.first[n] - poster.sent[n] for n in first_window if n in viewer.first]
        mine_late = [viewer.first[n] - poster.sent[n] for n in last_window if n in viewer.first]
        early += mine_early
        late += mine_late
        if mine_early and mine_late:
            increases.append(statistics.median(mine_late) - statistics.median(mine_early))
    increases_ms = sorted(x * 1000 for x in increases)
    first_p99 = summarize_ms(early)
    last_p99 = summarize_ms(late)
    duplicates = sum(v.duplicates for v in viewers)
    return {
        "comments": len(numbers),
        "viewers": len(viewers),
        "expected": len(numbers) * len(viewers),
        "deliveries": len(groups["all"]),
        "lost": lost,
        "viewers_that_missed_a_comment": viewers_missing,
        "duplicated": duplicates,
        "latency_ms": {name: summarize_ms(values) for name, values in groups.items()},
        "post_response_ms": summarize_ms(poster.response_s),
        "drift": {
            "window_seconds": window,
            "first_window_comments": len(first_window),
            "last_window_comments": len(last_window),
            "first_window_ms": first_p99,
            "last_window_ms": last_p99,
            "p99_ratio_last_to_first": round(last_p99["p99"] / first_p99["p99"], 2)
            if early and late and first_p99["p99"]
            else None,
            "viewer_median_increase_ms": {
                "viewers": len(increases_ms),
                "max": increases_ms[-1] if increases_ms else float("nan"),
                "p99": statistics.quantiles(increases_ms, n=100)[98]
                if len(increases_ms) >= 2
                else float("nan"),
                "median": statistics.median(increases_ms) if increases_ms else float("nan"),
                "max_beyond_median": increases_ms[-1] - statistics.median(increases_ms)
                if increases_ms
                else float("nan"),
            },
        },
    }


# --- the run ------------------------------------------------------------------------------------


def rss_pair(a: Worker, b: Worker) -> dict[str, int]:
    return {"A": rss_kib(a.pid), "B": rss_kib(b.pid)}


async def run(a: Worker, b: Worker, redis_url: str, args: argparse.Namespace) -> dict[str, Any]:
    workers = [a, b]
    async with setup_client() as http:
        admin, author, tokens = await author_and_viewers(
            http, a.url, ADMIN_EMAIL, "bench_viewer", args.accounts
        )
        blog_id = await approved_post(
            http, a.url, author_token=author, admin_token=admin, title="Live comments benchmark"
        )
        path = f"/api/blogs/{blog_id}/ws"
        fan = Fanout()
        poster = Poster(http, workers, blog_id, author)

        # Warm-up (lazy imports, first queries, connection pools): not measured.
        warm = await fan.open(workers, path, tokens, 2, 2)
        if warm["failed"]:
            raise RuntimeError(f"warm-up viewers failed: {warm['errors']}")
        warm_viewers = [c.tag for c in fan.clients]
        warm_numbers = [-1, -2, -3, -4]
        for n in warm_numbers:
            await poster.post(n)
        await wait_delivered(warm_viewers, warm_numbers, args.drain_timeout)
        fan.close()
        fan.clients = []
        poster.failures.clear()
        poster.response_s.clear()

        await asyncio.sleep(args.settle)
        idle = rss_pair(a, b)
        cpu0 = cpu_seconds(a.pid), cpu_seconds(b.pid)
        print(f"opening {args.viewers} viewers of post {blog_id} ({args.accounts} accounts)")
        connect = await fan.open(
            workers, path, tokens, args.viewers, args.connect_concurrency, args.connect_timeout
        )
        if connect["failed"]:
            print(f"warning: {connect['failed']} viewers failed to connect: {connect['errors']}")
        quiet_after = await fan.quiet(args.settle)
        connect["quiet_after_seconds"] = round(quiet_after, 2)
        connect["worker_cpu_ms_per_connection"] = {
            w: round((cpu_seconds(p.pid) - c) * 1000 / max(1, connect["opened"] / 2), 2)
            for w, p, c in (("A", a, cpu0[0]), ("B", b, cpu0[1]))
        }
        connect["presence_messages"] = sum(c.tag.presence for c in fan.clients)
        held = rss_pair(a, b)
        per_worker = Counter(c.tag.worker for c in fan.clients)
        memory = {
            "rss_kib_before_viewers": idle,
            "rss_kib_with_viewers": held,
            "viewers": dict(per_worker),
            "kib_per_websocket": {
                w: round((held[w] - idle[w]) / per_worker[w], 1) if per_worker[w] else None
                for w in ("A", "B")
            },
            "client_rss_kib": client_rss_kib(),
        }
        viewers = [c.tag for c in fan.clients]
        print(
            f"   {connect['opened']} open in {connect['seconds']} s; quiet after "
            f"{connect['quiet_after_seconds']} s; commenting at {args.rate}/s for "
            f"{args.duration} s (A and B in turn)"
        )

        numbers = list(range(max(1, round(args.rate * args.duration))))
        msgs0 = fan.messages
        presence0 = sum(v.presence for v in viewers)
        cpu_before = cpu_seconds(a.pid), cpu_seconds(b.pid), time.process_time()
        elapsed = await poster.steady(numbers, args.rate)
        complete = await wait_delivered(viewers, numbers, args.drain_timeout)
        cpu_after = cpu_seconds(a.pid), cpu_seconds(b.pid), time.process_time()
        open_at_end = sum(c.is_open for c in fan.clients)
        closes = Counter(
            str(c.close_code if c.close_code is not None else c.error or "closed")
            for c in fan.clients
            if not c.is_open
        )
        report = delivery_report(viewers, poster, numbers, args.window)
        report.update(
            submit_seconds=round(elapsed, 2),
            all_delivered_in_time=complete,
            cpu_ms_per_comment={
                name: round((after - before) * 1000 / len(numbers), 2)
                for name, before, after in zip(
                    ("A", "B", "client"), cpu_before, cpu_after, strict=True
                )
            },
            messages_during_phase=fan.messages - msgs0,
            presence_messages_during_phase=sum(v.presence for v in viewers) - presence0,
            app_pings_answered=sum(c.app_pings for c in fan.clients),
            protocol_pings_answered=sum(c.protocol_pings for c in fan.clients),
        )
        memory["rss_kib_after_comments"] = rss_pair(a, b)
        fan.close()
        await asyncio.sleep(1.0)
        leftover = await claims_after_close(redis_url, [a.pid, b.pid])
        return {
            "blog_id": blog_id,
            "connect": connect,
            "memory": memory,
            "delivery": report,
            "viewers_open_at_end": open_at_end,
            "viewers_closed_by_server": dict(closes),
            "redis_claims_left_after_closing": leftover,
            "post_failures": poster.failures[:10],
            "post_failure_count": len(poster.failures),
        }


# --- report -------------------------------------------------------------------------------------


def report(results: dict[str, Any]) -> str:
    d = results["delivery"]
    lines = [
        "",
        f"comment.created, POST sent -> frame received by the viewer (ms); {d['comments']} "
        f"comments x {d['viewers']} viewers",
    ]
    labels = {
        "all": "all viewers",
        "viewers_on_A": "viewers on A",
        "viewers_on_B": "viewers on B",
        "same_worker": "POST and viewer on the same worker",
        "cross_worker": "POST and viewer on different workers",
    }
    rows = []
    for key, label in labels.items():
        lat = d["latency_ms"][key]
        rows.append([label, lat["n"], lat["p50"], lat["p95"], lat["p99"], lat["max"]])
    post = d["post_response_ms"]
    rows.append(
        ["(POST response itself)", post["n"], post["p50"], post["p95"], post["p99"], post["max"]]
    )
    lines.append(table(["latency of", "n", "p50", "p95", "p99", "max"], rows))

    dr = d["drift"]
    inc = dr["viewer_median_increase_ms"]
    lines += [
        "",
        f"Drift: comments sent in the first vs the last {dr['window_seconds']:g} s (ms)",
        table(
            ["window", "comments", "deliveries", "p50", "p95", "p99", "max"],
            [
                [
                    name,
                    dr[f"{key}_window_comments"],
                    dr[f"{key}_window_ms"]["n"],
                    dr[f"{key}_window_ms"]["p50"],
                    dr[f"{key}_window_ms"]["p95"],
                    dr[f"{key}_window_ms"]["p99"],
                    dr[f"{key}_window_ms"]["max"],
                ]
                for name, key in (("first", "first"), ("last", "last"))
            ],
        ),
        f"  p99 last/first: {dr['p99_ratio_last_to_first']}; rise of a viewer's median latency: "
        f"max {inc['max']:.1f} ms, p99 {inc['p99']:.1f} ms, median {inc['median']:.1f} ms "
        f"({inc['viewers']} viewers); largest beyond the median {inc['max_beyond_median']:.1f} ms",
    ]

    c, m = results["connect"], results["memory"]
    cpu = d["cpu_ms_per_comment"]
    lines += [
        "",
        "Delivery, connections, CPU",
        table(
            ["figure", "value"],
            [
                ["delivered", f"{d['deliveries']}/{d['expected']}"],
                ["lost (viewer never got the comment)", d["lost"]],
                ["viewers that missed at least one comment", d["viewers_that_missed_a_comment"]],
                ["duplicated", d["duplicated"]],
                ["viewers opened / failed", f"{c['opened']} / {c['failed']}"],
                ["connect: seconds, per second", f"{c['seconds']} s, {c['per_second']}/s"],
                [
                    "connect: handshake p50 / p99 ms",
                    f"{c['handshake_ms']['p50']:.1f} / {c['handshake_ms']['p99']:.1f}",
                ],
                ["presence messages while connecting", c["presence_messages"]],
                ["quiet after connecting (s)", c["quiet_after_seconds"]],
                [
                    "worker CPU ms per connection A / B",
                    f"{c['worker_cpu_ms_per_connection']['A']}"
                    f" / {c['worker_cpu_ms_per_connection']['B']}",
                ],
                ["viewers open at the end", results["viewers_open_at_end"]],
                ["viewers closed by the server", results["viewers_closed_by_server"] or 0],
                ["CPU ms per comment A / B / client", f"{cpu['A']} / {cpu['B']} / {cpu['client']}"],
                ["messages received during the phase", d["messages_during_phase"]],
                [
                    "pings answered (app / protocol)",
                    f"{d['app_pings_answered']} / {d['protocol_pings_answered']}",
                ],
                ["failed POSTs", results["post_failure_count"]],
            ],
        ),
        "",
        "Worker memory (VmRSS, KiB)",
        table(
            [
                "worker",
                "viewers",
                "before viewers",
                "with viewers",
                "after comments",
                "KiB/WebSocket",
            ],
            [
                [
                    w,
                    m["viewers"].get(w, 0),
                    m["rss_kib_before_viewers"][w],
                    m["rss_kib_with_viewers"][w],
                    m["rss_kib_after_comments"][w],
                    m["kib_per_websocket"][w],
                ]
                for w in ("A", "B")
            ],
        ),
        f"  client: {m['client_rss_kib']} KiB RSS with {c['opened']} sockets",
    ]
    left = results["redis_claims_left_after_closing"]
    lines.append(
        f"  claims left in Redis after every viewer closed: WebSocket claims "
        f"{left['ws_user_claims']}, presence {left['ws_presence']} "
        f"({left['seconds_after_close']} s after closing)"
    )
    problems = results["log_problems"]
    for name, found in problems.items():
        if found["by_message"] or found["tracebacks"]:
            lines.append(
                f"  log of {name}: {found['tracebacks']} tracebacks; {found['by_message']}"
            )
    return "\n".join(lines)


def verdicts(results: dict[str, Any], args: argparse.Namespace) -> list[tuple[str, bool, str]]:
    d = results["delivery"]
    lat = d["latency_ms"]
    p99 = lat["all"]["p99"]
    out = [
        (
            f"p99 from send < {args.p99_target_ms:g} ms",
            p99 < args.p99_target_ms,
            f"p99 {p99:.1f} ms (viewers on A {lat['viewers_on_A']['p99']:.1f}, on B "
            f"{lat['viewers_on_B']['p99']:.1f}), max {lat['all']['max']:.1f} ms",
        ),
        (
            "0 lost: every viewer got every comment",
            d["lost"] == 0 and d["deliveries"] > 0,
            f"{d['deliveries']}/{d['expected']} delivered, {d['lost']} lost "
            f"({d['viewers_that_missed_a_comment']} viewers)",
        ),
        ("no duplicated delivery", d["duplicated"] == 0, f"{d['duplicated']} duplicated"),
    ]
    inc = d["drift"]["viewer_median_increase_ms"]
    dr = d["drift"]
    out.append(
        (
            "no viewer drifts behind",
            inc["viewers"] > 0 and inc["max_beyond_median"] <= args.drift_limit_ms,
            f"a viewer's median rose {inc['max_beyond_median']:.1f} ms more than the common "
            f"{inc['median']:.1f} ms (limit {args.drift_limit_ms:g}); p99 "
            f"{dr['first_window_ms']['p99']:.1f} -> {dr['last_window_ms']['p99']:.1f} ms",
        )
    )
    c = results["connect"]
    out.append(
        (
            "every viewer connected and stayed connected",
            c["failed"] == 0 and results["viewers_open_at_end"] == c["opened"],
            f"{c['opened']} opened, {c['failed']} failed, {results['viewers_open_at_end']} open "
            "at the end",
        )
    )
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    load_before = wait_until_quiet(args.max_load, args.wait_idle)
    started = time.monotonic()
    nofile = raise_nofile_limit()  # before the workers start: they inherit it
    workdir = Path(tempfile.mkdtemp(prefix="bench-ws-"))
    redis: PrivateRedis | None = None
    workers: list[Worker] = []
    try:
        redis_url, redis = open_redis(args.redis_url)
        env = worker_env(redis_url, workdir, WS_MAX_CONNECTIONS_PER_USER="100000")
        setup_database(args, env)
        create_admin(env, ADMIN_EMAIL, "bench_admin")
        workers = start_workers(env, workdir, args.graceful_timeout)
        print(
            f"workers: A pid {workers[0].pid} port {workers[0].port}, "
            f"B pid {workers[1].pid} port {workers[1].port}"
        )
        use_uvloop()
        results = asyncio.run(run(workers[0], workers[1], redis_url, args))
        for worker in workers:
            worker.stop()
        results["log_problems"] = {w.name: log_problems(w) for w in workers}
    except BaseException:
        print_logs(workers)
        print(f"worker logs kept in {workdir}")
        raise
    finally:
        for worker in workers:
            worker.stop()
        if redis is not None:
            redis.stop()
    remove_workdir(workdir, args.keep_logs)
    load_after = load_average()
    results.update(
        benchmark="bench_ws",
        settings=settings(args),
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
        f"benchmark), {results['seconds']} s, {results['post_failure_count']} failed posts"
    )
    write_json(args.json, results)
    return 0 if all_met(results) and not results["post_failure_count"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
