"""Blog rules: visibility, the review workflow, revisions of live posts, tags and search.

Every write is a conditional update on `version` (or on the current status) inside a transaction
that also records the event, so two racing reviewers or editors cannot both win: the loser's
update matches no row and it gets a 409 (or 412 when it sent a stale `If-Match`). This works on
SQLite, where row locks do not exist, and on PostgreSQL, where the second UPDATE waits for the
first to commit and then re-checks its WHERE clause.
"""

from __future__ import annotations

import difflib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import anyio
import anyio.to_thread
from pypika_tortoise.terms import (
    BasicCriterion,
    Field,
    Function,
    LiteralValue,
    ValueWrapper,
)
from slugify import slugify
from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.contrib.postgres.search import Comp
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Expression, Q, ResolveContext, ResolveResult
from tortoise.fields import BooleanField
from tortoise.fields.relational import ManyToManyFieldInstance
from tortoise.functions import Count, Max
from tortoise.queryset import QuerySet

from blog_api.blogs.models import (
    SLUG_MAX,
    TAG_MAX,
    Blog,
    BlogRevision,
    BlogStatus,
    Decision,
    Review,
    Tag,
)
from blog_api.blogs.rendering import excerpt_from_html, render_markdown
from blog_api.blogs.schemas import (
    BlogCreate,
    BlogRead,
    BlogSummary,
    BlogUpdate,
    ImageRef,
    ReviewRead,
    RevisionCreate,
    RevisionDiff,
    RevisionRead,
    TagCount,
)
from blog_api.core import idempotency
from blog_api.core.db import transaction
from blog_api.core.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PreconditionFailed,
    Unauthorized,
    UnprocessableEntity,
)
from blog_api.core.pagination import InvalidCursor, Page, decode_cursor, encode_cursor
from blog_api.core.types import MAX_ID
from blog_api.media import service as media_service
from blog_api.media.models import Image
from blog_api.media.schemas import media_url_for
from blog_api.realtime.events import Audience, audience_for, record_event
from blog_api.users.models import REVIEWER_ROLES, User
from blog_api.users.schemas import UserPublic

REVIEWER_ROLE_NAMES = [role.value for role in REVIEWER_ROLES]
# PostgreSQL text-search configuration: stemming for English ("posts" finds "post").
SEARCH_CONFIG = "english"
MAX_SEARCH_TERMS = 10


# --- errors -----------------------------------------------------------------------------------


class BlogNotFound(NotFound):
    code, title = "blog-not-found", "Blog post not found"


class RevisionNotFound(NotFound):
    code, title = "revision-not-found", "Revision not found"


class InvalidTransition(Conflict):
    code, title = "invalid-transition", "Not allowed in the current status"


class EditConflict(Conflict):
    code, title = "edit-conflict", "Changed by someone else"


class SelfReview(Forbidden):
    code, title = "self-review", "Cannot review your own post"


class NotAuthor(Forbidden):
    code, title = "not-author", "Only the author may do this"


class StaleETag(PreconditionFailed):
    code, title = "stale-etag", "The post changed since you read it"


# --- helpers ------------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(timezone.utc)


def can_see(blog: Blog, viewer: User | None) -> bool:
    """Approved posts are public; others only for their author and reviewers."""
    if blog.status is BlogStatus.approved:
        return True
    return viewer is not None and (viewer.id == blog.author_id or viewer.is_reviewer)


def etag(blog: Blog) -> str:
    """A strong validator: `version` changes with every change of the post."""
    return f'"{blog.id}.{blog.version}"'


def check_if_match(blog: Blog, if_match: str | None) -> None:
    """RFC 9110 If-Match: `*` or one of the listed validators must be the current one."""
    if if_match is None:
        return
    candidates = {part.strip() for part in if_match.split(",")}
    if "*" not in candidates and etag(blog) not in candidates:
        raise StaleETag(
            f"the post is at version {blog.version}; reload it (its ETag is {etag(blog)}) and "
            "reapply your change"
        )


def is_not_modified(blog: Blog, if_none_match: str | None) -> bool:
    """RFC 9110 If-None-Match on GET: true (answer 304) if the client's copy is current.

    Weak comparison, as the RFC asks here: `W/"1.2"` matches `"1.2"`.
    """
    if not if_none_match:
        return False
    candidates = {part.strip().removeprefix("W/") for part in if_none_match.split(",")}
    return "*" in candidates or etag(blog) in candidates


def _review_audience(blog: Blog, *, public: bool = False) -> Audience:
    return audience_for(roles=REVIEWER_ROLE_NAMES, user_ids=[blog.author_id], public=public)


async def _record_decision(
    blog: Blog,
    conn: BaseDBAsyncClient,
    *,
    reviewer: User,
    decision: Decision,
    event_type: str,
    data: dict[str, Any],
    reason: str | None = None,
    revision_id: int | None = None,
) -> None:
    """Write the audit row and the event of a review decision, in the decision's transaction.

    Approvals are public news when the post or its new text is live at once; rejections and
    scheduled approvals reach only the author and the reviewers.
    """
    await Review.create(
        blog_id=blog.id,
        revision_id=revision_id,
        reviewer_id=reviewer.id,
        decision=decision,
        reason=reason,
        using_db=conn,
    )
    if decision is Decision.approved and blog.published_at is not None:
        # Where the live post sorts and which lists it is in: each worker's public response
        # cache drops exactly the list pages this approval changes (blogs/cache.py).
        tags = await blog.tags.all().using_db(conn).values_list("name", flat=True)
        data = {
            **data,
            "published_at": blog.published_at.isoformat(),
            "author_id": blog.author_id,
            "tags": sorted(str(t) for t in tags),
        }
    await record_event(
        event_type,
        subject_kind="blog",
        subject_id=blog.id,
        actor_id=reviewer.id,
        audience=_review_audience(
            blog, public=decision is Decision.approved and blog.status is not BlogStatus.scheduled
        ),
        data=data,
        using_db=conn,
    )


async def load_relations(blog: Blog, using_db: BaseDBAsyncClient | None = None) -> Blog:
    """Fetch what `to_read` needs."""
    await blog.fetch_related("author", "reviewed_by", "tags", "images", using_db=using_db)
    return blog


