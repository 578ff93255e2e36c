"""SQLite connections: WAL, a busy timeout and write transactions that lock at BEGIN.

Each test opens its own SQLite file through `tortoise_config` (what the app, the CLI and aerich
use) in a thread with its own event loop: the test session's loop hosts the suite's Tortoise.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest

from tests.conftest import IS_POSTGRES

pytestmark = pytest.mark.skipif(
    IS_POSTGRES, reason="independent of the pass's backend; runs in the SQLite pass"
)

T = TypeVar("T")


def _with_tortoise(path: Path, body: Callable[[], Awaitable[T]]) -> T:
    async def run() -> T:
        from tortoise import Tortoise

        from blog_api.core.db import tortoise_config

        await Tortoise.init(config=tortoise_config(f"sqlite://{path}"))
        try:
            return await body()
        finally:
            await Tortoise.close_connections()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def test_every_connection_uses_wal_and_a_busy_timeout(tmp_path: Path) -> None:
    from tortoise import connections

    async def pragmas() -> dict[str, object]:
        conn = connections.get("default")
        found: dict[str, object] = {}
        for name in ("journal_mode", "busy_timeout", "synchronous", "foreign_keys"):
            row = (await conn.execute_query_dict(f"PRAGMA {name}"))[0]
            found[name] = next(iter(row.values()))
        return found

    found = _with_tortoise(tmp_path / "app.sqlite3", pragmas)
    assert found["journal_mode"] == "wal"
    assert isinstance(found["busy_timeout"], int) and found["busy_timeout"] >= 10_000
    assert found["synchronous"] == 1  # NORMAL, the safe setting under WAL
    assert found["foreign_keys"] == 1


def test_a_transaction_that_reads_first_waits_for_another_writer(tmp_path: Path) -> None:
    """With a deferred BEGIN, a transaction that read before another process committed fails
    its first write at once with "database is locked" (the busy timeout cannot help). Ours takes
    the write lock at BEGIN, so the other writer waits for it instead, and nothing fails."""
    path = tmp_path / "race.sqlite3"
    with sqlite3.connect(path) as setup:
        setup.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, who TEXT)")
    other_done = threading.Event()
    other_error: list[BaseException] = []

    def other_writer() -> None:
        try:
            conn = sqlite3.connect(path, timeout=10, isolation_level=None)
            conn.execute("INSERT INTO items (who) VALUES ('other')")
            conn.close()
        except BaseException as exc:  # reported by the assertion below
            other_error.append(exc)
        finally:
            other_done.set()

    async def read_then_write() -> None:
        from blog_api.core.db import transaction

        async with transaction() as conn:
            await conn.execute_query("SELECT count(*) FROM items")
            threading.Thread(target=other_writer).start()
            # Time for the other writer to commit if it could (with a deferred BEGIN it can).
            await asyncio.sleep(0.3)
            await conn.execute_query("INSERT INTO items (who) VALUES ('app')")

    _with_tortoise(path, read_then_write)
    assert other_done.wait(10)
    assert other_error == []
    with sqlite3.connect(path) as check:
        rows = [r[0] for r in check.execute("SELECT who FROM items ORDER BY id")]
    assert rows == ["app", "other"]


def test_a_busy_writer_elsewhere_is_waited_for(tmp_path: Path) -> None:
    """Another process holding the write lock for a while delays our transaction; it does not
    fail it."""
    path = tmp_path / "busy.sqlite3"
    with sqlite3.connect(path) as setup:
        setup.execute("PRAGMA journal_mode=WAL")  # as the app left it (the mode is persistent)
        setup.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, who TEXT)")
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO items (who) VALUES ('holder')")
    release = threading.Timer(1.0, lambda: holder.execute("COMMIT"))

    async def write() -> float:
        from blog_api.core.db import transaction

        started = time.monotonic()
        async with transaction() as conn:
            await conn.execute_query("INSERT INTO items (who) VALUES ('app')")
        return time.monotonic() - started

    release.start()
    waited = _with_tortoise(path, write)
    release.join()
    holder.close()
    assert waited >= 0.5
    with sqlite3.connect(path) as check:
        assert [r[0] for r in check.execute("SELECT who FROM items ORDER BY id")] == [
            "holder",
            "app",
        ]
