"""Drafts kept in the database when Redis is not configured (see `db_store.py`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from blog_api.users.models import User

# Same limits as posts, so any draft can be submitted as it is.
TITLE_MAX = 200
CONTENT_MAX = 100_000
MAX_IMAGES = 20
KEY_MAX = 64


class Draft(Model):
    """One saved draft. `revision` grows by one per save; saves are conditional on it."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="drafts", on_delete=fields.CASCADE
    )
    user_id: int
    key = fields.CharField(max_length=KEY_MAX)
    title = fields.CharField(max_length=TITLE_MAX, default="")
    content = fields.TextField()
    image_ids: list[int] = fields.JSONField(default=list)
    revision = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "drafts"
        unique_together = (("user", "key"),)