@dataclass
class Relations:
    """What a post's representation shows beyond its own row."""

    author: User
    reviewed_by: User | None
    tags: Sequence[str]
    images: Sequence[Image]


def relations_of(blog: Blog) -> Relations:
    """The relations fetched by `load_relations`."""
    return Relations(
        author=blog.author,
        reviewed_by=blog.reviewed_by or None,
        tags=[t.name for t in blog.tags],
        images=list(blog.images),
    )


def to_read(blog: Blog, *, media_url: str, relations: Relations | None = None) -> BlogRead:
    """The full representation; relations are given, or fetched with `load_relations`.

    A service that has just written the post knows its relations and passes them: that saves
    the four queries of `load_relations` on the hot path of a submit.
    """
    rel = relations or relations_of(blog)
    return BlogRead(
        **_summary_fields(blog, author=rel.author, tags=rel.tags),
        content=blog.content,
        content_html=blog.content_html,
        images=[
            ImageRef(
                id=i.id, url=media_url_for(i.filename, media_url), width=i.width, height=i.height
            )
            for i in sorted(rel.images, key=lambda i: i.id)
        ],
        reviewed_at=blog.reviewed_at,
        reviewed_by=UserPublic.model_validate(rel.reviewed_by) if rel.reviewed_by else None,
        rejection_reason=blog.rejection_reason,
    )


def _summary_fields(
    blog: Blog, *, author: User | None = None, tags: Iterable[str] | None = None
) -> dict[str, Any]:
    return {
        "id": blog.id,
        "title": blog.title,
        "slug": blog.slug,
        "excerpt": blog.excerpt,
        "status": blog.status,
        "author": UserPublic.model_validate(author if author is not None else blog.author),
        "tags": sorted(tags if tags is not None else (t.name for t in blog.tags)),
        "created_at": blog.created_at,
        "updated_at": blog.updated_at,
        "submitted_at": blog.submitted_at,
        "published_at": blog.published_at,
        "publish_at": blog.publish_at,
        "version": blog.version,
    }


def _base_slug(title: str) -> str:
    return slugify(title, max_length=SLUG_MAX - 7, word_boundary=True) or "post"


async def _unique_slug(
    title: str, conn: BaseDBAsyncClient, *, exclude_id: int | None = None
) -> str:
    # Slugs are for URLs; a clash gets a short random suffix rather than a guessable counter.
    base = _base_slug(title)
    candidate = base
    for _ in range(5):
        query = Blog.filter(slug=candidate).using_db(conn)
        if exclude_id is not None:
            query = query.exclude(id=exclude_id)
        if not await query.exists():
            return candidate
        candidate = f"{base}-{secrets.token_hex(3)}"
    return f"{base}-{secrets.token_hex(3)}"


async def _tags_named(names: Sequence[str], conn: BaseDBAsyncClient) -> list[Tag]:
    if not names:
        return []
    # ignore_conflicts: two posts introducing the same new tag at once must not fail.
    await Tag.bulk_create([Tag(name=n) for n in names], ignore_conflicts=True, using_db=conn)
    return list(await Tag.filter(name__in=list(names)).using_db(conn))


async def _set_relations(
    blog: Blog,
    tags: Sequence[str],
    images: Sequence[Image],
    conn: BaseDBAsyncClient,
    *,
    new: bool = False,
) -> list[Tag]:
    """Make the post's tags and images exactly these; a `new` post has none to clear."""
    if not new:
        await blog.tags.clear(using_db=conn)
    tag_rows = await _tags_named(tags, conn)
    if tag_rows:
        await blog.tags.add(*tag_rows, using_db=conn)
    if not new:
        await blog.images.clear(using_db=conn)
    if images:
        await blog.images.add(*images, using_db=conn)
    return tag_rows


@dataclass
class Rendered:
    html: str
    excerpt: str


def _render_sync(content: str) -> Rendered:
    html = render_markdown(content)
    return Rendered(html=html, excerpt=excerpt_from_html(html))


# Rendering 100k characters of hostile markdown can take about a second of CPU; it runs in worker
# threads, a few at a time, so it never stalls the event loop for everyone else.
_render_limiter = anyio.CapacityLimiter(2)


# Below this length even hostile markdown renders in about 2 ms (measured: `[` repeated costs
# ~9 us per character), less than the trip to a worker thread and back, which also waits for
# the GIL while the loop is busy fanning events out to streams. Tables are the exception (a
# short header row with many columns pads every later line into cells: 13 ms found for 256
# characters), so content with a `|` always goes to a thread.
INLINE_RENDER_CHARS = 256


async def _render(content: str) -> Rendered:
    if len(content) <= INLINE_RENDER_CHARS and "|" not in content:
        return _render_sync(content)
    return await anyio.to_thread.run_sync(_render_sync, content, limiter=_render_limiter)


# --- reading ------------------------------------------------------------------------------------


async def get_visible_blog(blog_id: int, *, viewer: User | None) -> Blog:
    """The post if `viewer` may see it; otherwise 404, so its existence is not revealed."""
    blog = await Blog.get_or_none(id=blog_id)
    if blog is None or not can_see(blog, viewer):
        raise BlogNotFound(f"blog {blog_id} does not exist")
    return blog


async def get_visible_blog_by_slug(slug: str, *, viewer: User | None) -> Blog:
    """The post with this slug if `viewer` may see it; otherwise 404."""
    blog = await Blog.get_or_none(slug=slug)
    if blog is None or not can_see(blog, viewer):
        raise BlogNotFound(f"no post has the slug {slug!r}")
    return blog


def _cursor_id(values: dict[str, Any]) -> int:
    # A forged id must be a 422, not a ValueError or an integer overflow in the database.
    last_id = values["id"]
    if isinstance(last_id, bool) or not isinstance(last_id, int) or not 0 <= last_id <= MAX_ID:
        raise InvalidCursor("cursor is not one this API issued")
    return last_id


def _is_postgres() -> bool:
    return connections.get("default").capabilities.dialect == "postgres"


