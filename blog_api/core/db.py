"""Tortoise ORM configuration shared by the app, the CLI, aerich and the tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from blog_api.core.config import get_settings

# Every module that defines models; one Tortoise app called "models".
MODEL_MODULES: list[str] = [
    "blog_api.users.models",
    "blog_api.auth.models",
    "blog_api.realtime.models",
    "blog_api.media.models",
    "blog_api.blogs.models",
    "blog_api.comments.models",
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
    return {
        "connections": {"default": db_url},
        "apps": {"models": {"models": models, "default_connection": "default"}},
        "use_tz": True,
        "timezone": "UTC",
    }


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
