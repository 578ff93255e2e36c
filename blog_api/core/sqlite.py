"""The SQLite backend used for every SQLite connection (development, the CLI, tests).

In development `blog-api serve` and a CLI command (`seed`, `import`) often write to the same file
at once. Two things keep that from failing with `database is locked`:

- **WAL and a busy timeout on every connection**, set explicitly (Tortoise's and the sqlite3
  module's defaults happen to be WAL and 5 s today; we do not depend on them): readers never
  block the writer, and a writer that finds the file locked waits `busy_timeout` ms instead of
  failing at once. `synchronous=NORMAL` is the documented safe setting for WAL.
- **`BEGIN IMMEDIATE` for transactions.** A plain (deferred) `BEGIN` takes the write lock only at
  the first write; if the transaction read first and another process committed in between, that
  write fails at once with SQLITE_BUSY ("database is locked"), whatever the busy timeout, because
  waiting cannot make its snapshot current. Taking the write lock at `BEGIN` makes such a
  transaction wait its turn like any other writer.

Each pragma can still be given in the URL (`sqlite://var/x.sqlite3?busy_timeout=30000`).
Selected by `core.db.tortoise_config` as the engine `blog_api.core.sqlite`.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from tortoise.backends.base.client import NestedTransactionContext, TransactionContext
from tortoise.backends.sqlite.client import (
    SqliteClient as TortoiseSqliteClient,
)
from tortoise.backends.sqlite.client import (
    SqliteTransactionContext,
    SqliteTransactionWrapper,
    translate_exceptions,
)
from tortoise.exceptions import TransactionManagementError

# Milliseconds a connection waits for another one's write lock before giving up. Long enough for
# a batch of an import or a seed item in another process; a lock held longer is a bug to see.
BUSY_TIMEOUT_MS = 15_000

PRAGMAS: dict[str, Any] = {
    "busy_timeout": BUSY_TIMEOUT_MS,
    "journal_mode": "WAL",
    "synchronous": "NORMAL",
    "foreign_keys": "ON",
}


class SqliteClient(TortoiseSqliteClient):
    """Tortoise's SQLite client with our pragmas and write transactions that lock at BEGIN."""

    def __init__(self, file_path: str, **kwargs: Any) -> None:
        super().__init__(file_path, **kwargs)
        # Tortoise runs `PRAGMA key=value` for each entry, in order, when it opens the
        # connection: the busy timeout first, so that even switching the journal mode waits.
        # Values given in the URL win.
        self.pragmas = {**PRAGMAS, **self.pragmas}

    def _in_transaction(self) -> TransactionContext:
        return SqliteTransactionContext(ImmediateTransactionWrapper(self), self._lock)

    @translate_exceptions
    async def execute_many(self, query: str, values: list[list]) -> None:
        # Tortoise's version opens a deferred transaction here; the statement is a write anyway.
        async with self.acquire_connection() as connection:
            self.log.debug("%s: %s", query, values)
            await connection.execute("BEGIN IMMEDIATE")
            try:
                await connection.executemany(query, values)
            except Exception:
                await connection.rollback()
                raise
            else:
                await connection.commit()


class ImmediateTransactionWrapper(SqliteTransactionWrapper):
    """A transaction that takes the write lock at BEGIN (waiting up to `busy_timeout`)."""

    def _in_transaction(self) -> TransactionContext:
        return NestedTransactionContext(ImmediateTransactionWrapper(self))

    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


client_class = SqliteClient
