"""Schema migrations with aerich, one migration set per SQL dialect.

aerich writes dialect-specific SQL, so `aerich_migrations/sqlite/` and `aerich_migrations/postgres/`
are generated from the same models (`blog-api makemigrations`) and applied by `blog-api migrate`.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from aerich import Command
from tortoise import Tortoise

from blog_api.core.db import ensure_sqlite_parent, migrations_location, tortoise_config

APP = "models"


async def _has_migration_table() -> bool:
    from aerich.models import Aerich
    from tortoise.exceptions import OperationalError

    try:
        return await Aerich.exists(app=APP)
    except OperationalError:
        return False
    except Exception:  # asyncpg raises its own error types for a missing table
        return False


async def migrate(db_url: str) -> list[str]:
    """Bring the database at `db_url` to the current schema; return the versions applied."""
    ensure_sqlite_parent(db_url)
    location = migrations_location(db_url)
    config = tortoise_config(db_url, with_aerich=True)
    files = sorted(p.name for p in (location / APP).glob("*.py") if p.stem[0].isdigit())
    if not files:
        raise RuntimeError(f"no migration files in {location}; run `blog-api makemigrations`")
    command = Command(tortoise_config=config, app=APP, location=str(location))
    try:
        await Tortoise.init(config=config)
        if not await _has_migration_table():
            # An empty database: init_db applies every existing file in order.
            await command.init_db(safe=True)
            return files
        await command.init()
        return await command.upgrade(run_in_transaction=True)
    finally:
        await Tortoise.close_connections()


async def make_migrations(db_url: str, name: str = "update") -> str | None:
    """Generate the next migration file for the dialect of `db_url` from the models.

    Works against a scratch database so the developer's own data is never touched: the
    existing migrations are applied to it first, then the difference is written.
    """
    location = migrations_location(db_url)
    app_dir = location / APP
    config = tortoise_config(db_url, with_aerich=True)
    command = Command(tortoise_config=config, app=APP, location=str(location))
    try:
        if not app_dir.exists() or not any(app_dir.glob("*.py")):
            await command.init_db(safe=True)
            created = sorted(app_dir.glob("*.py"))
            return created[-1].name if created else None
        # The scratch database is empty: init_db replays the existing files onto it.
        await command.init_db(safe=True)
        await command.init()
        return await command.migrate(name, no_input=True)
    finally:
        await Tortoise.close_connections()


def scratch_sqlite_url() -> tuple[str, Path]:
    """A throwaway SQLite file URL and its folder (for generating migrations)."""
    folder = Path(tempfile.mkdtemp(prefix="blog-api-mig-"))
    return f"sqlite://{folder / 'scratch.sqlite3'}", folder


def remove_scratch(folder: Path) -> None:
    """Delete a folder made by `scratch_sqlite_url`."""
    shutil.rmtree(folder, ignore_errors=True)
