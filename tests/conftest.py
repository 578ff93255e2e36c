"""Shared fixtures: one app per test on a clean database, and an actor per role.

The backend comes from the environment, so the same tests run in two passes (see scripts/test):
- `TEST_DATABASE_URL` unset: SQLite in memory, in-process event bus;
- `TEST_DATABASE_URL=postgres://...` and `TEST_REDIS_URL=redis://...`: real PostgreSQL and Redis,
  schema created by the real migrations once per session, tables truncated before each test.

With `CI=true` a test skipped because PostgreSQL or Redis is unreachable counts as a failure.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from blog_api.auth.schemas import RegisterRequest
from blog_api.core.config import Settings
from blog_api.main import create_app
from blog_api.users.models import Role, User

ROOT = Path(__file__).resolve().parents[1]
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "sqlite://:memory:")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
IS_POSTGRES = TEST_DATABASE_URL.startswith("postgres")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SERVICE_SKIP_MARKERS = ("PostgreSQL unavailable", "Redis unavailable", "Chromium unavailable")
PASSWORD = "Correct-horse-42"


# --- CI: a skip for lack of a real service is a failure -------------------------------------


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped:
        reason = str(report.longrepr)
        if any(marker in reason for marker in SERVICE_SKIP_MARKERS):
            report.outcome = "failed"
            report.longrepr = f"CI=true: a real service was missing: {reason}"


# --- real services ----------------------------------------------------------------------------


def _postgres_reachable(url: str) -> bool:
    import asyncio

    import asyncpg

    async def probe() -> None:
        conn = await asyncpg.connect(url.replace("postgres://", "postgresql://"), timeout=3)
        await conn.close()

    # Run in a thread: callers may already be inside the session's event loop.
    from concurrent.futures import ThreadPoolExecutor

    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(asyncio.run, probe()).result()
        return True
    except Exception:
        return False


def _redis_reachable(url: str) -> bool:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=2)
        client.ping()
        client.close()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """URL of the real PostgreSQL test database (the pass's, or the CI default)."""
    url = (
        TEST_DATABASE_URL
        if IS_POSTGRES
        else os.environ.get("POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
    )
    if not _postgres_reachable(url):
        pytest.skip(f"PostgreSQL unavailable at {url}")
    return url


@pytest.fixture(scope="session")
def redis_url() -> str:
    """URL of the real Redis (the pass's, or the CI default)."""
    url = TEST_REDIS_URL or os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")
    if not _redis_reachable(url):
        pytest.skip(f"Redis unavailable at {url}")
    return url


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real `blog-api` command in a subprocess (as an operator would)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "blog_api.cli", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def reset_postgres_schema(url: str) -> None:
    """Drop everything in the public schema."""
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://"))
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()


@pytest.fixture(scope="session")
async def migrated_postgres() -> AsyncIterator[str | None]:
    """In the PostgreSQL pass: the test database, migrated once with `blog-api migrate`."""
    if not IS_POSTGRES:
        yield None
        return
    if not _postgres_reachable(TEST_DATABASE_URL):
        pytest.skip(f"PostgreSQL unavailable at {TEST_DATABASE_URL}")
    await reset_postgres_schema(TEST_DATABASE_URL)
    result = run_cli("migrate", env={"DATABASE_URL": TEST_DATABASE_URL})
    assert result.returncode == 0, result.stderr
    yield TEST_DATABASE_URL


async def _truncate_postgres(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://"))
    try:
        tables = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'aerich'"
        )
        if tables:
            names = ", ".join(f'"{t["tablename"]}"' for t in tables)
            await conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()


async def _flush_redis(url: str) -> None:
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(url)
    try:
        await client.flushdb()
    finally:
        await client.aclose()


@pytest.fixture
def smtp_server() -> Any:
    """A real SMTP server on a free local port; `.inbox` holds what arrived."""
    from tests.smtp import SmtpServer

    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


# --- app and client ---------------------------------------------------------------------------


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings for a test app: the pass's backends, a random secret, cheap hashing."""
    values: dict[str, Any] = {
        "environment": "development",
        "database_url": TEST_DATABASE_URL,
        "redis_url": TEST_REDIS_URL,
        "secret_key": secrets.token_urlsafe(48),
        "password_hash_profile": "fast",
        "media_root": tmp_path / "media",
        "mail_dir": tmp_path / "mail",
        "log_json": False,
        "rate_limit_enabled": False,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a test module to change settings for its app."""
    return {}


@pytest.fixture
async def settings(
    tmp_path: Path, migrated_postgres: str | None, settings_overrides: dict[str, Any]
) -> Settings:
    if migrated_postgres:
        await _truncate_postgres(migrated_postgres)
    if TEST_REDIS_URL:
        await _flush_redis(TEST_REDIS_URL)
    return make_settings(tmp_path, **settings_overrides)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings, generate_schemas=not IS_POSTGRES)
    # asgi-lifespan's default is 5 s: once in a CI run (PostgreSQL + Redis pass, machine loaded
    # by the suite) a start-up took longer and the test errored at setup.
    async with LifespanManager(application, startup_timeout=20):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as c:
        yield c


# --- actors -----------------------------------------------------------------------------------


@dataclass
class Actor:
    """A user of the API with a valid access token."""

    user: User
    token: str
    password: str = PASSWORD

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def id(self) -> int:
        return self.user.id


MakeActor = Callable[..., Awaitable[Actor]]


@pytest.fixture
def make_actor(app: FastAPI) -> MakeActor:
    """Create a user with a role and return it with an access token."""
    from blog_api.auth import service as auth_service

    counter = {"n": 0}

    async def factory(role: Role = Role.user, name: str | None = None) -> Actor:
        counter["n"] += 1
        username = name or f"{role.value.replace('_', '')}{counter['n']}"
        data = RegisterRequest(
            email=f"{username}@example.com", username=username, password=PASSWORD
        )
        user = await auth_service.register(data, settings=app.state.settings, role=role)
        token, _ = app.state.tokens.issue(user_id=user.id, role=user.role.value)
        return Actor(user=user, token=token)

    return factory


@pytest.fixture
async def user(make_actor: MakeActor) -> Actor:
    return await make_actor(Role.user, "alice")


@pytest.fixture
async def other_user(make_actor: MakeActor) -> Actor:
    return await make_actor(Role.user, "bob")


@pytest.fixture
async def approver(make_actor: MakeActor) -> Actor:
    return await make_actor(Role.l1_approver, "carol")


@pytest.fixture
async def admin(make_actor: MakeActor) -> Actor:
    return await make_actor(Role.admin, "dave")


@pytest.fixture
async def actors(user: Actor, approver: Actor, admin: Actor) -> dict[str, Actor | None]:
    """One caller per role plus anonymous, for role-matrix tests."""
    return {"anonymous": None, "user": user, "l1_approver": approver, "admin": admin}


def auth(actor: Actor | None) -> dict[str, str]:
    """Headers for an actor (none for anonymous)."""
    return actor.headers if actor else {}
