"""The outbox: events recorded in the same transaction as the change they describe."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from blog_api.users.models import User


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


class Notification(Model):
    """One event addressed to one user, for the notification list and its read marks.

    Written by `record_event` in the transaction of the change (one row per addressed user), so
    the list is complete even while Redis is down and needs no relay bookkeeping.
    """

    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="notifications", on_delete=fields.CASCADE
    )
    event: fields.ForeignKeyRelation[OutboxEvent] = fields.ForeignKeyField(
        "models.OutboxEvent", related_name="notifications", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    read_at = fields.DatetimeField(null=True)

    class Meta:
        table = "notifications"
        unique_together = (("user", "event"),)
        indexes = (("user", "read_at"),)
