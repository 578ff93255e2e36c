"""Smoke tests of `scripts/bench_ws.py` and `scripts/bench_idle.py` with tiny parameters.

Like tests/test_bench_scripts.py: they prove the scripts still run against the current code and
measure what they claim (every comment reaches every viewer exactly once, every idle connection
is still alive at the end, memory is read); the figures themselves are measured by running the
scripts by hand (README "Benchmarks") and never asserted here, so the exit code (1 when an issue
figure is not met) is not either. Run once per suite (SQLite pass): the scripts always use real
PostgreSQL and a private redis-server whatever the pass.
"""

from __future__ import annotations

from pathlib import Path

from tests.bench_helpers import BENCH_MARKS, needs_redis_server, run_benchmark

pytestmark = BENCH_MARKS


@needs_redis_server
def test_bench_ws_delivers_every_comment_to_every_viewer_once(
    postgres_url: str, tmp_path: Path
) -> None:
    result, data = run_benchmark(
        *("bench_ws.py", "ws", postgres_url, tmp_path),
        *("--viewers", "6", "--viewers-per-account", "2", "--connect-concurrency", "3"),
        *("--rate", "10", "--duration", "1.5", "--window", "0.5"),
        *("--settle", "0.2", "--graceful-timeout", "1"),
    )
    delivery = data["delivery"]
    assert delivery["comments"] == 15
    assert delivery["deliveries"] == delivery["expected"] == 15 * 6
    assert delivery["lost"] == 0 and delivery["duplicated"] == 0
    for group in ("all", "viewers_on_A", "viewers_on_B", "same_worker", "cross_worker"):
        assert delivery["latency_ms"][group]["n"] > 0
    drift = delivery["drift"]
    assert drift["first_window_ms"]["n"] > 0 and drift["last_window_ms"]["n"] > 0
    assert drift["viewer_median_increase_ms"]["viewers"] == 6
    assert data["connect"]["opened"] == 6 and data["connect"]["failed"] == 0
    assert data["viewers_open_at_end"] == 6
    assert data["memory"]["viewers"] == {"A": 3, "B": 3}
    assert all(kib > 0 for kib in data["memory"]["rss_kib_with_viewers"].values())
    assert set(delivery["cpu_ms_per_comment"]) == {"A", "B", "client"}
    assert data["post_failure_count"] == 0
    assert len(data["load_average_before"]) == 3 and len(data["load_average_after"]) == 3
    assert {v["figure"] for v in data["verdicts"]} >= {"0 lost: every viewer got every comment"}
    assert "Issue figures" in result.stdout


@needs_redis_server
def test_bench_idle_measures_memory_and_keeps_every_connection_alive(
    postgres_url: str, tmp_path: Path
) -> None:
    result, data = run_benchmark(
        *("bench_idle.py", "idle", postgres_url, tmp_path),
        *("--phase1", "10", "--sse", "10", "--ws", "10", "--ws-posts", "2"),
        *("--hold", "3", "--sample-every", "1", "--sse-heartbeat", "1"),
        *("--ws-ping-interval", "1", "--ws-ping-timeout", "3", "--alive-margin", "3"),
        *("--conns-per-account", "5", "--concurrency", "5", "--settle", "0.3"),
        *("--graceful-timeout", "1"),
    )
    phase1 = data["phase1"]
    assert phase1["open"]["sse"]["opened"] == phase1["open"]["ws"]["opened"] == 10
    assert phase1["alive_before_closing"] == {"sse": 10, "ws": 10}
    assert all(kib > 0 for kib in phase1["rss_kib"].values())
    assert isinstance(phase1["kib_per_sse"], float) and isinstance(phase1["kib_per_ws"], float)
    phase2 = data["phase2"]
    assert phase2["open"]["sse"]["failed"] == phase2["open"]["ws"]["failed"] == 0
    assert phase2["alive"] == {
        "sse": 10,
        "sse_opened": 10,
        "ws": 10,
        "ws_opened": 10,
        "ws_open_and_pinged": 10,
    }
    assert phase2["connections_per_worker"] == {"A": 10, "B": 10}
    assert phase2["sse_heartbeats_per_stream"]["min"] >= 1
    assert phase2["ws_app_pings_per_socket"]["min"] >= 1
    assert set(phase2["rss_kib"]) == {"idle", "with_sse", "with_sse_and_ws", "after_hold"}
    assert len(phase2["samples"]) >= 2
    assert len(data["verdicts"]) == 4
    assert "Issue figures" in result.stdout