class _FullTextMatch(Expression):
    """`search_vector @@ plainto_tsquery(cfg, q)`, q as a parameter.

    `search_vector` is a stored column PostgreSQL computes from title and content (migration
    1_*_read_indexes), GIN-indexed; the configuration is a literal, the one the column uses.
    """

    def __init__(self, q: str) -> None:
        self.q = q

    def resolve(self, resolve_context: ResolveContext) -> ResolveResult:
        config = LiteralValue(f"'{SEARCH_CONFIG}'::regconfig")
        query = Function("PLAINTO_TSQUERY", config, ValueWrapper(self.q))
        return ResolveResult(
            term=BasicCriterion(Comp.search, Field("search_vector"), query),
            output_field=BooleanField(),
        )


def _search_filter(query: Any, q: str) -> Any:
    if _is_postgres():
        return query.annotate(fulltext_match=_FullTextMatch(q)).filter(fulltext_match=True)
    # Portable fallback (SQLite): every word must appear in the title or the content.
    for term in q.split()[:MAX_SEARCH_TERMS]:
        query = query.filter(Q(title__icontains=term) | Q(content__icontains=term))
    return query


def list_position(cursor: str, sort: str = "published_at") -> tuple[datetime, int]:
    """The sort key `(time, id)` a list cursor continues after; a forged one is a 422."""
    values = decode_cursor(cursor, ("s", "t", "id"))
    try:
        if values["s"] != sort:
            raise ValueError("cursor of another list")
        after = datetime.fromisoformat(str(values["t"]))
        if after.tzinfo is None:
            raise ValueError("cursor time without a time zone")
    except (TypeError, ValueError) as exc:
        raise InvalidCursor("cursor is not one this API issued for this list") from exc
    return after, _cursor_id(values)


def tag_filter_name(tag: str) -> str:
    """The stored form of a tag filter (as tags are normalised when written); may be empty."""
    return slugify(tag, max_length=TAG_MAX, word_boundary=True)


# Sort columns listed soonest first: scheduled posts, in the order they will go public.
_ASCENDING_SORTS = frozenset({"publish_at"})


def ordered(query: QuerySet[Blog], sort: str) -> QuerySet[Blog]:
    """Newest first by `sort` (soonest first for `publish_at`), ties by id the same way: the
    keyset order every list and cursor uses."""
    if sort in _ASCENDING_SORTS:
        return query.order_by(sort, "id")
    return query.order_by(f"-{sort}", "-id")


def list_query(
    *,
    viewer: User | None,
    cursor: str | None,
    author_id: int | None = None,
    q: str | None = None,
    tag: str | None = None,
    status: BlogStatus | None = None,
    mine: bool = False,
) -> tuple[QuerySet[Blog], str]:
    """The filtered query behind `list_blogs` (unordered, unlimited) and its sort column.

    Separate so its SQL can be EXPLAINed (tests check each public list uses an index).
    """
    if mine and viewer is None:
        raise Unauthorized("mine=true lists your own posts: send a valid access token")
    if status not in (None, BlogStatus.approved) and not mine:
        if viewer is None:
            raise Unauthorized("the review queue needs a valid access token")
        if not viewer.is_reviewer:
            raise Forbidden("only approvers and admins may list pending or rejected posts")

    query = Blog.all()
    if mine:
        assert viewer is not None
        query = query.filter(author_id=viewer.id)
        if status is not None:
            query = query.filter(status=status)
        effective = status
    else:
        effective = status or BlogStatus.approved
        query = query.filter(status=effective)
    if effective is BlogStatus.approved:
        sort = "published_at"
    elif effective is BlogStatus.scheduled:
        sort = "publish_at"  # what an approver of the schedule needs: the next one to go out
    else:
        sort = "created_at"

    if author_id is not None:
        query = query.filter(author_id=author_id)
    if tag is not None:
        # The same normalisation as when tags are written (a 63-character filter used to reach
        # the 32-character column as is: Tortoise refused it with a 500).
        name = tag_filter_name(tag)
        query = query.filter(tags__name=name) if name else query.filter(id=0)
    if q is not None and q.strip():
        query = _search_filter(query, q.strip())
    if cursor:
        after, last_id = list_position(cursor, sort)
        beyond = "gt" if sort in _ASCENDING_SORTS else "lt"
        before: dict[str, Any] = {f"{sort}__{beyond}": after}
        tie: dict[str, Any] = {sort: after, f"id__{beyond}": last_id}
        query = query.filter(Q(**before) | Q(**tie))

    return query, sort


