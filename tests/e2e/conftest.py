"""Fixtures for end-to-end tests through Caddy: Caddy itself, a migrated PostgreSQL database of
their own, and app environments. Without Caddy the tests skip, and fail under CI=true."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest

from tests.harness import app_env, caddy_or_skip, fresh_database, once_per_suite


@pytest.fixture(scope="session")
def caddy_bin() -> str:
    """The Caddy binary (installed with apt-get when missing and possible)."""
    return caddy_or_skip()


@pytest.fixture(scope="session")
async def e2e_database_url(postgres_url: str) -> AsyncIterator[str]:
    """A database of its own next to the pass's one (`<name>_e2e`), migrated by `blog-api migrate`.

    Separate so app processes outside the test's transaction handling never see truncations.
    """
    yield await fresh_database(postgres_url, "e2e")


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
    """Run in the first (SQLite) pass only: these tests always use real PostgreSQL and Redis, so
    the PostgreSQL pass would repeat exactly the same work."""
    once_per_suite()
