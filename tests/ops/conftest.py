"""A database of the test's own for operator commands run as subprocesses (`blog-api seed`,
`blog-api import`): a SQLite file in the SQLite pass, a PostgreSQL database next to the pass's
test database in the PostgreSQL pass (so the same test runs on both backends)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IS_POSTGRES, TEST_DATABASE_URL, run_cli

BASE_ENV = {
    "ENVIRONMENT": "development",
    "PASSWORD_HASH_PROFILE": "fast",
    "REDIS_URL": "",
    "SECRET_KEY": "ops-tests-" + "k" * 40,
}


def _in_thread(coro: Any) -> Any:
    """Run a coroutine on a loop of its own (the session's loop hosts the suite's Tortoise)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


class OpsDb:
    """One migrated database: `env` for `run_cli`, and plain SQL on it (`?` placeholders)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.env = {**BASE_ENV, "DATABASE_URL": url}
        self.is_postgres = url.startswith("postgres")

    def query(self, sql: str, *params: object) -> list[tuple]:
        if self.is_postgres:
            return _in_thread(self._pg(sql, params, fetch=True))
        import sqlite3

        with sqlite3.connect(self.url.removeprefix("sqlite://")) as conn:
            return conn.execute(sql, params).fetchall()

    def execute(self, sql: str, *params: object) -> None:
        if self.is_postgres:
            _in_thread(self._pg(sql, params, fetch=False))
            return
        import sqlite3

        with sqlite3.connect(self.url.removeprefix("sqlite://")) as conn:
            conn.execute(sql, params)

    def scalar(self, sql: str, *params: object) -> Any:
        return self.query(sql, *params)[0][0]

    async def _pg(self, sql: str, params: tuple, *, fetch: bool) -> list[tuple]:
        import asyncpg

        counter = iter(range(1, len(params) + 1))
        sql = re.sub(r"\?", lambda _: f"${next(counter)}", sql)
        conn = await asyncpg.connect(self.url.replace("postgres://", "postgresql://", 1))
        try:
            if fetch:
                return [tuple(r) for r in await conn.fetch(sql, *params)]
            await conn.execute(sql, *params)
            return []
        finally:
            await conn.close()


async def _recreate_postgres(url: str) -> None:
    import asyncpg

    server, _, name = url.rpartition("/")
    conn = await asyncpg.connect(server.replace("postgres://", "postgresql://", 1) + "/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def _drop_postgres(url: str) -> None:
    import asyncpg

    server, _, name = url.rpartition("/")
    conn = await asyncpg.connect(server.replace("postgres://", "postgresql://", 1) + "/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture
def ops_db(tmp_path: Path) -> Iterator[Callable[[str], OpsDb]]:
    """`ops_db(name)`: a fresh database migrated with the real `blog-api migrate`."""
    created: list[str] = []

    def make(name: str) -> OpsDb:
        if IS_POSTGRES:
            server, _, base = TEST_DATABASE_URL.rpartition("/")
            url = f"{server}/{base.split('?')[0]}_ops_{name}"
            _in_thread(_recreate_postgres(url))
            created.append(url)
        else:
            url = f"sqlite://{tmp_path / name}.sqlite3"
        db = OpsDb(url)
        result = run_cli("migrate", env=db.env)
        assert result.returncode == 0, result.stderr
        return db

    yield make
    for url in created:
        _in_thread(_drop_postgres(url))
