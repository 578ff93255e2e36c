"""`core.db.transaction`: after-commit hooks run once the change is durable, never on rollback."""

from __future__ import annotations

from pathlib import Path

import pytest

from blog_api.core.db import after_commit, transaction
from blog_api.users.models import User

ROOT = Path(__file__).resolve().parents[2]


async def test_a_hook_runs_after_the_commit_not_before(app: object) -> None:
    seen: list[int] = []
    async with transaction() as conn:
        await User.create(
            email="hook@example.com", username="hook", password_hash="x", using_db=conn
        )
        after_commit(lambda: seen.append(1), using_db=conn)
        assert seen == []
    assert seen == [1]


async def test_a_hook_of_a_rolled_back_block_never_runs(app: object) -> None:
    seen: list[int] = []
    with pytest.raises(ValueError):
        async with transaction() as conn:
            after_commit(lambda: seen.append(1), using_db=conn)
            raise ValueError("boom")
    assert seen == []


async def test_a_nested_block_runs_its_hooks_when_the_outermost_commits(app: object) -> None:
    seen: list[str] = []
    async with transaction() as outer:
        async with transaction() as inner:
            after_commit(lambda: seen.append("inner"), using_db=inner)
        assert seen == []
        after_commit(lambda: seen.append("outer"), using_db=outer)
    assert seen == ["inner", "outer"]


async def test_a_failing_hook_does_not_stop_the_others(app: object) -> None:
    seen: list[int] = []

    def broken() -> None:
        raise RuntimeError("hook bug")

    async with transaction() as conn:
        after_commit(broken, using_db=conn)
        after_commit(lambda: seen.append(2), using_db=conn)
    assert seen == [2]


def test_without_a_transaction_the_hook_runs_at_once() -> None:
    seen: list[int] = []
    assert after_commit(lambda: seen.append(1), using_db=None)
    assert seen == [1]


def test_services_open_transactions_only_through_core_db() -> None:
    """A plain `in_transaction()` hides its commit: events recorded in it would wait for the
    relay's sweep instead of being published on commit."""
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "blog_api").rglob("*.py")
        # db.py opens them; core/sqlite.py is the SQLite backend (it defines `_in_transaction`).
        if path.name not in ("db.py", "sqlite.py") and "in_transaction(" in path.read_text()
    ]
    assert offenders == []


def test_postgres_pool_skips_the_reset_round_trip() -> None:
    """asyncpg's default pool reset costs a round trip per released connection; ours does not
    run it (nothing leaves session state), while asyncpg itself still rolls back a connection
    returned inside a transaction."""
    from blog_api.core.db import tortoise_config

    connection = tortoise_config("postgres://u@127.0.0.1:5432/db")["connections"]["default"]
    assert connection["credentials"]["reset"] is not None
    sqlite = tortoise_config("sqlite://:memory:")["connections"]["default"]
    assert sqlite["engine"] == "blog_api.core.sqlite"
    assert sqlite["credentials"]["file_path"] == ":memory:"
