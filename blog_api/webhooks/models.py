"""Webhook endpoints registered by admins, and the delivery log."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from blog_api.users.models import User

URL_MAX = 2000
DESCRIPTION_MAX = 500


class DeliveryStatus(str, Enum):
    pending = "pending"  # waiting for its first attempt (or for earlier messages of its endpoint)
    retrying = "retrying"  # failed, another attempt is scheduled at `next_attempt_at`
    succeeded = "succeeded"
    failed = "failed"  # every attempt of the retry schedule failed


class WebhookEndpoint(Model):
    """Where events of the listed types are POSTed, signed with `secret` (Standard Webhooks).

    The secret is kept as is because every delivery is signed with it; it is shown once, when
    the endpoint is created. `lease_until`/`lease_owner` let one worker at a time deliver to the
    endpoint, which keeps its deliveries in order.
    """

    id = fields.IntField(primary_key=True)
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="webhook_endpoints", on_delete=fields.CASCADE
    )
    owner_id: int
    url = fields.CharField(max_length=URL_MAX)
    description = fields.CharField(max_length=DESCRIPTION_MAX, default="")
    event_types: list = fields.JSONField(default=list)
    secret = fields.CharField(max_length=100)
    is_active = fields.BooleanField(default=True)
    disabled_reason = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    lease_until = fields.DatetimeField(null=True)
    lease_owner = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "webhook_endpoints"


class WebhookDelivery(Model):
    """One message to one endpoint (an event, or a replay of one) and its latest attempt.

    `event_key` is the event's stream id in a form that sorts as text; an endpoint's messages
    are sent in `(event_key, id)` order. `dedupe_key` makes the consumer's insert idempotent
    (the stream is read at least once).
    """

    id = fields.BigIntField(primary_key=True)
    endpoint: fields.ForeignKeyRelation[WebhookEndpoint] = fields.ForeignKeyField(
        "models.WebhookEndpoint", related_name="deliveries", on_delete=fields.CASCADE
    )
    endpoint_id: int
    dedupe_key = fields.CharField(max_length=100, unique=True)
    message_id = fields.CharField(max_length=64)
    event_id = fields.CharField(max_length=48)
    event_key = fields.CharField(max_length=48)
    event_type = fields.CharField(max_length=64)
    payload = fields.TextField()
    replay_of = fields.BigIntField(null=True)
    status = fields.CharEnumField(DeliveryStatus, max_length=16, default=DeliveryStatus.pending)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    last_attempt_at = fields.DatetimeField(null=True)
    response_status = fields.IntField(null=True)
    response_ms = fields.IntField(null=True)
    last_error = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    delivered_at = fields.DatetimeField(null=True)

    class Meta:
        table = "webhook_deliveries"
        indexes = (("endpoint", "status", "event_key", "id"), ("status", "next_attempt_at"))