async def list_blogs(
    *,
    viewer: User | None,
    limit: int,
    cursor: str | None,
    author_id: int | None = None,
    q: str | None = None,
    tag: str | None = None,
    status: BlogStatus | None = None,
    mine: bool = False,
) -> Page[BlogSummary]:
    """One page of posts, newest first, with a keyset cursor.

    Approved posts are ordered by first approval time, scheduled ones by `publish_at` (soonest
    first), others by creation time; ties are broken by id (in the same direction). The cursor
    holds the last (time, id) seen, so posts published meanwhile appear on earlier pages, never
    shifting later ones: no duplicates, no gaps.
    """
    query, sort = list_query(
        viewer=viewer,
        cursor=cursor,
        author_id=author_id,
        q=q,
        tag=tag,
        status=status,
        mine=mine,
    )
    rows = await ordered(query, sort).limit(limit + 1).prefetch_related("author", "tags")
    items = [BlogSummary(**_summary_fields(b)) for b in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor(
            {"s": sort, "t": getattr(last, sort).isoformat(), "id": last.id}
        )
    return Page[BlogSummary](items=items, next_cursor=next_cursor)


async def newest_public(*, limit: int, tag: str | None = None) -> list[Blog]:
    """The newest public posts (by publication), with author and tags: what the feeds show."""
    query = Blog.filter(status=BlogStatus.approved)
    if tag is not None:
        name = tag_filter_name(tag)
        query = query.filter(tags__name=name) if name else query.filter(id=0)
    return list(
        await ordered(query, "published_at").limit(limit).prefetch_related("author", "tags")
    )


async def public_locations(*, limit: int) -> list[tuple[str, datetime]]:
    """`(slug, updated_at)` of the newest public posts: what the sitemap lists."""
    rows = (
        await ordered(Blog.filter(status=BlogStatus.approved), "published_at")
        .limit(limit)
        .values_list("slug", "updated_at")
    )
    return [(str(slug), updated) for slug, updated in rows]


async def list_tags(*, limit: int, cursor: str | None) -> Page[TagCount]:
    """Tags of approved posts with their counts, in name order."""
    query = Tag.filter(blogs__status=BlogStatus.approved)
    if cursor:
        name = decode_cursor(cursor, ("name",))["name"]
        if not isinstance(name, str):
            raise InvalidCursor("cursor is not one this API issued")
        query = query.filter(name__gt=name)
    rows = (
        await query.annotate(count=Count("blogs__id", distinct=True))
        .group_by("name")
        .order_by("name")
        .limit(limit + 1)
        .values("name", "count")
    )
    items = [TagCount(name=r["name"], count=r["count"]) for r in rows[:limit]]
    next_cursor = encode_cursor({"name": rows[limit - 1]["name"]}) if len(rows) > limit else None
    return Page[TagCount](items=items, next_cursor=next_cursor)


# --- creating and editing ---------------------------------------------------------------------


@dataclass
class CreateResult:
    """A new post, or the replay of a request already done with the same idempotency key."""

    blog: Blog | None = None
    relations: Relations | None = None  # of a new `blog`: no need to fetch them again
    replay: idempotency.StoredResponse | None = None


async def create_blog(
    data: BlogCreate,
    *,
    author: User,
    media_url: str,
    idempotency_key: str | None = None,
) -> CreateResult:
    """Create a pending post and announce it to the reviewers."""
    request = (
        idempotency.IdempotentRequest.of(
            user_id=author.id, key=idempotency_key, scope="POST /api/blogs", body=data
        )
        if idempotency_key
        else None
    )
    if request and (replay := await idempotency.lookup(request)):
        return CreateResult(replay=replay)
    images = await media_service.resolve_owned_images(data.image_ids, owner=author)
    rendered = await _render(data.content)
    for attempt in range(3):
        try:
            async with transaction() as conn:
                now = _now()
                # First try the plain slug without asking (titles rarely repeat); a clash is an
                # IntegrityError, and the retry picks a free one.
                slug = _base_slug(data.title) if attempt == 0 else None
                blog = await Blog.create(
                    title=data.title,
                    slug=slug or await _unique_slug(data.title, conn),
                    content=data.content,
                    content_html=rendered.html,
                    excerpt=rendered.excerpt,
                    status=BlogStatus.pending,
                    author=author,
                    created_at=now,
                    updated_at=now,
                    submitted_at=now,
                    using_db=conn,
                )
                tag_rows = await _set_relations(blog, data.tags, images, conn, new=True)
                relations = Relations(
                    author=author,
                    reviewed_by=None,
                    tags=[t.name for t in tag_rows],
                    images=images,
                )
                await record_event(
                    "blog.submitted",
                    subject_kind="blog",
                    subject_id=blog.id,
                    actor_id=author.id,
                    audience=_review_audience(blog),
                    data={"title": blog.title, "status": blog.status.value},
                    using_db=conn,
                )
                if request:
                    read = to_read(blog, media_url=media_url, relations=relations)
                    body = read.model_dump(mode="json")
                    headers = {"Location": f"/api/blogs/{blog.id}", "ETag": etag(blog)}
                    await idempotency.save(
                        request, idempotency.StoredResponse(201, body, headers), using_db=conn
                    )
            return CreateResult(blog=blog, relations=relations)
        except IntegrityError:
            # Either a twin request with the same key won the race (replay its result) or a
            # concurrent post took the same slug (try again with a fresh one).
            if request and (replay := await idempotency.lookup(request)):
                return CreateResult(replay=replay)
            if attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


async def update_blog(
    blog: Blog, data: BlogUpdate, *, editor: User, if_match: str | None = None
) -> Blog:
    """Replace a pending or rejected post; a rejected one goes back to the review queue."""
    if editor.id != blog.author_id:
        raise NotAuthor("only the author may edit a post")
    if blog.status is BlogStatus.approved:
        raise InvalidTransition(
            f"approved posts are changed through revisions: POST /api/blogs/{blog.id}/revisions"
        )
    if blog.status is BlogStatus.scheduled:
        # The approved text is what goes public; changing it would bypass the review.
        raise InvalidTransition(
            "a scheduled post keeps its approved text; propose a revision once it is public"
        )
    check_if_match(blog, if_match)
    images = await media_service.resolve_owned_images(data.image_ids, owner=editor)
    rendered = await _render(data.content)
    resubmitted = blog.status is BlogStatus.rejected
    now = _now()
    changes: dict[str, Any] = {
        "title": data.title,
        "content": data.content,
        "content_html": rendered.html,
        "excerpt": rendered.excerpt,
        "updated_at": now,
        "version": blog.version + 1,
    }
    if resubmitted:
        changes |= {"status": BlogStatus.pending, "submitted_at": now, "rejection_reason": None}
    async with transaction() as conn:
        # Never public yet, so the slug may follow the title.
        if data.title != blog.title:
            changes["slug"] = await _unique_slug(data.title, conn, exclude_id=blog.id)
        updated = (
            await Blog.filter(id=blog.id, version=blog.version, status=blog.status)
            .using_db(conn)
            .update(**changes)
        )
        if not updated:
            if if_match is not None:
                raise StaleETag("the post changed since you read it; reload and reapply")
            raise EditConflict("the post changed while you were editing; reload and reapply")
        await blog.refresh_from_db(using_db=conn)
        await _set_relations(blog, data.tags, images, conn)
        await record_event(
            "blog.submitted" if resubmitted else "blog.updated",
            subject_kind="blog",
            subject_id=blog.id,
            actor_id=editor.id,
            audience=_review_audience(blog),
            data={"title": blog.title, "status": blog.status.value, "resubmitted": resubmitted},
            using_db=conn,
        )
    return blog


async def delete_blog(blog: Blog, *, actor: User) -> None:
    """Delete a post: its author, or an admin."""
    if actor.id != blog.author_id and actor.role.value != "admin":
        raise NotAuthor("only the author or an admin may delete a post")
    was_public = blog.status is BlogStatus.approved
    async with transaction() as conn:
        deleted = await Blog.filter(id=blog.id).using_db(conn).delete()
        if not deleted:
            raise BlogNotFound(f"blog {blog.id} does not exist")
        await record_event(
            "blog.deleted",
            subject_kind="blog",
            subject_id=blog.id,
            actor_id=actor.id,
            # A public post's deletion is public news (clients drop it); others stay private.
            audience=_review_audience(blog, public=was_public),
            data={"title": blog.title, "status": blog.status.value},
            using_db=conn,
        )


# --- reviewing ----------------------------------------------------------------------------------


def _check_reviewable(blog: Blog, reviewer: User, if_match: str | None) -> None:
    if reviewer.id == blog.author_id:
        raise SelfReview("reviewers cannot approve or reject their own posts; ask another reviewer")
    if blog.status is not BlogStatus.pending:
        raise InvalidTransition(
            f"only pending posts can be reviewed; this one is {blog.status.value}"
        )
    # With If-Match a reviewer approves exactly the text they read, not a later edit of it.
    check_if_match(blog, if_match)


async def _decide(blog: Blog, reviewer: User, conn: BaseDBAsyncClient, **changes: Any) -> None:
    now = _now()
    updated = (
        await Blog.filter(id=blog.id, version=blog.version, status=BlogStatus.pending)
        .using_db(conn)
        .update(
            reviewed_at=now,
            reviewed_by_id=reviewer.id,
            updated_at=now,
            version=blog.version + 1,
            **changes,
        )
    )
    if not updated:
        # Someone else decided (or the author edited) between our read and our write.
        raise InvalidTransition("the post was reviewed or changed meanwhile; reload it")
    await blog.refresh_from_db(using_db=conn)


class PublishAtNotFuture(UnprocessableEntity):
    code, title = "publish-at-not-future", "The publication time must be in the future"


def _check_future(publish_at: datetime) -> None:
    # The request's clock is good enough to refuse a past time; the scheduler itself runs on
    # the database's clock (blogs/scheduler.py).
    if publish_at <= _now():
        raise PublishAtNotFuture(
            f"publish_at {publish_at.isoformat()} is not in the future; omit it to publish now"
        )


async def approve_blog(
    blog: Blog,
    *,
    reviewer: User,
    if_match: str | None = None,
    publish_at: datetime | None = None,
) -> Blog:
    """Approve a pending post: it becomes public, and its text is kept as version 1.

    With `publish_at` (in the future) it is approved but `scheduled`: the scheduler makes it
    public at that time (`blog.published`); until then only its author and reviewers see it.
    """
    _check_reviewable(blog, reviewer, if_match)
    changes: dict[str, Any]
    if publish_at is not None:
        _check_future(publish_at)
        changes = {
            "status": BlogStatus.scheduled,
            "publish_at": publish_at.astimezone(timezone.utc),
        }
    else:
        changes = {"status": BlogStatus.approved, "published_at": blog.published_at or _now()}
    async with transaction() as conn:
        await _decide(blog, reviewer, conn, rejection_reason=None, **changes)
        await _snapshot(blog, conn, reviewer=reviewer)
        data: dict[str, Any] = {"title": blog.title, "status": blog.status.value, "slug": blog.slug}
        if blog.publish_at is not None:
            data["publish_at"] = blog.publish_at.isoformat()
        await _record_decision(
            blog,
            conn,
            reviewer=reviewer,
            decision=Decision.approved,
            event_type="blog.approved",
            data=data,
        )
    return blog


async def reschedule_blog(
    blog: Blog, *, actor: User, publish_at: datetime, if_match: str | None = None
) -> Blog:
    """Move the publication time of a scheduled post (its author or a reviewer)."""
    if actor.id != blog.author_id and not actor.is_reviewer:
        raise NotAuthor("only the author or a reviewer may change the schedule")
    if blog.status is not BlogStatus.scheduled:
        raise InvalidTransition(
            f"only scheduled posts have a schedule to change; this one is {blog.status.value}"
        )
    check_if_match(blog, if_match)
    _check_future(publish_at)
    async with transaction() as conn:
        # Conditional on the status too: the scheduler may publish it meanwhile.
        updated = (
            await Blog.filter(id=blog.id, version=blog.version, status=BlogStatus.scheduled)
            .using_db(conn)
            .update(
                publish_at=publish_at.astimezone(timezone.utc),
                updated_at=_now(),
                version=blog.version + 1,
            )
        )
        if not updated:
            if if_match is not None:
                raise StaleETag("the post changed since you read it; reload and reapply")
            raise InvalidTransition("the post was published or changed meanwhile; reload it")
        await blog.refresh_from_db(using_db=conn)
        assert blog.publish_at is not None
        await record_event(
            "blog.rescheduled",
            subject_kind="blog",
            subject_id=blog.id,
            actor_id=actor.id,
            audience=_review_audience(blog),
            data={
                "title": blog.title,
                "status": blog.status.value,
                "publish_at": blog.publish_at.isoformat(),
            },
            using_db=conn,
        )
    return blog


async def database_now(conn: BaseDBAsyncClient) -> datetime:
    """The database's clock (PostgreSQL), the one every worker agrees on; SQLite lives in
    this machine, whose clock is the only one there is."""
    if conn.capabilities.dialect == "postgres":
        rows = await conn.execute_query_dict("SELECT clock_timestamp() AS now")
        now: datetime = rows[0]["now"]
        return now
    return _now()


async def seconds_until_next_publication() -> float | None:
    """Seconds (by the database's clock) until the next scheduled post is due; None if none."""
    conn = connections.get("default")
    now = await database_now(conn)
    rows = (
        await Blog.filter(status=BlogStatus.scheduled)
        .using_db(conn)
        .order_by("publish_at")
        .limit(1)
        .values_list("publish_at", flat=True)
    )
    if not rows or rows[0] is None:
        return None
    due: datetime = rows[0]  # type: ignore[assignment]
    return max(0.0, (due - now).total_seconds())


async def publish_due(*, limit: int = 50) -> list[int]:
    """Publish the scheduled posts that are due (by the database's clock); their ids.

    Safe with any number of workers doing it at once: on PostgreSQL the due rows are taken with
    `FOR UPDATE SKIP LOCKED` (a second worker skips what the first holds, and finds them
    published after its commit); everywhere the UPDATE is conditional on the post still being
    scheduled, so each post is published, and its `blog.published` recorded, exactly once.
    """
    published: list[int] = []
    async with transaction() as conn:
        now = await database_now(conn)
        query = (
            Blog.filter(status=BlogStatus.scheduled, publish_at__lte=now)
            .using_db(conn)
            .order_by("publish_at", "id")
            .limit(limit)
        )
        if conn.capabilities.dialect == "postgres":
            query = query.select_for_update(skip_locked=True, of=("blogs",))
        for blog in await query:
            updated = (
                await Blog.filter(id=blog.id, status=BlogStatus.scheduled)
                .using_db(conn)
                .update(
                    status=BlogStatus.approved,
                    published_at=now,
                    updated_at=now,
                    version=blog.version + 1,
                )
            )
            if not updated:
                continue
            await blog.refresh_from_db(using_db=conn)
            tags = await blog.tags.all().using_db(conn).values_list("name", flat=True)
            assert blog.publish_at is not None and blog.published_at is not None
            await record_event(
                "blog.published",
                subject_kind="blog",
                subject_id=blog.id,
                actor_id=None,
                audience=_review_audience(blog, public=True),
                data={
                    "title": blog.title,
                    "status": blog.status.value,
                    "slug": blog.slug,
                    "publish_at": blog.publish_at.isoformat(),
                    "published_at": blog.published_at.isoformat(),
                    "author_id": blog.author_id,
                    "tags": sorted(str(t) for t in tags),
                },
                using_db=conn,
            )
            published.append(blog.id)
    return published


async def reject_blog(
    blog: Blog, *, reviewer: User, reason: str, if_match: str | None = None
) -> Blog:
    """Reject a pending post with a reason the author sees; the author may edit and resubmit."""
    _check_reviewable(blog, reviewer, if_match)
    async with transaction() as conn:
        await _decide(blog, reviewer, conn, status=BlogStatus.rejected, rejection_reason=reason)
        await _record_decision(
            blog,
            conn,
            reviewer=reviewer,
            decision=Decision.rejected,
            event_type="blog.rejected",
            data={"title": blog.title, "status": blog.status.value, "reason": reason},
            reason=reason,
        )
    return blog


# --- importing ----------------------------------------------------------------------------------


@dataclass
class ImportedPost:
    """A post from an export, validated (`data` went through `BlogCreate`) and with its people
    resolved: `reviewer` decided it (approved or rejected posts), never its author."""

    slug: str
    data: BlogCreate
    status: BlogStatus
    author_id: int
    reviewer_id: int | None
    rejection_reason: str | None
    created_at: datetime
    submitted_at: datetime
    published_at: datetime | None


def _render_all(contents: list[str]) -> list[Rendered]:
    return [_render_sync(c) for c in contents]


async def import_posts(posts: Sequence[ImportedPost]) -> set[str]:
    """Create these posts in one transaction unless their slug exists; returns the slugs created.

    The result is what submitting each post and then approving or rejecting it through
    `create_blog` / `approve_blog` / `reject_blog` makes, with the original slug and dates: the
    same rows (post, tags, review, approved version 1) and the same events and notifications
    (`blog.submitted`, then `blog.approved` or `blog.rejected`), written in a few bulk
    statements instead of about twenty round trips per post. A slug twice in `posts`: the
    first wins.
    """
    from blog_api.realtime.events import NewEvent, record_events

    by_slug: dict[str, ImportedPost] = {}
    for post in posts:
        by_slug.setdefault(post.slug, post)
    # Markdown is rendered outside the transaction, in one worker thread for the whole batch.
    candidates = list(by_slug.values())
    rendered = await anyio.to_thread.run_sync(
        _render_all, [p.data.content for p in candidates], limiter=_render_limiter
    )
    async with transaction() as conn:
        present = set(
            await Blog.filter(slug__in=list(by_slug)).using_db(conn).values_list("slug", flat=True)
        )
        todo = [(p, r) for p, r in zip(candidates, rendered, strict=True) if p.slug not in present]
        if not todo:
            return set()
        now = _now()
        await Blog.bulk_create(
            [
                Blog(
                    title=p.data.title,
                    slug=p.slug,
                    content=p.data.content,
                    content_html=r.html,
                    excerpt=r.excerpt,
                    status=p.status,
                    author_id=p.author_id,
                    created_at=p.created_at,
                    updated_at=now,
                    submitted_at=p.submitted_at,
                    reviewed_at=None if p.status is BlogStatus.pending else now,
                    reviewed_by_id=None if p.status is BlogStatus.pending else p.reviewer_id,
                    rejection_reason=p.rejection_reason
                    if p.status is BlogStatus.rejected
                    else None,
                    published_at=p.published_at,
                    # Created (1), then decided (2), as through the workflow.
                    version=1 if p.status is BlogStatus.pending else 2,
                )
                for p, r in todo
            ],
            using_db=conn,
        )
        ids: dict[str, int] = dict(
            await Blog.filter(slug__in=[p.slug for p, _ in todo])
            .using_db(conn)
            .values_list("slug", "id")
        )
        tag_ids = {
            t.name: t.id
            for t in await _tags_named(
                sorted({name for p, _ in todo for name in p.data.tags}), conn
            )
        }
        links = [
            [ids[p.slug], tag_ids[name]] for p, _ in todo for name in dict.fromkeys(p.data.tags)
        ]
        if links:
            # The m2m table has no model: one executemany straight into it.
            tagging = Blog._meta.fields_map["tags"]
            assert isinstance(tagging, ManyToManyFieldInstance)
            marks = "$1, $2" if conn.capabilities.dialect == "postgres" else "?, ?"
            await conn.execute_many(
                f'INSERT INTO "{tagging.through}" ("{tagging.backward_key}",'  # noqa: S608 - model metadata
                f' "{tagging.forward_key}") VALUES ({marks})',
                links,
            )
        decided = [p for p, _ in todo if p.status is not BlogStatus.pending]
        await BlogRevision.bulk_create(
            [
                BlogRevision(
                    blog_id=ids[p.slug],
                    author_id=p.author_id,
                    number=1,
                    base_number=None,
                    title=p.data.title,
                    content=p.data.content,
                    tags=sorted(set(p.data.tags)),
                    image_ids=[],
                    status=BlogStatus.approved,
                    reviewed_at=now,
                    reviewed_by_id=p.reviewer_id,
                )
                for p in decided
                if p.status is BlogStatus.approved
            ],
            using_db=conn,
        )
        await Review.bulk_create(
            [
                Review(
                    blog_id=ids[p.slug],
                    revision_id=None,
                    reviewer_id=p.reviewer_id,
                    decision=Decision(p.status.value),
                    reason=p.rejection_reason if p.status is BlogStatus.rejected else None,
                )
                for p in decided
            ],
            using_db=conn,
        )
        events: list[NewEvent] = []
        for p, _ in todo:
            blog_id = ids[p.slug]
            audience = audience_for(roles=REVIEWER_ROLE_NAMES, user_ids=[p.author_id])
            events.append(
                NewEvent(
                    "blog.submitted",
                    "blog",
                    blog_id,
                    audience,
                    actor_id=p.author_id,
                    data={"title": p.data.title, "status": BlogStatus.pending.value},
                )
            )
            if p.status is BlogStatus.approved:
                events.append(
                    NewEvent(
                        "blog.approved",
                        "blog",
                        blog_id,
                        audience.model_copy(update={"public": True}),
                        actor_id=p.reviewer_id,
                        data={
                            "title": p.data.title,
                            "status": p.status.value,
                            "slug": p.slug,
                            # As `_record_decision` writes them: the public caches use them.
                            **(
                                {"published_at": p.published_at.isoformat()}
                                if p.published_at
                                else {}
                            ),
                            "author_id": p.author_id,
                            "tags": sorted(set(p.data.tags)),
                        },
                    )
                )
            elif p.status is BlogStatus.rejected:
                events.append(
                    NewEvent(
                        "blog.rejected",
                        "blog",
                        blog_id,
                        audience,
                        actor_id=p.reviewer_id,
                        data={
                            "title": p.data.title,
                            "status": p.status.value,
                            "reason": p.rejection_reason,
                        },
                    )
                )
        await record_events(events, using_db=conn)
    return {p.slug for p, _ in todo}


async def _live_number(blog_id: int, conn: BaseDBAsyncClient | None = None) -> int | None:
    row = (
        await BlogRevision.filter(blog_id=blog_id, status=BlogStatus.approved)
        .using_db(conn)
        .annotate(top=Max("number"))
        .values("top")
    )
    return row[0]["top"] if row else None


async def _snapshot(blog: Blog, conn: BaseDBAsyncClient, *, reviewer: User) -> None:
    # The approved text is kept as a numbered revision so later versions can be diffed with it.
    live = await _live_number(blog.id, conn)
    tags = [t.name for t in await blog.tags.all().using_db(conn)]
    image_ids = [i.id for i in await blog.images.all().using_db(conn)]
    await BlogRevision.create(
        blog_id=blog.id,
        author_id=blog.author_id,
        number=(live or 0) + 1,
        base_number=live,
        title=blog.title,
        content=blog.content,
        tags=sorted(tags),
        image_ids=sorted(image_ids),
        status=BlogStatus.approved,
        reviewed_at=blog.reviewed_at,
        reviewed_by_id=reviewer.id,
        using_db=conn,
    )


async def list_reviews(
    blog: Blog, *, viewer: User, limit: int, cursor: str | None
) -> Page[ReviewRead]:
    """The audit trail, oldest first: for the author and reviewers only."""
    if viewer.id != blog.author_id and not viewer.is_reviewer:
        raise Forbidden("the review history is visible to the author and reviewers only")
    query = Review.filter(blog_id=blog.id)
    if cursor:
        query = query.filter(id__gt=_cursor_id(decode_cursor(cursor, ("id",))))
    rows = await query.order_by("id").limit(limit + 1).prefetch_related("reviewer")
    items = [
        ReviewRead(
            id=r.id,
            decision=r.decision,
            reason=r.reason,
            reviewer=UserPublic.model_validate(r.reviewer) if r.reviewer else None,
            revision_id=r.revision_id,
            created_at=r.created_at,
        )
        for r in rows[:limit]
    ]
    next_cursor = encode_cursor({"id": rows[limit - 1].id}) if len(rows) > limit else None
    return Page[ReviewRead](items=items, next_cursor=next_cursor)


# --- revisions of live posts ------------------------------------------------------------------


def _revision_visible(revision: BlogRevision, blog: Blog, viewer: User | None) -> bool:
    if revision.status is BlogStatus.approved:
        return True
    return viewer is not None and (viewer.id == blog.author_id or viewer.is_reviewer)


def revision_read(revision: BlogRevision) -> RevisionRead:
    """Representation of a revision; its author must be loaded."""
    return RevisionRead(
        id=revision.id,
        blog_id=revision.blog_id,
        number=revision.number,
        status=revision.status,
        title=revision.title,
        content=revision.content,
        tags=list(revision.tags),
        image_ids=list(revision.image_ids),
        author=UserPublic.model_validate(revision.author),
        created_at=revision.created_at,
        reviewed_at=revision.reviewed_at,
        rejection_reason=revision.rejection_reason,
    )


async def get_revision(blog: Blog, revision_id: int, *, viewer: User | None) -> BlogRevision:
    """A revision of this post the viewer may see, or 404."""
    revision = await BlogRevision.get_or_none(id=revision_id, blog_id=blog.id)
    if revision is None or not _revision_visible(revision, blog, viewer):
        raise RevisionNotFound(f"blog {blog.id} has no revision {revision_id}")
    await revision.fetch_related("author")
    return revision


async def propose_revision(blog: Blog, data: RevisionCreate, *, author: User) -> BlogRevision:
    """Propose a new text for an approved post; the live text stays until a reviewer approves."""
    if author.id != blog.author_id:
        raise NotAuthor("only the author may propose a revision")
    if blog.status is not BlogStatus.approved:
        raise InvalidTransition(
            f"only approved posts take revisions; edit this {blog.status.value} post with PUT"
        )
    if await BlogRevision.exists(blog_id=blog.id, status=BlogStatus.pending):
        raise InvalidTransition("a revision of this post is already waiting for review")
    images = await media_service.resolve_owned_images(data.image_ids, owner=author)
    async with transaction() as conn:
        # The check above is only a fast path: concurrent proposals all pass it. Bumping the
        # post's version admits exactly one of them; the others match no row and get a 409.
        claimed = (
            await Blog.filter(id=blog.id, version=blog.version, status=BlogStatus.approved)
            .using_db(conn)
            .update(version=blog.version + 1)
        )
        if not claimed:
            raise InvalidTransition(
                "the post changed meanwhile (another revision may be waiting for review); reload it"
            )
        blog.version += 1
        revision = await BlogRevision.create(
            blog_id=blog.id,
            author_id=author.id,
            base_number=await _live_number(blog.id, conn),
            title=data.title,
            content=data.content,
            tags=list(data.tags),
            image_ids=[i.id for i in images],
            status=BlogStatus.pending,
            using_db=conn,
        )
        await record_event(
            "blog.revision_submitted",
            subject_kind="blog",
            subject_id=blog.id,
            actor_id=author.id,
            audience=_review_audience(blog),
            data={"title": blog.title, "status": blog.status.value, "revision_id": revision.id},
            using_db=conn,
        )
    await revision.fetch_related("author")
    return revision


def _check_revision_reviewable(revision: BlogRevision, reviewer: User) -> None:
    if reviewer.id == revision.author_id:
        raise SelfReview("reviewers cannot approve or reject their own revisions")
    if revision.status is not BlogStatus.pending:
        raise InvalidTransition(
            f"only pending revisions can be reviewed; this one is {revision.status.value}"
        )


async def approve_revision(blog: Blog, revision: BlogRevision, *, reviewer: User) -> BlogRevision:
    """Make a pending revision the live text; the previous text stays in the history."""
    _check_revision_reviewable(revision, reviewer)
    live = await _live_number(blog.id)
    if revision.base_number != live:
        raise InvalidTransition(
            "the post changed since this revision was proposed; reject it and propose again"
        )
    rendered = await _render(revision.content)
    now = _now()
    async with transaction() as conn:
        taken = (
            await BlogRevision.filter(id=revision.id, status=BlogStatus.pending)
            .using_db(conn)
            .update(
                status=BlogStatus.approved,
                number=(live or 0) + 1,
                reviewed_at=now,
                reviewed_by_id=reviewer.id,
            )
        )
        updated = (
            await Blog.filter(id=blog.id, version=blog.version, status=BlogStatus.approved)
            .using_db(conn)
            .update(
                title=revision.title,
                content=revision.content,
                content_html=rendered.html,
                excerpt=rendered.excerpt,
                updated_at=now,
                reviewed_at=now,
                reviewed_by_id=reviewer.id,
                version=blog.version + 1,
            )
        )
        if not taken or not updated:
            raise InvalidTransition("the revision or the post changed meanwhile; reload them")
        await blog.refresh_from_db(using_db=conn)
        images = await Image.filter(id__in=revision.image_ids, owner_id=blog.author_id).using_db(
            conn
        )
        await _set_relations(blog, revision.tags, list(images), conn)
        await _record_decision(
            blog,
            conn,
            reviewer=reviewer,
            decision=Decision.approved,
            event_type="blog.revision_approved",
            data={"title": blog.title, "status": blog.status.value, "revision_id": revision.id},
            revision_id=revision.id,
        )
    await revision.refresh_from_db()
    await revision.fetch_related("author")
    return revision


async def reject_revision(
    blog: Blog, revision: BlogRevision, *, reviewer: User, reason: str
) -> BlogRevision:
    """Reject a pending revision; the live text stays as it is."""
    _check_revision_reviewable(revision, reviewer)
    now = _now()
    async with transaction() as conn:
        taken = (
            await BlogRevision.filter(id=revision.id, status=BlogStatus.pending)
            .using_db(conn)
            .update(
                status=BlogStatus.rejected,
                reviewed_at=now,
                reviewed_by_id=reviewer.id,
                rejection_reason=reason,
            )
        )
        if not taken:
            raise InvalidTransition("the revision was reviewed meanwhile; reload it")
        await _record_decision(
            blog,
            conn,
            reviewer=reviewer,
            decision=Decision.rejected,
            event_type="blog.revision_rejected",
            data={"title": blog.title, "revision_id": revision.id, "reason": reason},
            reason=reason,
            revision_id=revision.id,
        )
    await revision.refresh_from_db()
    await revision.fetch_related("author")
    return revision


async def list_revisions(
    blog: Blog, *, viewer: User | None, limit: int, cursor: str | None
) -> Page[RevisionRead]:
    """Approved versions for everyone; proposals and rejected ones for the author and reviewers."""
    query = BlogRevision.filter(blog_id=blog.id)
    if not (viewer is not None and (viewer.id == blog.author_id or viewer.is_reviewer)):
        query = query.filter(status=BlogStatus.approved)
    if cursor:
        query = query.filter(id__gt=_cursor_id(decode_cursor(cursor, ("id",))))
    rows = await query.order_by("id").limit(limit + 1).prefetch_related("author")
    items = [revision_read(r) for r in rows[:limit]]
    next_cursor = encode_cursor({"id": rows[limit - 1].id}) if len(rows) > limit else None
    return Page[RevisionRead](items=items, next_cursor=next_cursor)


def _label(revision: BlogRevision) -> str:
    return f"v{revision.number}" if revision.number else f"revision-{revision.id}"


def _unified(a: str, b: str, *, old: str, new: str) -> str:
    return "\n".join(
        difflib.unified_diff(a.splitlines(), b.splitlines(), fromfile=old, tofile=new, lineterm="")
    )


async def diff_revisions(
    blog: Blog, from_id: int, to_id: int, *, viewer: User | None
) -> RevisionDiff:
    """Unified diffs of title and content between two revisions of the same post."""
    old = await get_revision(blog, from_id, viewer=viewer)
    new = await get_revision(blog, to_id, viewer=viewer)
    old_label, new_label = _label(old), _label(new)
    return RevisionDiff(
        from_revision=old.id,
        to_revision=new.id,
        title_diff=_unified(
            old.title, new.title, old=f"{old_label}/title", new=f"{new_label}/title"
        ),
        content_diff=_unified(
            old.content, new.content, old=f"{old_label}/content", new=f"{new_label}/content"
        ),
    )
