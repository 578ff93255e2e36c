"""`enqueue`: how a service asks for a mail. It is queued once the transaction commits.

Services call it inside their transaction (`core.db.transaction`) with its connection, like
`record_event`: a rolled-back change sends nothing, and no mail is sent inside the request.
The job is written to the mail outbox in that transaction, so a committed change never loses
its mail. The running app's queue (`runtime.install_mail`) picks it up after the commit; a
process without one (the CLI) leaves it to a running app's outbox sweep.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from tortoise.backends.base.client import BaseDBAsyncClient

from blog_api.core.db import after_commit
from blog_api.mail import outbox
from blog_api.mail.message import MailJob
from blog_api.mail.templates import TEMPLATES

if TYPE_CHECKING:
    from blog_api.mail.queue import MailQueue

logger = logging.getLogger("blog_api.mail")

# The queue of the running app (one per process; tests run one app at a time).
_queues: list[MailQueue] = []


def register_queue(queue: MailQueue) -> None:
    _queues.append(queue)


def unregister_queue(queue: MailQueue) -> None:
    if queue in _queues:
        _queues.remove(queue)


def _submit(job: MailJob) -> None:
    if not _queues:
        logger.info(
            "no mail queue in this process; a running app sends the mail from the outbox",
            extra={"template": job.template},
        )
        return
    _queues[-1].submit(job)


async def enqueue(
    template: str,
    *,
    to: str,
    context: dict[str, str],
    using_db: BaseDBAsyncClient | None,
) -> MailJob:
    """Queue a mail for after the commit of `using_db`'s transaction (now if autocommitted)."""
    if template not in TEMPLATES:
        raise ValueError(f"unknown mail template {template!r}")
    job = MailJob(template=template, to=to, context=context)
    # Written before the hook is registered: with `using_db=None` (autocommit) the hook runs at
    # once, and the queue must not settle a row that is not there yet.
    await outbox.record(job, using_db=using_db)
    if not after_commit(lambda: _submit(job), using_db=using_db):
        raise RuntimeError("enqueue needs a core.db.transaction (or no transaction)")
    return job
