"""The mail outbox: a job committed with the change that asked for it."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class MailOutbox(Model):
    """A mail job written in the transaction of the change that asked for it, and deleted once
    the mail queue holds it (Redis: after the XADD) or has sent it (in-process queue).

    A row still here after `due_at` was not handed over (the process died right after the
    commit, or Redis was unreachable): the outbox sweep hands it over then. The job is sealed
    (`core.secretbox`, bound to the job id) because its context may hold a verification or
    reset link, whose token the database otherwise keeps only as a hash.
    """

    id = fields.BigIntField(primary_key=True)
    job_id = fields.CharField(max_length=64, unique=True)
    sealed = fields.TextField()
    due_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "mail_outbox"
