"""Uploaded images, stored under a content-addressed name in MEDIA_ROOT."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from blog_api.users.models import User


class Image(Model):
    """One uploaded image after verification and metadata stripping.

    `sha256` names the stored file (`<sha256>.<ext>`), so identical uploads share storage; each
    upload still gets its own row because ownership (who may attach it) is per uploader.
    """

    id = fields.IntField(primary_key=True)
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="images", on_delete=fields.CASCADE
    )
    owner_id: int
    sha256 = fields.CharField(max_length=64, db_index=True)
    filename = fields.CharField(max_length=80)
    content_type = fields.CharField(max_length=32)
    width = fields.IntField()
    height = fields.IntField()
    size_bytes = fields.IntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "images"
