"""Smoke tests of the benchmark scripts (scripts/bench_*.py) with tiny parameters.

They prove the scripts still run against the current code and measure what they claim (every
event delivered once, XREAD counted, memory read, workers stopped); the figures themselves are
measured by running the scripts by hand (README "Benchmarks"), never asserted here. Run once per
suite (SQLite pass): the scripts always use real PostgreSQL (and Redis) whatever the pass.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.bench_helpers import BENCH_MARKS, needs_redis_server, run_benchmark

pytestmark = BENCH_MARKS


@needs_redis_server
def test_bench_realtime_delivers_every_event_once_and_counts_reads(
    postgres_url: str, tmp_path: Path
) -> None:
    result, data = run_benchmark(
        *("bench_realtime.py", "rt", postgres_url, tmp_path),
        *("--streams", "4", "--events", "3", "--rounds", "2", "--rate", "50"),
        *("--xread-clients", "2", "--xread-events", "3", "--stuck-events", "3"),
        *("--clients-per-account", "2", "--settle", "0.2", "--graceful-timeout", "1"),
    )
    # The floor (trivial in-memory SSE server) and blog_api, alternated, same client.
    assert [sorted(r) for r in data["rounds"]] == [["blog_api", "floor", "round"]] * 2
    floor_phases = [r["floor"] for r in data["rounds"]]
    stuck = data["stuck"]
    api_phases = [
        data["xread_few"],
        *(r["blog_api"] for r in data["rounds"]),
        stuck["phase"],
        stuck["after_eviction"],
    ]
    assert [p["deliveries"] for p in floor_phases] == [12, 12]
    assert [p["deliveries"] for p in api_phases] == [6, 12, 12, 12, 12]
    assert all(p["exactly_once"] for p in floor_phases + api_phases)
    assert all(p["xread_calls"] > 0 for p in api_phases)
    assert set(data["rounds"][0]["blog_api"]["latency_ms_by_worker"]) == {"A", "B"}
    assert data["medians"]["blog_api"]["post_round_trip_p50_ms"] > 0
    assert data["medians"]["floor"]["lost"] == 0
    assert stuck["writer_blocked"]
    assert stuck["evicted"]
    assert all(kib > 0 for kib in data["memory"]["rss_kib_idle"].values())
    assert max(data["sigterm"]["exit_seconds"].values()) < 10
    assert data["quiet_machine"]
    assert "Issue figures" in result.stdout


def test_bench_api_measures_every_endpoint_and_the_login_burst(
    postgres_url: str, tmp_path: Path
) -> None:
    result, data = run_benchmark(
        *("bench_api.py", "api", postgres_url, tmp_path),
        *("--posts", "25", "--requests", "20", "--concurrency", "4"),
        *("--logins", "4", "--login-concurrency", "2", "--probe-seconds", "0.3"),
        *("--hash-profile", "fast", "--redis-url", ""),
    )
    assert data["seeded_posts"] == 25
    assert [e["requests"] for e in data["endpoints"]] == [20] * 5
    assert all(e["errors"] == 0 for e in data["endpoints"])
    assert data["hashing"]["login_failures"] == 0
    assert data["hashing"]["healthz_during_logins_ms"]["n"] > 0
    assert "Issue figures" in result.stdout


def test_bench_import_imports_every_post_and_reimports_nothing(
    postgres_url: str, tmp_path: Path
) -> None:
    result, data = run_benchmark(
        *("bench_import.py", "import", postgres_url, tmp_path),
        *("--posts", "40", "--users", "5"),
    )
    assert [p["created"] for p in data["phases"]] == [40, 0]
    decided = data["statuses"]["approved"] + data["statuses"]["rejected"]
    assert data["rows"]["blogs"] == 40
    assert data["rows"]["outbox_events"] == 40 + decided
    assert data["phases"][0]["posts_per_second"] > 0
    assert "Issue figures" in result.stdout


@needs_redis_server
@pytest.mark.parametrize("generator", ["wrk", "python"])
def test_bench_read_loads_every_scenario_on_api_and_ceiling_with_identical_bytes(
    postgres_url: str, tmp_path: Path, generator: str
) -> None:
    if generator == "wrk" and shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (the python variant covers the fallback)")
    result, data = run_benchmark(
        *("bench_read.py", f"read_{generator}", postgres_url, tmp_path),
        *("--posts", "60", "--tags", "8", "--duration", "1", "--warmup", "0"),
        *("--connections", "4", "--load-generator", generator, "--graceful-timeout", "1"),
        # The runs with the cache off once (with wrk, or with the fallback where wrk is missing).
        *(["--no-uncached"] if generator == "python" and shutil.which("wrk") else []),
    )
    # Speed targets are not asserted (exit 1 when unmet); a crash or a wrong answer would be.
    assert result.returncode in (0, 1), result.stdout[-3000:] + result.stderr[-3000:]
    assert data["load_generator"] == generator
    assert data["import"]["created"] == data["approved_posts"] == 60
    assert data["deep_page"] == 3  # 60 posts, 20 a page: the cursors were followed to the end
    assert len(data["scenarios"]) == 10
    assert sum(bool(s["bearer"]) for s in data["scenarios"]) == 5
    runs = [s[server] for s in data["scenarios"] for server in ("api", "ceiling")]
    runs += [s["uncached"] for s in data["scenarios"] if "uncached" in s]
    assert all(r["requests"] > 0 and r["non_2xx"] == r["socket_errors"] == 0 for r in runs)
    assert all(a["same_bytes_after_load"] and a["ceiling_same_bytes"] for a in data["answers"])
    assert all(a["uncached_same_bytes"] is not False for a in data["answers"])
    if data["settings"]["uncached"]:
        assert all(a["uncached_same_bytes"] for a in data["answers"])
        assert sum("uncached" in s for s in data["scenarios"]) == 5
    targets = [v for v in data["verdicts"] if "x ceiling" in v["figure"]]
    assert len(targets) == 3 and all(v["met"] in (True, False) for v in targets)
    assert all(v["met"] for v in data["verdicts"] if v not in targets)
    assert "Issue figures" in result.stdout
