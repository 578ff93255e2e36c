"""Comment rules: who may comment, edit and delete; threads of one level; idempotent creation.

Every write runs in a transaction that also records its event (`comment.created|updated|deleted`),
so a comment is in the database before anyone is told about it, and the outbox relay carries the
event to every worker's WebSocket viewers (and to the post author's notification stream). REST
and WebSocket writes go through the same functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError

from blog_api.blogs import service as blogs_service
from blog_api.blogs.models import Blog, BlogStatus
from blog_api.comments.models import Comment
from blog_api.comments.schemas import CommentCreate, CommentRead, CommentUpdate
from blog_api.core.db import transaction
from blog_api.core.errors import Conflict, Forbidden, NotFound, UnprocessableEntity
from blog_api.core.pagination import InvalidCursor, Page, decode_cursor, encode_cursor
from blog_api.realtime.events import Audience, audience_for, record_event
from blog_api.users.models import User
from blog_api.users.schemas import UserPublic

COMMENT_EVENT_TYPES = frozenset({"comment.created", "comment.updated", "comment.deleted"})

# --- errors -----------------------------------------------------------------------------------


class CommentNotFound(NotFound):
    code, title = "comment-not-found", "Comment not found"


class CommentsClosed(Conflict):
    code, title = "comments-closed", "Comments are open on approved posts only"


class InvalidParent(UnprocessableEntity):
    code, title = "invalid-parent", "Invalid parent comment"


class NotCommentAuthor(Forbidden):
    code, title = "not-comment-author", "Not your comment"


class CommentDeleted(Conflict):
    code, title = "comment-deleted", "The comment was deleted"


class ClientIdReused(Conflict):
    code, title = "client-id-reused", "client_id already used for another comment"


# --- representation ---------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(timezone.utc)


def to_read(comment: Comment, author: User | None) -> CommentRead:
    """The API shape; a deleted comment becomes a tombstone without body or author."""
    if comment.deleted_at is not None:
        return CommentRead(
            id=comment.id,
            blog_id=comment.blog_id,
            parent_id=comment.parent_id,
            author=None,
            body=None,
            created_at=comment.created_at,
            deleted=True,
            deleted_at=comment.deleted_at,
        )
    return CommentRead(
        id=comment.id,
        blog_id=comment.blog_id,
        parent_id=comment.parent_id,
        author=UserPublic.model_validate(author) if author is not None else None,
        body=comment.body,
        created_at=comment.created_at,
        edited_at=comment.edited_at,
    )


def _event_data(comment: Comment, author: User, **extra: Any) -> dict[str, Any]:
    """The event's `data`: enough to render the change without a database read."""
    return {
        "blog_id": comment.blog_id,
        "comment_id": comment.id,
        "parent_id": comment.parent_id,
        "author": {"id": author.id, "username": author.username},
        "created_at": comment.created_at.isoformat(),
        "edited_at": comment.edited_at.isoformat() if comment.edited_at else None,
        **extra,
    }


def read_from_event(event_type: str, data: dict[str, Any]) -> CommentRead:
    """The `CommentRead` a comment event describes (what WebSocket viewers receive)."""
    if event_type == "comment.deleted":
        return CommentRead(
            id=data["comment_id"],
            blog_id=data["blog_id"],
            parent_id=data.get("parent_id"),
            author=None,
            body=None,
            created_at=data["created_at"],
            deleted=True,
            deleted_at=data.get("deleted_at"),
        )
    return CommentRead(
        id=data["comment_id"],
        blog_id=data["blog_id"],
        parent_id=data.get("parent_id"),
        author=UserPublic.model_validate(data["author"]),
        body=data.get("body"),
        created_at=data["created_at"],
        edited_at=data.get("edited_at"),
    )


def _audience(blog: Blog, *extra_user_ids: int | None) -> Audience:
    # Comments on a live post are public (every viewer of the post may receive them); the post's
    # author (and whoever else is named) also gets a notification.
    return audience_for(
        user_ids=[blog.author_id, *extra_user_ids], public=blog.status is BlogStatus.approved
    )


