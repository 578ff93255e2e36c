"""Smoke tests of the benchmark scripts (scripts/bench_*.py) with tiny parameters.

They prove the scripts still run against the current code and measure what they claim (every
event delivered once, XREAD counted, memory read, workers stopped); the figures themselves are
measured by running the scripts by hand (README "Benchmarks"), never asserted here. Run once per
suite (SQLite pass): the scripts always use real PostgreSQL (and Redis) whatever the pass.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import IS_POSTGRES, ROOT

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        IS_POSTGRES, reason="independent of the pass's backend; runs in the SQLite pass"
    ),
]


def run_script(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / name), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def server_and_db(postgres_url: str, suffix: str) -> tuple[str, str, str, str]:
    """--postgres and --database for a script: a database named after the pass's own (so
    parallel runs on other test databases never share it)."""
    server, _, name = postgres_url.rpartition("/")
    return "--postgres", server, "--database", f"{name.split('?')[0]}_{suffix}"


def test_bench_realtime_delivers_every_event_once_and_counts_reads(
    postgres_url: str, tmp_path: Path
) -> None:
    if shutil.which("redis-server") is None:
        pytest.skip("Redis unavailable: redis-server is not installed (the script starts its own)")
    out = tmp_path / "rt.json"
    result = run_script(
        "bench_realtime.py",
        *("--streams", "4", "--events", "3", "--rounds", "2", "--rate", "50"),
        *("--xread-clients", "2", "--xread-events", "3", "--stuck-events", "3"),
        *("--clients-per-account", "2", "--settle", "0.2", "--graceful-timeout", "1"),
        *server_and_db(postgres_url, "bench_rt"),
        *("--max-load", "1000", "--json", str(out)),
    )
    assert out.exists(), result.stdout[-3000:] + result.stderr[-3000:]
    data = json.loads(out.read_text())
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
    out = tmp_path / "api.json"
    result = run_script(
        "bench_api.py",
        *("--posts", "25", "--requests", "20", "--concurrency", "4"),
        *("--logins", "4", "--login-concurrency", "2", "--probe-seconds", "0.3"),
        *("--hash-profile", "fast", "--redis-url", ""),
        *server_and_db(postgres_url, "bench_api"),
        *("--max-load", "1000", "--json", str(out)),
    )
    assert out.exists(), result.stdout[-3000:] + result.stderr[-3000:]
    data = json.loads(out.read_text())
    assert data["seeded_posts"] == 25
    assert [e["requests"] for e in data["endpoints"]] == [20] * 5
    assert all(e["errors"] == 0 for e in data["endpoints"])
    assert data["hashing"]["login_failures"] == 0
    assert data["hashing"]["healthz_during_logins_ms"]["n"] > 0
    assert "Issue figures" in result.stdout
