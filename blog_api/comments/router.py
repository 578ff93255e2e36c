"""REST for comments: `/api/blogs/{blog_id}/comments` and `/api/comments/{comment_id}`.

The live side (`WS /api/blogs/{blog_id}/ws`) is in `ws.py`; both write through `service.py`, so a
comment posted here reaches WebSocket viewers on every worker through the event backbone.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status

from blog_api.auth.dependencies import CurrentUser, OptionalUser, user_rate_limit_key
from blog_api.blogs.dependencies import VisibleBlog
from blog_api.comments import service as comments_service
from blog_api.comments.models import Comment
from blog_api.comments.schemas import CommentCreate, CommentRead, CommentUpdate
from blog_api.core.errors import problem_responses
from blog_api.core.pagination import DEFAULT_LIMIT, CursorParam, LimitParam, Page
from blog_api.core.ratelimit import rate_limit
from blog_api.core.types import MAX_ID

router = APIRouter(tags=["comments"])

CommentIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Comment id.")]


async def visible_comment(comment_id: CommentIdPath, viewer: OptionalUser) -> Comment:
    """The comment in the path if its post is visible to the caller; 404 otherwise."""
    return await comments_service.get_comment(comment_id, viewer=viewer)


VisibleComment = Annotated[Comment, Depends(visible_comment)]


@router.get(
    "/api/blogs/{blog_id}/comments",
    response_model=Page[CommentRead],
    summary="List a post's comments",
    responses=problem_responses(404, 422),
)
async def list_comments(
    blog: VisibleBlog, limit: LimitParam = DEFAULT_LIMIT, cursor: CursorParam = None
) -> Page[CommentRead]:
    """List comments oldest first (deleted ones as tombstones); public on approved posts."""
    return await comments_service.list_comments(blog, limit=limit, cursor=cursor)


@router.post(
    "/api/blogs/{blog_id}/comments",
    status_code=status.HTTP_201_CREATED,
    response_model=CommentRead,
    summary="Comment on a post",
    dependencies=[Depends(rate_limit("comment", key=user_rate_limit_key))],
    responses={
        200: {
            "description": "Retry of an earlier create with the same `client_id`: the first "
            "comment, nothing new stored.",
            "model": CommentRead,
        },
        **problem_responses(400, 401, 404, 409, 413, 422, 429),
    },
)
async def create_comment(
    author: CurrentUser, blog: VisibleBlog, body: CommentCreate, response: Response
) -> CommentRead:
    """Comment on an approved post, or reply to one of its top-level comments."""
    result = await comments_service.create_comment(blog, author=author, data=body)
    if not result.created:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/api/comments/{result.comment.id}"
    return result.comment


@router.patch(
    "/api/comments/{comment_id}",
    response_model=CommentRead,
    summary="Edit my comment",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def update_comment(
    editor: CurrentUser, comment: VisibleComment, body: CommentUpdate
) -> CommentRead:
    """Change the text of your own comment; it is marked edited."""
    return await comments_service.update_comment(comment, editor=editor, data=body)


@router.delete(
    "/api/comments/{comment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete a comment",
    responses=problem_responses(401, 403, 404, 422),
)
async def delete_comment(actor: CurrentUser, comment: VisibleComment) -> Response:
    """Soft-delete a comment (its author, l1_approver or admin); it stays as a tombstone."""
    await comments_service.delete_comment(comment, actor=actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