# --- reading ----------------------------------------------------------------------------------


async def get_comment(comment_id: int, *, viewer: User | None) -> Comment:
    """The comment if its post is visible to `viewer`; 404 otherwise (existence not revealed)."""
    comment = await Comment.get_or_none(id=comment_id).select_related("blog", "author")
    if comment is None or not blogs_service.can_see(comment.blog, viewer):
        raise CommentNotFound(f"comment {comment_id} does not exist")
    return comment


def _cursor_id(values: dict[str, Any], key: str) -> int:
    value = values[key]
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidCursor("cursor is not one this API issued")
    return value


async def list_comments(blog: Blog, *, limit: int, cursor: str | None) -> Page[CommentRead]:
    """A page of the post's comments, oldest first.

    Two kinds of cursor, both opaque to clients: `next_cursor` of a page continues forwards;
    the cursor in a WebSocket `history` message pages backwards (older comments, each page
    still oldest first).
    """
    if cursor is None:
        return await _page_after(blog.id, 0, limit)
    values = decode_cursor(cursor, ())
    if "a" in values:
        return await _page_after(blog.id, _cursor_id(values, "a"), limit)
    if "b" in values:
        return await _page_before(blog.id, _cursor_id(values, "b"), limit)
    raise InvalidCursor("cursor is not one this API issued")


