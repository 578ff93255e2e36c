"""A private `redis-server` a test may stop and start (an outage no one else sees).

    with private_redis(tmp_path) as redis:      # started; `redis.url` is its URL
        redis.stop()                            # connections are refused from now on
        redis.start()                           # back, with its data (append-only file)

Its data survive `stop()`/`start()` (append-only file in the test's directory), as a Redis
restarted by its supervisor would keep them; nothing is shared with the pass's Redis.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateRedis:
    """One `redis-server` on a free localhost port, persisting to `workdir`."""

    def __init__(self, workdir: Path) -> None:
        self.port = _free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None


@contextmanager
def private_redis(workdir: Path) -> Iterator[PrivateRedis]:
    """A started private Redis, stopped at the end (skips if `redis-server` is missing)."""
    if shutil.which("redis-server") is None:
        pytest.skip("Redis unavailable: redis-server is not installed")
    workdir.mkdir(parents=True, exist_ok=True)
    server = PrivateRedis(workdir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[PrivateRedis]:
    """A private Redis for this test; pair with `settings_overrides` returning
    `{"redis_url": redis_server.url}` to give the test app this Redis."""
    with private_redis(tmp_path / "redis") as server:
        yield server
