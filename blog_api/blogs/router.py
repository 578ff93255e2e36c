"""`/api/blogs`: posts, the review workflow, revisions of live posts; `/api/tags`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status

from blog_api.auth.dependencies import (
    Approver,
    CurrentUser,
    OptionalUser,
    PostingUser,
    SettingsDep,
    user_rate_limit_key,
)
from blog_api.blogs import cache as blogs_cache
from blog_api.blogs import service as blogs_service
from blog_api.blogs.dependencies import (
    IfMatchHeader,
    IfNoneMatchHeader,
    RevisionIdPath,
    VisibleBlog,
    VisibleBlogBySlug,
    VisibleRevision,
)
from blog_api.blogs.models import Blog, BlogStatus
from blog_api.blogs.schemas import (
    ApproveRequest,
    BlogCreate,
    BlogRead,
    BlogSummary,
    BlogUpdate,
    RejectRequest,
    ReviewRead,
    RevisionCreate,
    RevisionDiff,
    RevisionRead,
    ScheduleUpdate,
    TagCount,
)
from blog_api.core.config import Settings
from blog_api.core.errors import problem_responses
from blog_api.core.idempotency import IdempotencyKeyHeader
from blog_api.core.pagination import DEFAULT_LIMIT, CursorParam, LimitParam, Page
from blog_api.core.ratelimit import rate_limit
from blog_api.core.types import MAX_ID
from blog_api.drafts import service as drafts_service
from blog_api.drafts.dependencies import DraftStoreDep
from blog_api.drafts.schemas import KEY_PATTERN as DRAFT_KEY_PATTERN

router = APIRouter(prefix="/api/blogs", tags=["blogs"])
tags_router = APIRouter(prefix="/api/tags", tags=["blogs"])


async def _read(blog: Blog, settings: Settings, response: Response) -> BlogRead:
    if blog.status is BlogStatus.approved:
        blogs_cache.mark_public_post(blog.id)
    await blogs_service.load_relations(blog)
    response.headers["ETag"] = blogs_service.etag(blog)
    return blogs_service.to_read(blog, media_url=settings.media_url)


@router.get(
    "",
    response_model=Page[BlogSummary],
    summary="List posts",
    responses=problem_responses(401, 403, 422),
)
async def list_blogs(
    viewer: OptionalUser,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
    author: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Only posts by this user id.")
    ] = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            pattern=r"^[^\x00]*$",
            description="Words to find in title and content.",
        ),
    ] = None,
    tag: Annotated[
        str | None, Query(min_length=1, max_length=64, pattern=r"^[^\x00]*$", description="A tag.")
    ] = None,
    status: Annotated[
        BlogStatus | None,
        Query(
            description="pending/scheduled/rejected: approvers and admins (or your own with "
            "mine=true); `scheduled` lists approved posts waiting for their `publish_at`, "
            "soonest first."
        ),
    ] = None,
    mine: Annotated[bool, Query(description="Your own posts, in every status.")] = False,
) -> Page[BlogSummary]:
    """List approved posts, newest first; reviewers may list the queue with `status`."""
    page = await blogs_service.list_blogs(
        viewer=viewer,
        limit=limit,
        cursor=cursor,
        author_id=author,
        q=q,
        tag=tag,
        status=status,
        mine=mine,
    )
    if not mine and status in (None, BlogStatus.approved):
        blogs_cache.mark_public_list(page, cursor=cursor, tag=tag, author_id=author)
    return page


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=BlogRead,
    summary="Submit a post",
    dependencies=[Depends(rate_limit("blog_submit", key=user_rate_limit_key))],
    responses=problem_responses(400, 401, 403, 413, 422, 429),
)
async def create_blog(
    body: BlogCreate,
    author: PostingUser,
    settings: SettingsDep,
    response: Response,
    drafts: DraftStoreDep,
    idempotency_key: IdempotencyKeyHeader = None,
    draft_key: Annotated[
        str | None,
        Query(
            pattern=DRAFT_KEY_PATTERN,
            description="One of your drafts (`/api/session/drafts/{key}`) to delete once the "
            "post is created.",
        ),
    ] = None,
) -> Any:
    """Create a post; it waits in the review queue (`pending`) until an approver decides."""
    result = await blogs_service.create_blog(
        body, author=author, media_url=settings.media_url, idempotency_key=idempotency_key
    )
    if result.replay is not None:
        return result.replay.to_response()
    assert result.blog is not None
    if draft_key:
        await drafts_service.discard_after_use(drafts, user=author, key=draft_key)
    response.headers["Location"] = f"/api/blogs/{result.blog.id}"
    response.headers["ETag"] = blogs_service.etag(result.blog)
    return blogs_service.to_read(
        result.blog, media_url=settings.media_url, relations=result.relations
    )


def _not_modified(blog: Blog) -> Response:
    return Response(
        status_code=status.HTTP_304_NOT_MODIFIED, headers={"ETag": blogs_service.etag(blog)}
    )


@router.get(
    "/by-slug/{slug}",
    response_model=BlogRead,
    summary="Get a post by its slug",
    responses={
        304: {"description": "Not modified (If-None-Match)"},
        **problem_responses(404, 422),
    },
)
async def get_blog_by_slug(
    blog: VisibleBlogBySlug,
    settings: SettingsDep,
    response: Response,
    if_none_match: IfNoneMatchHeader = None,
) -> Any:
    """Return a post found by slug, with the same visibility rules as by id."""
    if blogs_service.is_not_modified(blog, if_none_match):
        return _not_modified(blog)
    return await _read(blog, settings, response)


@router.get(
    "/{blog_id}",
    response_model=BlogRead,
    summary="Get a post",
    responses={
        304: {"description": "Not modified (If-None-Match)"},
        **problem_responses(404, 422),
    },
)
async def get_blog(
    blog: VisibleBlog,
    settings: SettingsDep,
    response: Response,
    if_none_match: IfNoneMatchHeader = None,
) -> Any:
    """Return a post; non-approved posts only to their author and reviewers (404 for others)."""
    if blogs_service.is_not_modified(blog, if_none_match):
        return _not_modified(blog)
    return await _read(blog, settings, response)


@router.put(
    "/{blog_id}",
    response_model=BlogRead,
    summary="Replace a pending or rejected post",
    responses=problem_responses(400, 401, 403, 404, 409, 412, 413, 422),
)
async def update_blog(
    editor: CurrentUser,
    blog: VisibleBlog,
    body: BlogUpdate,
    settings: SettingsDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> Any:
    """Replace title, content, tags and images (author only); a rejected post is resubmitted."""
    updated = await blogs_service.update_blog(blog, body, editor=editor, if_match=if_match)
    return await _read(updated, settings, response)


@router.delete(
    "/{blog_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete a post",
    responses=problem_responses(401, 403, 404, 422),
)
async def delete_blog(actor: CurrentUser, blog: VisibleBlog) -> Response:
    """Delete a post: the author their own, an admin any."""
    await blogs_service.delete_blog(blog, actor=actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{blog_id}/approve",
    response_model=BlogRead,
    summary="Approve a pending post",
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def approve_blog(
    reviewer: Approver,
    blog: VisibleBlog,
    settings: SettingsDep,
    response: Response,
    body: ApproveRequest | None = None,
    if_match: IfMatchHeader = None,
) -> Any:
    """Approve a pending post (approvers, admins; never your own): public now, or `scheduled`
    until `publish_at`."""
    approved = await blogs_service.approve_blog(
        blog,
        reviewer=reviewer,
        if_match=if_match,
        publish_at=body.publish_at if body is not None else None,
    )
    return await _read(approved, settings, response)


@router.put(
    "/{blog_id}/schedule",
    response_model=BlogRead,
    summary="Change the publication time of a scheduled post",
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def reschedule_blog(
    actor: CurrentUser,
    blog: VisibleBlog,
    body: ScheduleUpdate,
    settings: SettingsDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> Any:
    """Move a scheduled post's `publish_at` to another future time (its author, reviewers)."""
    moved = await blogs_service.reschedule_blog(
        blog, actor=actor, publish_at=body.publish_at, if_match=if_match
    )
    return await _read(moved, settings, response)


