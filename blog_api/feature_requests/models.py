"""Feature requests and the votes users give them."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from blog_api.users.models import User

TITLE_MAX = 200
DESCRIPTION_MAX = 10_000
RESPONSE_MAX = 5_000


class FeatureRequestStatus(str, Enum):
    """`pending` until an admin triages it; `done` once an accepted request has shipped."""

    pending = "pending"
    accepted = "accepted"
    declined = "declined"
    done = "done"


# Requests that may still be voted on and that count for the near-duplicate check.
OPEN_STATUSES = (FeatureRequestStatus.pending, FeatureRequestStatus.accepted)


class Priority(str, Enum):
    """Set by admins; unset (null) until then."""

    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


# Sorting by priority uses this rank (a column) so cursors can compare numbers; 0 = unset.
PRIORITY_RANK = {Priority.low: 1, Priority.medium: 2, Priority.high: 3, Priority.critical: 4}


class FeatureRequest(Model):
    """One request. `vote_count` is kept in step with `Vote` rows inside the vote transaction."""

    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=TITLE_MAX)
    description = fields.TextField()
    status = fields.CharEnumField(
        FeatureRequestStatus, max_length=16, default=FeatureRequestStatus.pending, db_index=True
    )
    priority = fields.CharEnumField(Priority, max_length=16, null=True)
    priority_rank = fields.SmallIntField(default=0)
    response = fields.TextField(null=True)
    author: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="feature_requests", on_delete=fields.CASCADE
    )
    author_id: int
    vote_count = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    status_changed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "feature_requests"
        indexes = (("vote_count", "id"), ("priority_rank", "id"))


class FeatureRequestVote(Model):
    """One user's vote; the unique pair makes a second vote impossible, even under races."""

    id = fields.IntField(primary_key=True)
    request: fields.ForeignKeyRelation[FeatureRequest] = fields.ForeignKeyField(
        "models.FeatureRequest", related_name="votes", on_delete=fields.CASCADE
    )
    request_id: int
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="feature_request_votes", on_delete=fields.CASCADE
    )
    user_id: int
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "feature_request_votes"
        unique_together = (("request", "user"),)
