"""Blog posts, their review audit trail, revisions of live posts and tags."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from blog_api.media.models import Image
    from blog_api.users.models import User

TITLE_MAX = 200
SLUG_MAX = 220
CONTENT_MAX = 100_000
EXCERPT_MAX = 300
TAG_MAX = 32
REASON_MAX = 2000


class BlogStatus(str, Enum):
    pending = "pending"
    # Approved with a future `publish_at`: not public until the scheduler publishes it.
    scheduled = "scheduled"
    approved = "approved"
    rejected = "rejected"


# The column comment aerich wrote when the status columns were made. Kept as is: SQLite cannot
# alter a column comment, and the generated one would change with every new status value
# (`scheduled` was added later; the enum is the reference for the values).
_STATUS_COLUMN_COMMENT = "pending: pending\napproved: approved\nrejected: rejected"


class Decision(str, Enum):
    approved = "approved"
    rejected = "rejected"


class Tag(Model):
    """A lowercase slug; created on first use."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=TAG_MAX, unique=True)

    blogs: fields.ManyToManyRelation[Blog]

    class Meta:
        table = "tags"


class Blog(Model):
    """A post. `version` grows with every change and guards every write (optimistic locking).

    `published_at` is set when the post first goes public (at approval, or at `publish_at` for a
    scheduled one) and never moves afterwards, so a live post keeps its place in the public list
    when a revision of it is approved.
    """

    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=TITLE_MAX)
    slug = fields.CharField(max_length=SLUG_MAX, unique=True)
    content = fields.TextField()
    content_html = fields.TextField()
    excerpt = fields.CharField(max_length=EXCERPT_MAX)
    status = fields.CharEnumField(
        BlogStatus, max_length=16, default=BlogStatus.pending, description=_STATUS_COLUMN_COMMENT
    )
    author: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="blogs", on_delete=fields.CASCADE
    )
    author_id: int
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()
    submitted_at = fields.DatetimeField()
    reviewed_at = fields.DatetimeField(null=True)
    reviewed_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="reviewed_blogs", null=True, on_delete=fields.SET_NULL
    )
    reviewed_by_id: int | None
    rejection_reason = fields.TextField(null=True)
    published_at = fields.DatetimeField(null=True)
    # When a `scheduled` post goes public (kept afterwards as the time that was asked for).
    publish_at = fields.DatetimeField(null=True)
    version = fields.IntField(default=1)
    tags: fields.ManyToManyRelation[Tag] = fields.ManyToManyField(
        "models.Tag", related_name="blogs", through="blog_tags"
    )
    images: fields.ManyToManyRelation[Image] = fields.ManyToManyField(
        "models.Image", related_name="blogs", through="blog_images"
    )

    class Meta:
        table = "blogs"
        # The two list orders: public (published_at, id) and queue / own posts (created_at, id).
        # The scheduler's lookup of due posts: (status, publish_at).
        indexes = (
            ("status", "published_at", "id"),
            ("status", "created_at", "id"),
            ("status", "publish_at"),
        )

    def __str__(self) -> str:
        return f"Blog({self.id}, {self.status.value})"


class Review(Model):
    """One decision on a post or on a revision of it: the audit trail."""

    id = fields.IntField(primary_key=True)
    blog: fields.ForeignKeyRelation[Blog] = fields.ForeignKeyField(
        "models.Blog", related_name="reviews", on_delete=fields.CASCADE
    )
    blog_id: int
    revision: fields.ForeignKeyNullableRelation[BlogRevision] = fields.ForeignKeyField(
        "models.BlogRevision", related_name="reviews", null=True, on_delete=fields.CASCADE
    )
    revision_id: int | None
    # Kept (as null) if the reviewer's account is deleted, so the decision itself survives.
    reviewer: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="reviews", null=True, on_delete=fields.SET_NULL
    )
    reviewer_id: int | None
    decision = fields.CharEnumField(Decision, max_length=16)
    reason = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "blog_reviews"


class BlogRevision(Model):
    """A version of a post's text: every approved version, and proposed edits of live posts.

    `number` is the version number among approved revisions (1 = first approval); it is null while
    the revision is pending or after it was rejected.
    """

    id = fields.IntField(primary_key=True)
    blog: fields.ForeignKeyRelation[Blog] = fields.ForeignKeyField(
        "models.Blog", related_name="revisions", on_delete=fields.CASCADE
    )
    blog_id: int
    author: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="blog_revisions", on_delete=fields.CASCADE
    )
    author_id: int
    number = fields.IntField(null=True)
    # The approved version this proposal was written against; approving it when the live version
    # has moved on would silently drop that newer version, so that is refused.
    base_number = fields.IntField(null=True)
    title = fields.CharField(max_length=TITLE_MAX)
    content = fields.TextField()
    tags: list = fields.JSONField(default=list)
    image_ids: list = fields.JSONField(default=list)
    status = fields.CharEnumField(
        BlogStatus, max_length=16, default=BlogStatus.pending, description=_STATUS_COLUMN_COMMENT
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    reviewed_at = fields.DatetimeField(null=True)
    reviewed_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="reviewed_revisions", null=True, on_delete=fields.SET_NULL
    )
    reviewed_by_id: int | None
    rejection_reason = fields.TextField(null=True)

    class Meta:
        table = "blog_revisions"
        unique_together = (("blog", "number"),)
