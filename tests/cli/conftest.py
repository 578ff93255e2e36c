"""A temporary SQLite database migrated with the real `blog-api migrate`, for CLI tests."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import IS_POSTGRES, run_cli


class CliDb:
    """Environment for `run_cli` pointing at one SQLite file, plus read-only queries on it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.env = {
            "DATABASE_URL": f"sqlite://{path}",
            "ENVIRONMENT": "development",
            "PASSWORD_HASH_PROFILE": "fast",
            "REDIS_URL": "",
            "SECRET_KEY": "cli-tests-" + "k" * 40,
        }

    def query(self, sql: str, *params: object) -> list[tuple]:
        with sqlite3.connect(self.path) as conn:
            return conn.execute(sql, params).fetchall()

    def scalar(self, sql: str, *params: object) -> object:
        return self.query(sql, *params)[0][0]


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrated once per session with `blog-api migrate`; each test gets a copy."""
    db = CliDb(tmp_path_factory.mktemp("cli-template") / "template.sqlite3")
    result = run_cli("migrate", env=db.env)
    assert result.returncode == 0, result.stderr
    return db.path


@pytest.fixture
def cli_db(tmp_path: Path, migrated_template: Path) -> CliDb:
    path = tmp_path / "cli.sqlite3"
    shutil.copyfile(migrated_template, path)
    return CliDb(path)


@pytest.fixture(autouse=True)
def _once_per_suite() -> None:
    """Run in the first (SQLite) pass only: the CLI runs on its own SQLite files, so the PostgreSQL pass would
    repeat exactly the same work."""
    if IS_POSTGRES:
        pytest.skip("independent of the pass's backend; runs in the SQLite pass")
