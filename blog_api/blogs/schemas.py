"""Blog schemas. Inputs forbid unknown fields, so status, author, slug or timestamps in a body
are a 422 rather than silently ignored."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
)
from slugify import slugify

from blog_api.blogs.models import (
    CONTENT_MAX,
    REASON_MAX,
    TAG_MAX,
    TITLE_MAX,
    BlogStatus,
    Decision,
)
from blog_api.core.types import JsonId, stripped_text, visible_line
from blog_api.users.schemas import UserPublic

MAX_TAGS = 10
MAX_IMAGES = 20


def _normalise_tags(tags: list[str]) -> list[str]:
    out: list[str] = []
    for raw in tags:
        tag = slugify(raw, max_length=TAG_MAX, word_boundary=True)
        # A tag without a letter or digit normalises to nothing and is dropped, like a
        # duplicate: which characters survive (unidecode makes "日本" "ri-ben") is not something
        # a client, or the OpenAPI document, can know beforehand.
        if tag and tag not in out:
            out.append(tag)
    if len(out) > MAX_TAGS:
        raise ValueError(f"at most {MAX_TAGS} tags per post")
    return out


def _no_control_chars(value: str) -> str:
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise ValueError("must not contain control characters")
    return value


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold U+0000; refuse it here instead of failing in the database.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_MAX),
    AfterValidator(_no_control_chars),
    # Something visible, and no bidi embedding/override/isolate controls (core/types.py).
    AfterValidator(visible_line),
    Field(
        examples=["Hello, world"],
        json_schema_extra=stripped_text(max_stripped=TITLE_MAX, controls=False, visible=True),
    ),
]
Content = Annotated[
    str,
    StringConstraints(min_length=1, max_length=CONTENT_MAX),
    AfterValidator(_no_nul),
    Field(description="Markdown; raw HTML is shown as text.", examples=["Hello **there**."]),
]
TagList = Annotated[
    list[Annotated[str, StringConstraints(min_length=1, max_length=64)]],
    Field(
        default_factory=list,
        max_length=MAX_TAGS,
        description=f"Up to {MAX_TAGS} tags; normalised to lowercase slugs; duplicates, and tags "
        "without a letter or digit, dropped.",
        examples=[["python", "web-apis"]],
    ),
    AfterValidator(_normalise_tags),
]
ImageIds = Annotated[
    list[JsonId],
    Field(
        default_factory=list,
        max_length=MAX_IMAGES,
        description="Ids of images you uploaded with POST /api/media.",
    ),
]


class BlogWrite(BaseModel):
    """Title, markdown, tags and images: everything an author controls."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"title": "Test", "content": "Hello", "tags": ["intro"]}]},
    )

    title: Title
    content: Content
    tags: TagList
    image_ids: ImageIds


class BlogCreate(BlogWrite):
    """A new post; it starts pending review."""


class BlogUpdate(BlogWrite):
    """A full replacement of a pending or rejected post (omitted tags/images are cleared)."""


class RevisionCreate(BlogWrite):
    """A proposed new text for an approved post; the live text stays until it is approved."""


class RejectRequest(BaseModel):
    """Why a post or revision is rejected; the author sees it."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=REASON_MAX),
        AfterValidator(_no_nul),
        Field(json_schema_extra=stripped_text(max_stripped=REASON_MAX)),
    ] = Field(examples=["Please cite your sources."])


PublishAt = Annotated[
    AwareDatetime,
    Field(
        description="When the post goes public: a future time with a time zone offset.",
        examples=["2030-01-07T09:00:00+01:00"],
    ),
]


class ApproveRequest(BaseModel):
    """An approval, optionally scheduled: without `publish_at` the post is public at once."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"publish_at": "2030-01-07T09:00:00Z"}]}
    )

    publish_at: PublishAt | None = None


class ScheduleUpdate(BaseModel):
    """A new publication time for a scheduled post."""

    model_config = ConfigDict(extra="forbid")

    publish_at: PublishAt


class ImageRef(BaseModel):
    """An image attached to a post."""

    id: int = Field(examples=[3])
    url: str = Field(examples=["/media/3f2a....png"])
    width: int = Field(examples=[800])
    height: int = Field(examples=[600])


class BlogSummary(BaseModel):
    """A post in a list: no full text, so a page of 100 stays small."""

    id: int = Field(examples=[42])
    title: str
    slug: str = Field(examples=["hello-world"])
    excerpt: str
    status: BlogStatus
    author: UserPublic
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime
    published_at: datetime | None = Field(description="When the post went public; null until then.")
    publish_at: datetime | None = Field(
        description="The scheduled publication time (status `scheduled`); null if none was set."
    )
    version: int = Field(examples=[1])


class BlogRead(BlogSummary):
    """A whole post. `content_html` is sanitised and safe to insert into a page."""

    content: str
    content_html: str
    images: list[ImageRef]
    reviewed_at: datetime | None
    reviewed_by: UserPublic | None
    rejection_reason: str | None = Field(description="Set while the post is rejected.")


class ReviewRead(BaseModel):
    """One entry of the audit trail."""

    id: int
    decision: Decision
    reason: str | None
    reviewer: UserPublic | None = Field(description="Null if the reviewer's account was deleted.")
    revision_id: int | None = Field(description="Set when the decision was about a revision.")
    created_at: datetime


class RevisionRead(BaseModel):
    """A version of a post: approved (numbered), pending or rejected."""

    id: int
    blog_id: int
    number: int | None = Field(description="Version number once approved; 1 is the first.")
    status: BlogStatus
    title: str
    content: str
    tags: list[str]
    image_ids: list[int]
    author: UserPublic
    created_at: datetime
    reviewed_at: datetime | None
    rejection_reason: str | None


class RevisionDiff(BaseModel):
    """Unified diffs from revision `from_revision` to `to_revision`."""

    from_revision: int
    to_revision: int
    title_diff: str = Field(description="Unified diff of the titles; empty if equal.")
    content_diff: str = Field(description="Unified diff of the markdown; empty if equal.")


class TagCount(BaseModel):
    """A tag and how many approved posts carry it."""

    name: str = Field(examples=["python"])
    count: int = Field(examples=[12])
