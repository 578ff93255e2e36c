"""The durable half of queueing a mail: `record` writes the job in the caller's transaction,
`settle` removes it once the mail queue holds it, `OutboxSweeper` hands over what was left.

Without it a job lived only in the after-commit hook that pushes it to the queue: a process
that died between the COMMIT and the push, or a Redis outage longer than the push's retries,
lost a mail whose change (a password reset, an address change) had committed.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from tortoise.backends.base.client import BaseDBAsyncClient

from blog_api.core.config import Settings, get_settings
from blog_api.core.db import seconds_from_now
from blog_api.core.secretbox import UnreadableSecret, secret_box
from blog_api.mail.message import MailJob
from blog_api.mail.models import MailOutbox

if TYPE_CHECKING:
    from blog_api.mail.queue import MailQueue

logger = logging.getLogger("blog_api.mail")


# The running app's settings (one app per process; tests run one at a time). A process without
# an app (the CLI) uses the environment's.
_app_settings: list[Settings] = []


def _settings() -> Settings:
    return _app_settings[-1] if _app_settings else get_settings()


# Due times are set and compared in SQL by the database's clock, never a worker's: a worker
# whose clock ran a minute ahead would otherwise take every new job from the push that is
# sending it, and each mail would go out twice. (SQLite: `julianday` reads the stored offset.)
_SQL = {
    "postgres": {
        "record": "INSERT INTO mail_outbox (job_id, sealed, due_at)"
        " VALUES ($1, $2, clock_timestamp() + make_interval(secs => $3))",
        "due": "SELECT id, job_id, sealed FROM mail_outbox"
        " WHERE due_at <= clock_timestamp() ORDER BY id LIMIT $1",
        "claim": "UPDATE mail_outbox SET due_at = clock_timestamp() + make_interval(secs => $1)"
        " WHERE id = $2 AND due_at <= clock_timestamp()",
        "postpone": "UPDATE mail_outbox"
        " SET due_at = clock_timestamp() + make_interval(secs => $1) WHERE id = $2",
    },
    "sqlite": {
        "record": "INSERT INTO mail_outbox (job_id, sealed, due_at)"
        " VALUES (?, ?, strftime('%Y-%m-%d %H:%M:%f+00:00', 'now', ?))",
        "due": "SELECT id, job_id, sealed FROM mail_outbox"
        " WHERE julianday(due_at) <= julianday('now') ORDER BY id LIMIT ?",
        "claim": "UPDATE mail_outbox SET due_at = strftime('%Y-%m-%d %H:%M:%f+00:00', 'now', ?)"
        " WHERE id = ? AND julianday(due_at) <= julianday('now')",
        "postpone": "UPDATE mail_outbox"
        " SET due_at = strftime('%Y-%m-%d %H:%M:%f+00:00', 'now', ?) WHERE id = ?",
    },
}


def _sql(db: BaseDBAsyncClient, name: str) -> str:
    return _SQL["postgres" if db.capabilities.dialect == "postgres" else "sqlite"][name]


def _later(db: BaseDBAsyncClient, seconds: float) -> float | str:
    return seconds_from_now(db.capabilities.dialect, seconds)


def _handover_seconds() -> float:
    """How long the after-commit push (or a sweep's claim) has before the sweep takes the job
    (again): MAIL_HANDOVER_SECONDS, longer than the push's own retries (about 6 s), so a
    healthy push never races the sweep."""
    return _settings().mail_handover_seconds


def _context(job_id: str) -> bytes:
    return f"mail:{job_id}".encode()


async def record(job: MailJob, *, using_db: BaseDBAsyncClient | None) -> None:
    """Write `job` to the outbox, in the caller's transaction (`using_db`)."""
    box = secret_box(_settings())
    db = using_db or MailOutbox._meta.db
    sealed = box.seal(job.model_dump_json().encode(), context=_context(job.id))
    await db.execute_query(_sql(db, "record"), [job.id, sealed, _later(db, _handover_seconds())])


async def settle(job_id: str) -> None:
    """The queue holds (or has finished) the job: drop its outbox row. Never raises: a row
    left behind only means the sweep hands the job over again (at least once)."""
    try:
        await MailOutbox.filter(job_id=job_id).delete()
    except Exception as exc:
        logger.warning(
            "mail outbox row not removed; it may be sent again",
            extra={"job": job_id, "error": f"{type(exc).__name__}: {exc}"},
        )


async def sweep_once(queue: MailQueue, *, limit: int = 100) -> int:
    """Hand over the jobs whose `due_at` has passed; returns how many were handed over.

    Each row is claimed by moving its `due_at` on (a conditional UPDATE, so of several workers
    sweeping at once only one takes it); a claimed job that cannot be handed over now is tried
    again when that claim runs out.
    """
    db = MailOutbox._meta.db
    rows = await db.execute_query_dict(_sql(db, "due"), [limit])
    handed = 0
    box = secret_box(_settings())
    for row in rows:
        claimed, _ = await db.execute_query(
            _sql(db, "claim"), [_later(db, _handover_seconds()), row["id"]]
        )
        if not claimed:
            continue  # another worker's sweep took it
        try:
            job = MailJob.model_validate_json(
                box.open(row["sealed"], context=_context(row["job_id"]))
            )
        except (UnreadableSecret, ValueError) as exc:
            # Not deleted: during a key rotation or a rolling upgrade another worker (with the
            # new key, or the new job shape) may read it. Tried again an hour later.
            logger.error(
                "unreadable mail outbox row kept; check DATA_ENCRYPTION_KEYS",
                extra={"job": row["job_id"], "error": f"{type(exc).__name__}: {exc}"},
            )
            await db.execute_query(_sql(db, "postpone"), [_later(db, 3600), row["id"]])
            continue
        if await queue.hand_over(job):
            handed += 1
    if handed:
        logger.info("mail outbox: jobs handed over late", extra={"count": handed})
    return handed


class OutboxSweeper:
    """Runs `sweep_once` every MAIL_OUTBOX_SWEEP_SECONDS for the app's lifetime; while it runs,
    the outbox seals and times jobs with the app's settings."""

    def __init__(self, queue: MailQueue, settings: Settings) -> None:
        self.queue = queue
        self.settings = settings
        self.interval = settings.mail_outbox_sweep_seconds
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        _app_settings.append(self.settings)
        self._task = asyncio.create_task(self._run(), name="mail-outbox-sweep")

    async def stop(self) -> None:
        if self.settings in _app_settings:
            _app_settings.remove(self.settings)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await sweep_once(self.queue)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database is away: try again next round
                logger.warning(
                    "mail outbox sweep failed; retrying",
                    extra={"error": f"{type(exc).__name__}: {exc}"},
                )
            await asyncio.sleep(self.interval)
