"""Refresh tokens: stored as digests, grouped in families for reuse detection."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from blog_api.users.models import User


class RefreshToken(Model):
    """One refresh token; rotation revokes it and issues the next one in the same family."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="refresh_tokens", on_delete=fields.CASCADE
    )
    user_id: int
    token_hash = fields.CharField(max_length=64, unique=True)
    family_id = fields.CharField(max_length=32, db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "refresh_tokens"


class RevokedSession(Model):
    """A login (refresh-token family) ended by logout or reuse detection.

    Access tokens carry their family as `sid`; every authenticated request looks its `sid` up
    here (a primary-key probe in the same query that loads the user), so a logged-out access
    token is refused at once instead of working until it expires. A row is needed only while an
    access token of that family can still be unexpired, so rows older than the longest possible
    access-token lifetime are deleted when new ones are written.
    """

    family_id = fields.CharField(max_length=32, primary_key=True)
    user_id = fields.IntField()
    revoked_at = fields.DatetimeField()

    class Meta:
        table = "revoked_sessions"
