"""`blog-api serve`: several Uvicorn workers, and a prompt exit on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import httpx
import pytest

from tests.cli.conftest import CliDb
from tests.conftest import ROOT, run_cli
from tests.e2e.servers import free_port


def test_several_workers_need_redis(cli_db: CliDb) -> None:
    result = run_cli("serve", "--workers", "2", env=cli_db.env)
    assert result.returncode == 1
    assert "several workers need REDIS_URL" in result.stderr


@pytest.mark.redis
def test_serve_with_two_workers_answers_and_stops_within_ten_seconds_on_sigterm(
    cli_db: CliDb, redis_url: str, tmp_path
) -> None:
    import os

    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "blog_api.cli", "serve", "--port", str(port), "--workers", "2"],
        cwd=ROOT,
        env={**os.environ, **cli_db.env, "REDIS_URL": redis_url},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "serve did not become ready"
            time.sleep(0.1)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=10)
        assert time.monotonic() - started < 10
        assert code == 0, (tmp_path / "serve.log").read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