@router.post(
    "/{blog_id}/reject",
    response_model=BlogRead,
    summary="Reject a pending post",
    responses=problem_responses(400, 401, 403, 404, 409, 412, 413, 422),
)
async def reject_blog(
    reviewer: Approver,
    blog: VisibleBlog,
    body: RejectRequest,
    settings: SettingsDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> Any:
    """Reject a pending post with a reason (approvers, admins; never your own)."""
    rejected = await blogs_service.reject_blog(
        blog, reviewer=reviewer, reason=body.reason, if_match=if_match
    )
    return await _read(rejected, settings, response)


@router.get(
    "/{blog_id}/reviews",
    response_model=Page[ReviewRead],
    summary="Review history of a post",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_reviews(
    viewer: CurrentUser,
    blog: VisibleBlog,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[ReviewRead]:
    """The audit trail (who decided what, why, when): for the author and reviewers."""
    return await blogs_service.list_reviews(blog, viewer=viewer, limit=limit, cursor=cursor)


@router.post(
    "/{blog_id}/revisions",
    status_code=status.HTTP_201_CREATED,
    response_model=RevisionRead,
    summary="Propose an edit of an approved post",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def propose_revision(
    author: CurrentUser, blog: VisibleBlog, body: RevisionCreate, response: Response
) -> Any:
    """Propose a new text for your approved post; the live text stays until it is approved."""
    revision = await blogs_service.propose_revision(blog, body, author=author)
    response.headers["Location"] = f"/api/blogs/{blog.id}/revisions/{revision.id}"
    return blogs_service.revision_read(revision)


@router.get(
    "/{blog_id}/revisions",
    response_model=Page[RevisionRead],
    summary="List revisions of a post",
    responses=problem_responses(404, 422),
)
async def list_revisions(
    viewer: OptionalUser,
    blog: VisibleBlog,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[RevisionRead]:
    """Every approved version, oldest first; the author and reviewers also see proposals."""
    return await blogs_service.list_revisions(blog, viewer=viewer, limit=limit, cursor=cursor)


@router.get(
    "/{blog_id}/revisions/{revision_id}",
    response_model=RevisionRead,
    summary="Get a revision",
    responses=problem_responses(404, 422),
)
async def get_revision(revision: VisibleRevision) -> Any:
    """Return one revision (proposals only to the author and reviewers)."""
    return blogs_service.revision_read(revision)


@router.post(
    "/{blog_id}/revisions/{revision_id}/approve",
    response_model=RevisionRead,
    summary="Approve a proposed revision",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def approve_revision(reviewer: Approver, blog: VisibleBlog, revision: VisibleRevision) -> Any:
    """Make the revision the live text (approvers, admins; never your own)."""
    approved = await blogs_service.approve_revision(blog, revision, reviewer=reviewer)
    return blogs_service.revision_read(approved)


@router.post(
    "/{blog_id}/revisions/{revision_id}/reject",
    response_model=RevisionRead,
    summary="Reject a proposed revision",
    responses=problem_responses(400, 401, 403, 404, 409, 422),
)
async def reject_revision(
    reviewer: Approver, blog: VisibleBlog, revision: VisibleRevision, body: RejectRequest
) -> Any:
    """Reject the revision with a reason; the live text stays (approvers, admins)."""
    rejected = await blogs_service.reject_revision(
        blog, revision, reviewer=reviewer, reason=body.reason
    )
    return blogs_service.revision_read(rejected)


@router.get(
    "/{blog_id}/revisions/{revision_id}/diff/{other_id}",
    response_model=RevisionDiff,
    summary="Diff two revisions",
    responses=problem_responses(404, 422),
)
async def diff_revisions(
    viewer: OptionalUser,
    blog: VisibleBlog,
    revision_id: RevisionIdPath,
    other_id: RevisionIdPath,
) -> RevisionDiff:
    """Unified diff of title and content from one revision to another."""
    return await blogs_service.diff_revisions(blog, revision_id, other_id, viewer=viewer)


@tags_router.get(
    "",
    response_model=Page[TagCount],
    summary="List tags",
    responses=problem_responses(422),
)
async def list_tags(
    limit: LimitParam = DEFAULT_LIMIT, cursor: CursorParam = None
) -> Page[TagCount]:
    """Tags of approved posts with how many posts carry each, in name order (public)."""
    page = await blogs_service.list_tags(limit=limit, cursor=cursor)
    blogs_cache.mark_public_tags()
    return page