async def _page_after(blog_id: int, after_id: int, limit: int) -> Page[CommentRead]:
    rows = (
        await Comment.filter(blog_id=blog_id, id__gt=after_id)
        .select_related("author")
        .order_by("id")
        .limit(limit + 1)
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(
        items=[to_read(c, c.author) for c in rows],
        next_cursor=encode_cursor({"a": rows[-1].id}) if more else None,
    )


async def _page_before(blog_id: int, before_id: int | None, limit: int) -> Page[CommentRead]:
    query = Comment.filter(blog_id=blog_id)
    if before_id is not None:
        query = query.filter(id__lt=before_id)
    rows = await query.select_related("author").order_by("-id").limit(limit + 1)
    more = len(rows) > limit
    rows = list(reversed(rows[:limit]))
    return Page(
        items=[to_read(c, c.author) for c in rows],
        next_cursor=encode_cursor({"b": rows[0].id}) if more else None,
    )


async def recent_comments(blog_id: int, *, limit: int) -> Page[CommentRead]:
    """The newest `limit` comments, oldest first; `next_cursor` pages back to older ones."""
    if limit == 0:
        newest = await Comment.filter(blog_id=blog_id).order_by("-id").first()
        return Page(items=[], next_cursor=encode_cursor({"b": newest.id + 1}) if newest else None)
    return await _page_before(blog_id, None, limit)


# --- writing ----------------------------------------------------------------------------------


@dataclass
class CreateResult:
    comment: CommentRead
    created: bool  # False: an earlier create with the same client_id was found


async def _replay(existing: Comment, blog: Blog, data: CommentCreate, author: User) -> CreateResult:
    """The first comment made with this client id, if the retry asks for the same thing."""
    if (
        existing.blog_id != blog.id
        or existing.parent_id != data.parent_id
        or existing.body != data.body
    ):
        raise ClientIdReused(
            f"client_id {data.client_id!r} was used for comment {existing.id} with other "
            "content; use a new client_id for each new comment"
        )
    return CreateResult(comment=to_read(existing, author), created=False)


async def _check_parent(blog: Blog, parent_id: int) -> Comment:
    parent = await Comment.get_or_none(id=parent_id, blog_id=blog.id)
    if parent is None:
        raise InvalidParent(f"parent_id {parent_id} is not a comment on this post")
    if parent.parent_id is not None:
        raise InvalidParent(
            f"comment {parent_id} is itself a reply; reply to comment {parent.parent_id} instead"
        )
    if parent.deleted_at is not None:
        raise InvalidParent(f"comment {parent_id} was deleted; it takes no new replies")
    return parent


async def create_comment(blog: Blog, *, author: User, data: CommentCreate) -> CreateResult:
    """Store a comment on an approved post and record `comment.created` in the same transaction.

    With a `client_id`, a retry (same author and client id) returns the first comment,
    `created=False`, and records nothing; reusing the id for different content is a 409.
    """
    if data.client_id is not None:
        existing = await Comment.get_or_none(author_id=author.id, client_id=data.client_id)
        if existing is not None:
            return await _replay(existing, blog, data, author)
    if blog.status is not BlogStatus.approved:
        raise CommentsClosed(f"blog {blog.id} is not approved; comments open once it is")
    parent = await _check_parent(blog, data.parent_id) if data.parent_id is not None else None
    try:
        async with transaction() as conn:
            comment = await Comment.create(
                blog_id=blog.id,
                author_id=author.id,
                parent_id=data.parent_id,
                body=data.body,
                client_id=data.client_id,
                using_db=conn,
            )
            await _record(
                "comment.created",
                comment,
                author,
                blog,
                conn,
                actor=author,
                extra_user_ids=[parent.author_id if parent else None],
                body=comment.body,
            )
    except IntegrityError:
        # Lost a race with the same (author, client_id), or the post was deleted meanwhile.
        if data.client_id is not None:
            existing = await Comment.get_or_none(author_id=author.id, client_id=data.client_id)
            if existing is not None:
                return await _replay(existing, blog, data, author)
        raise CommentsClosed(f"blog {blog.id} is no longer available") from None
    return CreateResult(comment=to_read(comment, author), created=True)


async def _record(
    event_type: str,
    comment: Comment,
    author: User,
    blog: Blog,
    conn: BaseDBAsyncClient,
    *,
    actor: User,
    extra_user_ids: list[int | None] | None = None,
    **data: Any,
) -> None:
    await record_event(
        event_type,
        subject_kind="comment",
        subject_id=comment.id,
        actor_id=actor.id,
        audience=_audience(blog, *(extra_user_ids or [])),
        data=_event_data(comment, author, **data),
        using_db=conn,
    )


async def update_comment(comment: Comment, *, editor: User, data: CommentUpdate) -> CommentRead:
    """Change the text of one's own comment on an approved post; records `comment.updated`."""
    if editor.id != comment.author_id:
        raise NotCommentAuthor("only the author may edit a comment")
    if comment.deleted_at is not None:
        raise CommentDeleted(f"comment {comment.id} was deleted")
    blog: Blog = comment.blog
    if blog.status is not BlogStatus.approved:
        raise CommentsClosed(f"blog {blog.id} is not approved; its comments cannot change")
    if data.body == comment.body:
        return to_read(comment, editor)  # nothing changed: no edit mark, no event
    now = _now()
    async with transaction() as conn:
        # Conditional: a delete that committed since we read the row wins.
        updated = await (
            Comment.filter(id=comment.id, deleted_at=None)
            .using_db(conn)
            .update(body=data.body, edited_at=now)
        )
        if not updated:
            raise CommentDeleted(f"comment {comment.id} was deleted")
        comment.body, comment.edited_at = data.body, now
        await _record(
            "comment.updated", comment, editor, blog, conn, actor=editor, body=comment.body
        )
    return to_read(comment, editor)


async def delete_comment(comment: Comment, *, actor: User) -> None:
    """Soft-delete: the author, or a moderator (l1_approver, admin). Deleting twice is a no-op."""
    if actor.id != comment.author_id and not actor.is_reviewer:
        raise NotCommentAuthor("only the author or a moderator may delete a comment")
    now = _now()
    async with transaction() as conn:
        deleted = await (
            Comment.filter(id=comment.id, deleted_at=None)
            .using_db(conn)
            .update(deleted_at=now, deleted_by_id=actor.id)
        )
        if not deleted:
            return  # already deleted: nothing new to tell anyone
        comment.deleted_at, comment.deleted_by_id = now, actor.id
        await _record(
            "comment.deleted",
            comment,
            comment.author,
            comment.blog,
            conn,
            actor=actor,
            # The author hears about a moderator's removal of their comment.
            extra_user_ids=[comment.author_id],
            deleted_at=now.isoformat(),
            by_moderator=actor.id != comment.author_id,
        )
