"""`blog-api migrate` on empty SQLite and PostgreSQL databases gives exactly the models' schema."""

from __future__ import annotations

import sqlite3
import textwrap
from pathlib import Path

import asyncpg
import pytest

from tests.conftest import run_cli

GENERATE = textwrap.dedent(
    """
    import asyncio, sys
    from tortoise import Tortoise
    from blog_api.core.db import tortoise_config

    async def main(url):
        await Tortoise.init(config=tortoise_config(url))
        await Tortoise.generate_schemas()
        await Tortoise.close_connections()

    asyncio.run(main(sys.argv[1]))
    """
)


def _generate_from_models(url: str) -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", GENERATE, url], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


# Indexes only migrations can create (an expression GIN index for full-text search, an index on
# the implicit many-to-many table): left out of the comparison with the models, and required in
# the migrated database instead.
MIGRATION_ONLY_INDEXES = {
    "sqlite": {"idx_blog_tags_tag_blog"},
    "postgres": {"idx_blog_tags_tag_blog", "idx_blogs_search_vector"},
}
# Columns only migrations create: the stored full-text document PostgreSQL computes itself.
MIGRATION_ONLY_COLUMNS = {("blogs", "search_vector")}


def _sqlite_index_names(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    finally:
        conn.close()


def _sqlite_schema(path: Path) -> dict:
    conn = sqlite3.connect(path)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
                "AND name <> 'aerich'"
            )
        ]
        schema = {}
        for table in sorted(tables):
            cols = sorted(
                (r[1], r[2].upper(), r[3], r[5])
                for r in conn.execute(f"PRAGMA table_info('{table}')")
            )
            indexes = sorted(
                (
                    idx[2],
                    tuple(r[2] for r in conn.execute(f"PRAGMA index_info('{idx[1]}')")),
                )
                for idx in conn.execute(f"PRAGMA index_list('{table}')")
                if idx[1] not in MIGRATION_ONLY_INDEXES["sqlite"]
            )
            fks = sorted(
                (r[2], r[3], r[4], r[6])
                for r in conn.execute(f"PRAGMA foreign_key_list('{table}')")
            )
            schema[table] = {"columns": cols, "indexes": indexes, "fks": fks}
        return schema
    finally:
        conn.close()


async def test_sqlite_migrations_match_models(tmp_path: Path) -> None:
    migrated = tmp_path / "migrated.sqlite3"
    result = run_cli("migrate", env={"DATABASE_URL": f"sqlite://{migrated}"})
    assert result.returncode == 0, result.stderr
    assert "applied" in result.stdout
    from_models = tmp_path / "models.sqlite3"
    _generate_from_models(f"sqlite://{from_models}")
    assert _sqlite_schema(migrated) == _sqlite_schema(from_models)
    assert MIGRATION_ONLY_INDEXES["sqlite"] <= _sqlite_index_names(migrated)
    # Running it again is a no-op.
    again = run_cli("migrate", env={"DATABASE_URL": f"sqlite://{migrated}"})
    assert again.returncode == 0, again.stderr
    assert "up to date" in again.stdout


PG_COLUMNS = """
SELECT table_name, column_name, data_type, is_nullable, character_maximum_length
FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'aerich'
"""
PG_INDEXES = """
SELECT t.relname AS tbl, ix.indisunique AS uniq, i.relname AS name,
       array_agg(a.attname ORDER BY a.attnum) AS cols
FROM pg_index ix
JOIN pg_class t ON t.oid = ix.indrelid
JOIN pg_class i ON i.oid = ix.indexrelid
JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public'
JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(ix.indkey)
WHERE t.relname <> 'aerich'
GROUP BY t.relname, ix.indexrelid, ix.indisunique, i.relname
"""
PG_INDEX_NAMES = "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'"
PG_FKS = """
SELECT tc.table_name, kcu.column_name, ccu.table_name AS ref, rc.delete_rule
FROM information_schema.table_constraints tc
JOIN information_schema.key_column_usage kcu ON tc.constraint_name = kcu.constraint_name
JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = tc.constraint_name
JOIN information_schema.referential_constraints rc ON rc.constraint_name = tc.constraint_name
WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = 'public'
"""


async def _pg_schema(url: str) -> dict:
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://"))
    try:
        return {
            "columns": sorted(
                tuple(r)
                for r in await conn.fetch(PG_COLUMNS)
                if (r["table_name"], r["column_name"]) not in MIGRATION_ONLY_COLUMNS
            ),
            "column_names": {
                (r["table_name"], r["column_name"]) for r in await conn.fetch(PG_COLUMNS)
            },
            "indexes": sorted(
                (r["tbl"], r["uniq"], tuple(r["cols"]))
                for r in await conn.fetch(PG_INDEXES)
                if r["name"] not in MIGRATION_ONLY_INDEXES["postgres"]
            ),
            "index_names": {r["indexname"] for r in await conn.fetch(PG_INDEX_NAMES)},
            "fks": sorted(tuple(r) for r in await conn.fetch(PG_FKS)),
        }
    finally:
        await conn.close()


async def _fresh_database(admin_url: str, suffix: str) -> str:
    # Named after the test database so parallel runs on other test databases do not collide.
    base, _, test_db = admin_url.rpartition("/")
    name = f"{test_db}_{suffix}"
    conn = await asyncpg.connect(admin_url.replace("postgres://", "postgresql://"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"{base}/{name}"


async def test_postgres_migrations_match_models(postgres_url: str) -> None:
    migrated = await _fresh_database(postgres_url, "drift_migrated")
    result = run_cli("migrate", env={"DATABASE_URL": migrated})
    assert result.returncode == 0, result.stderr
    from_models = await _fresh_database(postgres_url, "drift_models")
    _generate_from_models(from_models)
    migrated_schema = await _pg_schema(migrated)
    assert migrated_schema["columns"], "migration created no tables"
    model_schema = await _pg_schema(from_models)
    assert MIGRATION_ONLY_INDEXES["postgres"] <= migrated_schema.pop("index_names")
    assert MIGRATION_ONLY_COLUMNS <= migrated_schema.pop("column_names")
    model_schema.pop("index_names")
    model_schema.pop("column_names")
    assert migrated_schema == model_schema
    again = run_cli("migrate", env={"DATABASE_URL": migrated})
    assert again.returncode == 0, again.stderr
    assert "up to date" in again.stdout


def test_every_model_module_has_migrations_for_both_dialects() -> None:
    root = Path(__file__).resolve().parents[2] / "aerich_migrations"
    for dialect in ("sqlite", "postgres"):
        assert list((root / dialect / "models").glob("0_*.py")), dialect


@pytest.mark.parametrize("url", ["mysql://x@y/z"])
def test_unsupported_database_scheme_is_refused(url: str) -> None:
    result = run_cli("migrate", env={"DATABASE_URL": url})
    assert result.returncode == 1
    assert "unsupported DATABASE_URL" in result.stderr
