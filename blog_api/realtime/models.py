"""The outbox: events recorded in the same transaction as the change they describe."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class OutboxEvent(Model):
    """An event waiting for (or past) publication to the event stream.

    `stream_id` is filled when the relay has published it; it becomes the event's public id.
    """

    id = fields.BigIntField(primary_key=True)
    type = fields.CharField(max_length=64)
    occurred_at = fields.DatetimeField()
    actor_id = fields.IntField(null=True)
    subject_kind = fields.CharField(max_length=32)
    subject_id = fields.IntField()
    audience: dict = fields.JSONField()
    data: dict = fields.JSONField()
    published_at = fields.DatetimeField(null=True, db_index=True)
    stream_id = fields.CharField(max_length=32, null=True)

    class Meta:
        table = "outbox_events"
