"""Helpers of the benchmark scripts' smoke tests (tests/test_bench_*.py): not a test module."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IS_POSTGRES, ROOT

# The scripts always use real PostgreSQL (and Redis) whatever the pass: run once per suite.
BENCH_MARKS = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        IS_POSTGRES, reason="independent of the pass's backend; runs in the SQLite pass"
    ),
]

needs_redis_server = pytest.mark.skipif(
    shutil.which("redis-server") is None,
    reason="Redis unavailable: redis-server is not installed (the script starts its own)",
)


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


def run_benchmark(
    name: str, key: str, postgres_url: str, tmp_path: Path, *args: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """Run scripts/`name` with `args` on database `<pass's>_bench_<key>`, whatever the load,
    its JSON written to `<tmp_path>/<key>.json`: (the finished process, the JSON)."""
    out = tmp_path / f"{key}.json"
    result = run_script(
        name,
        *args,
        *server_and_db(postgres_url, f"bench_{key}"),
        *("--max-load", "1000", "--json", str(out)),
    )
    assert out.exists(), result.stdout[-3000:] + result.stderr[-3000:]
    return result, json.loads(out.read_text())
