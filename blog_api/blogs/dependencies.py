"""Lookups shared by the blog routes; each raises a domain error and returns a model."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Path

from blog_api.auth.dependencies import OptionalUser
from blog_api.blogs import service as blogs_service
from blog_api.blogs.models import SLUG_MAX, Blog, BlogRevision
from blog_api.core.response_cache import IF_NONE_MATCH_MAX
from blog_api.core.types import MAX_ID, IdPath


async def visible_blog(blog_id: IdPath, viewer: OptionalUser) -> Blog:
    """The post in the path if the caller may see it; 404 otherwise (even if it exists)."""
    return await blogs_service.get_visible_blog(blog_id, viewer=viewer)


VisibleBlog = Annotated[Blog, Depends(visible_blog)]

SlugPath = Annotated[
    str, Path(max_length=SLUG_MAX, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", description="Slug.")
]


async def visible_blog_by_slug(slug: SlugPath, viewer: OptionalUser) -> Blog:
    """The post with the slug in the path if the caller may see it; 404 otherwise."""
    return await blogs_service.get_visible_blog_by_slug(slug, viewer=viewer)


VisibleBlogBySlug = Annotated[Blog, Depends(visible_blog_by_slug)]

RevisionIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Revision id.")]


async def visible_revision(
    blog: VisibleBlog, revision_id: RevisionIdPath, viewer: OptionalUser
) -> BlogRevision:
    """A revision of the post in the path that the caller may see; 404 otherwise."""
    return await blogs_service.get_revision(blog, revision_id, viewer=viewer)


VisibleRevision = Annotated[BlogRevision, Depends(visible_revision)]

IfMatchHeader = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=512,
        description="The ETag you read: if the post changed since, 412 instead of acting on it.",
    ),
]
IfNoneMatchHeader = Annotated[
    str | None,
    Header(
        alias="If-None-Match",
        max_length=IF_NONE_MATCH_MAX,
        description="ETag you have cached: 304 if fresh.",
    ),
]
