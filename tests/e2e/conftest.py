"""Fixtures for end-to-end tests through Caddy: Caddy itself, a migrated PostgreSQL database of
their own, and app environments. Without Caddy the tests skip, and fail under CI=true."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import asyncpg
import pytest

from tests.conftest import IN_CI, IS_POSTGRES, run_cli
from tests.e2e.servers import CaddyMissing, app_env, caddy_binary


@pytest.fixture(scope="session")
def caddy_bin() -> str:
    """The Caddy binary (installed with apt-get when missing and possible)."""
    try:
        return caddy_binary()
    except CaddyMissing as exc:
        if IN_CI:
            pytest.fail(f"CI=true: {exc}")
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
async def e2e_database_url(postgres_url: str) -> AsyncIterator[str]:
    """A database of its own next to the pass's one (`<name>_e2e`), migrated by `blog-api migrate`.

    Separate so app processes outside the test's transaction handling never see truncations.
    """
    base, _, name = postgres_url.rpartition("/")
    db_name = f"{name.split('?')[0]}_e2e"
    admin_url = f"{base}/postgres".replace("postgres://", "postgresql://", 1)
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{db_name}"')
    finally:
        await conn.close()
    url = f"{base}/{db_name}"
    result = run_cli("migrate", env={"DATABASE_URL": url})
    assert result.returncode == 0, result.stderr
    yield url


@pytest.fixture(scope="session")
def e2e_env(
    e2e_database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """Environment for app processes: PostgreSQL and Redis, a fresh secret, no rate limits.

    Redis is flushed because the database was just re-created: the relay's de-duplication keys
    name outbox row ids, which start again at 1 and would otherwise be taken as already published.
    """
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        client.flushdb()
    finally:
        client.close()
    return app_env(
        database_url=e2e_database_url,
        redis_url=redis_url,
        secret_key=secrets.token_urlsafe(48),
        media_root=tmp_path_factory.mktemp("e2e-media"),
    )


@pytest.fixture(autouse=True)
def _once_per_suite() -> None:
    """Run in the first (SQLite) pass only: these tests always use real PostgreSQL and Redis, so the PostgreSQL pass would
    repeat exactly the same work."""
    if IS_POSTGRES:
        pytest.skip("independent of the pass's backend; runs in the SQLite pass")
