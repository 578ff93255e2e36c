"""Tortoise ORM configuration shared by the app, the CLI, aerich and the tests."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.transactions import in_transaction

from blog_api.core.config import get_settings

logger = logging.getLogger("blog_api.core.db")

# The after-commit callbacks of the innermost `transaction()` block of the current task.
_after_commit: ContextVar[list[Callable[[], None]] | None] = ContextVar(
    "blog_api_after_commit", default=None
)


@asynccontextmanager
async def transaction() -> AsyncIterator[BaseDBAsyncClient]:
    """`in_transaction()` with after-commit hooks: what `after_commit` registers inside the
    block runs right after the COMMIT, and never if the block raised (rolled back).

    Nested blocks hand their hooks to the enclosing block when they succeed, so a hook runs
    only once the outermost transaction has really committed. Every service opens its
    transactions here (a test keeps it so), so work that must follow a commit (publishing its
    events) is never lost to a plain `in_transaction()`.
    """
    outer = _after_commit.get()
    hooks: list[Callable[[], None]] = []
    token = _after_commit.set(hooks)
    try:
        async with in_transaction() as conn:
            yield conn
    finally:
        _after_commit.reset(token)
    # Reached only when the block committed: an exception skips this.
    if outer is not None:
        outer.extend(hooks)
        return
    if hooks:
        run_hooks(hooks)
        # Let what the hooks scheduled start now (the relay sends the XADD of the events just
        # committed) instead of after the caller has built and sent its response.
        await asyncio.sleep(0)


def run_hooks(hooks: list[Callable[[], None]]) -> None:
    """Run after-commit hooks; one failing does not stop the others (the commit stands)."""
    for hook in hooks:
        try:
            hook()
        except Exception:
            logger.exception("after-commit hook failed")


def seconds_from_now(dialect: str, seconds: float) -> float | str:
    """`seconds` as a statement that adds them to the database's own clock takes them:
    PostgreSQL `clock_timestamp() + make_interval(secs => $n)` a number, SQLite
    `strftime('%Y-%m-%d %H:%M:%f+00:00', 'now', ?)` a date modifier. For times that several
    workers compare (leases, due times), so no worker's clock matters."""
    return float(seconds) if dialect == "postgres" else f"{seconds:+.3f} seconds"


def after_commit(hook: Callable[[], None], *, using_db: BaseDBAsyncClient | None) -> bool:
    """Run `hook` (synchronous, cheap: schedule work, do not do it) once the change is durable.

    Inside a `transaction()` block it runs after that block commits. With `using_db=None` the
    write was autocommitted, so it runs now. Returns False, and does not run it, when the caller
    is inside a transaction opened some other way: its commit cannot be observed.
    """
    pending = _after_commit.get()
    if pending is not None:
        pending.append(hook)
        return True
    if using_db is None:
        run_hooks([hook])
        return True
    return False


# Every module that defines models; one Tortoise app called "models".
MODEL_MODULES: list[str] = [
    "blog_api.users.models",
    "blog_api.auth.models",
    "blog_api.accounts.models",
    "blog_api.realtime.models",
    "blog_api.media.models",
    "blog_api.blogs.models",
    "blog_api.comments.models",
    "blog_api.webhooks.models",
    "blog_api.mail.models",
    "blog_api.core.idempotency",
    "blog_api.feature_requests.models",
    "blog_api.drafts.models",
]

MIGRATIONS_ROOT = Path(__file__).resolve().parents[2] / "aerich_migrations"


def dialect_of(db_url: str) -> str:
    """The migration set for a database URL: `sqlite` or `postgres`."""
    if db_url.startswith("sqlite"):
        return "sqlite"
    if db_url.startswith(("postgres", "asyncpg", "psycopg")):
        return "postgres"
    raise ValueError(f"unsupported DATABASE_URL scheme: {db_url.split(':', 1)[0]}")


def tortoise_config(db_url: str, *, with_aerich: bool = False) -> dict[str, Any]:
    """A Tortoise config dict for `db_url`; aerich's own model is added for migration commands."""
    models = list(MODEL_MODULES)
    if with_aerich:
        models.append("aerich.models")
    connection: str | dict[str, Any] = db_url
    if dialect_of(db_url) == "sqlite":
        # Our SQLite client: WAL, a busy timeout and BEGIN IMMEDIATE on every connection, so the
        # CLI and a running server can write to one file at once (see `core/sqlite.py`).
        connection = expand_db_url(db_url)
        connection["engine"] = "blog_api.core.sqlite"
    if dialect_of(db_url) == "postgres":
        connection = expand_db_url(db_url)
        # asyncpg "resets" every connection it takes back into the pool with one more round trip
        # (UNLISTEN, advisory unlocks, RESET ALL). Tortoise borrows a connection per query outside
        # transactions, so that was two or three extra round trips per request. Nothing here
        # leaves session state behind (no LISTEN, advisory locks or SET), so there is nothing to
        # reset.
        connection["credentials"]["reset"] = _keep_session
    return {
        "connections": {"default": connection},
        "apps": {"models": {"models": models, "default_connection": "default"}},
        "use_tz": True,
        "timezone": "UTC",
    }


async def _keep_session(connection: Any) -> None:
    """asyncpg's pool `reset` hook: deliberately nothing (see `tortoise_config`)."""


def migrations_location(db_url: str) -> Path:
    """Folder holding the migration files for the dialect of `db_url`."""
    return MIGRATIONS_ROOT / dialect_of(db_url)


def ensure_sqlite_parent(db_url: str) -> None:
    """Create the folder of a SQLite file so a fresh checkout runs without manual steps."""
    if db_url.startswith("sqlite://") and ":memory:" not in db_url:
        path = Path(db_url.removeprefix("sqlite://").split("?", 1)[0])
        path.parent.mkdir(parents=True, exist_ok=True)


# aerich's command line reads this name (`tool.aerich.tortoise_orm` style).
def __getattr__(name: str) -> Any:
    if name == "TORTOISE_ORM":
        return tortoise_config(get_settings().database_url, with_aerich=True)
    raise AttributeError(name)
