"""A private `redis-server` a test may stop and start (an outage no one else sees).

    with private_redis(tmp_path) as redis:      # started; `redis.url` is its URL
        redis.stop()                            # connections are refused from now on
        redis.start()                           # back, with its data (append-only file)

Its data survive `stop()`/`start()` (append-only file in the test's directory), as a Redis
restarted by its supervisor would keep them; nothing is shared with the pass's Redis. The server
is the harness's `RedisServer` (tests/harness.py) with persistence on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.harness import RedisServer

PrivateRedis = RedisServer


@contextmanager
def private_redis(workdir: Path) -> Iterator[RedisServer]:
    """A started private Redis, stopped at the end (skips, as a missing service, without
    `redis-server`)."""
    server = RedisServer(workdir, persist=True).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A private Redis for this test; pair with `settings_overrides` returning
    `{"redis_url": redis_server.url}` to give the test app this Redis."""
    with private_redis(tmp_path / "redis") as server:
        yield server
