"""Comments on posts: one level of replies, edits, soft deletion, idempotent creation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from blog_api.blogs.models import Blog
    from blog_api.users.models import User

BODY_MAX = 5000
CLIENT_ID_MAX = 64


class Comment(Model):
    """A comment on a post, or a reply to a top-level comment (never a reply to a reply).

    Deletion is soft: `deleted_at`/`deleted_by` are set and the body is never shown again, so a
    thread keeps its shape (replies stay under a tombstone) and moderators keep an audit trail.
    `client_id` is chosen by the client for each new comment: a retried create with the same
    `(author, client_id)` finds the first one instead of storing a duplicate.
    """

    id = fields.IntField(primary_key=True)
    blog: fields.ForeignKeyRelation[Blog] = fields.ForeignKeyField(
        "models.Blog", related_name="comments", on_delete=fields.CASCADE
    )
    blog_id: int
    author: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="comments", on_delete=fields.CASCADE
    )
    author_id: int
    parent: fields.ForeignKeyNullableRelation[Comment] = fields.ForeignKeyField(
        "models.Comment", related_name="replies", null=True, on_delete=fields.CASCADE
    )
    parent_id: int | None
    body = fields.TextField()
    client_id = fields.CharField(max_length=CLIENT_ID_MAX, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    edited_at = fields.DatetimeField(null=True)
    deleted_at = fields.DatetimeField(null=True)
    deleted_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="deleted_comments", null=True, on_delete=fields.SET_NULL
    )
    deleted_by_id: int | None

    class Meta:
        table = "comments"
        # NULLs never collide, so only comments created with a client id take part.
        unique_together = (("author", "client_id"),)
        # The thread of a post, oldest first (ids grow with time).
        indexes = (("blog", "id"),)

    def __str__(self) -> str:
        return f"Comment({self.id}, blog={self.blog_id})"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
