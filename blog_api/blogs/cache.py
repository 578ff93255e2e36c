"""Which public answers of `/api/blogs` and `/api/tags` are cached, and what each event drops.

Stored (core/response_cache.py): the public list (approved posts, any filter and cursor), the
detail of an approved post (by id and by slug) and the tag list. Never stored: `mine=true`, the
review queue, a post that is not approved, any error.

Dropped when a post's event arrives (on every worker, from the event stream; on the worker that
committed it, at once):
- the post's own detail entries, and every list page that shows it (any event of the post);
- when it is approved or a revision of it is approved (it enters lists, or its tags and text
  change): the list pages whose window covers where it sorts and whose filter it may match;
- the tag list, when an approval or a deletion can change the counts.

A list page's *window* is the range of sort keys `(published_at, id)` it is the answer for:
from its last item (or the very beginning when it is the last page) up to its cursor (or the
newest post when it is the first page). A post sorting outside every cached window cannot
change a cached page, so the deep pages of a long list survive the approval of a new post.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import FastAPI

from blog_api.blogs.schemas import BlogSummary
from blog_api.blogs.service import list_position, tag_filter_name
from blog_api.core.pagination import Page
from blog_api.core.response_cache import Entry, ResponseCache, mark_public
from blog_api.realtime.bus import StreamReset
from blog_api.realtime.events import Event
from blog_api.realtime.runtime import add_change_listener

SortKey = tuple[datetime, int]

# The paths whose GETs the cache looks at (anything else passes straight through).
PUBLIC_CACHE_PREFIXES = ("/api/blogs", "/api/tags")
LIST_LABEL = "blogs:list"
TAGS_LABEL = "tags"
# Events after which a post may enter lists or move in them (new tags, new text).
_LISTING_EVENTS = frozenset({"blog.approved", "blog.published", "blog.revision_approved"})
# Events after which tag counts may change.
_TAG_EVENTS = frozenset(
    {"blog.approved", "blog.published", "blog.revision_approved", "blog.deleted"}
)


def blog_label(blog_id: int) -> str:
    """The label of every entry that shows post `blog_id`."""
    return f"blog:{blog_id}"


@dataclass(frozen=True, slots=True)
class ListWindow:
    """What a cached list page answers for: its filters and the sort keys it covers."""

    tag: str | None
    author_id: int | None
    newest: SortKey | None  # exclusive upper bound (the cursor); None: the first page
    oldest: SortKey | None  # inclusive lower bound (the last item); None: the last page

    def may_show(self, key: SortKey, *, author_id: int | None, tags: list[str]) -> bool:
        """Could a post sorting at `key`, by `author_id`, with `tags`, appear on this page?"""
        if self.tag is not None and self.tag not in tags:
            return False
        if self.author_id is not None and self.author_id != author_id:
            return False
        # A search filter cannot be evaluated here: assume it matches.
        if self.newest is not None and not key < self.newest:
            return False
        return self.oldest is None or not key < self.oldest


def mark_public_list(
    page: Page[BlogSummary], *, cursor: str | None, tag: str | None, author_id: int | None
) -> None:
    """Declare a page of approved posts public, with its window (see the module docstring)."""
    last = page.items[-1] if page.items and page.next_cursor else None
    window = ListWindow(
        # The list filters on the tag's normal form; events carry tags in that form.
        tag=tag_filter_name(tag) if tag is not None else None,
        author_id=author_id,
        newest=list_position(cursor) if cursor else None,
        oldest=(last.published_at, last.id) if last and last.published_at else None,
    )
    mark_public({LIST_LABEL, *(blog_label(item.id) for item in page.items)}, meta=window)


def mark_public_post(blog_id: int) -> None:
    """Declare the detail of an approved post public."""
    mark_public({blog_label(blog_id)})


def mark_public_tags() -> None:
    """Declare the tag list public."""
    mark_public({TAGS_LABEL})


@dataclass(frozen=True, slots=True)
class _Listing:
    """Where a post sorts and what list filters it matches, from its event's data."""

    key: SortKey
    author_id: int | None
    tags: list[str]


def _listing(event: Event) -> _Listing | None:
    data: dict[str, Any] = event.data
    published, author_id, tags = data.get("published_at"), data.get("author_id"), data.get("tags")
    if not isinstance(published, str) or not isinstance(tags, list):
        return None
    try:
        key = (datetime.fromisoformat(published), event.subject.id)
    except ValueError:
        return None
    return _Listing(
        key=key,
        author_id=author_id if isinstance(author_id, int) else None,
        tags=[t for t in tags if isinstance(t, str)],
    )


def invalidate(cache: ResponseCache, item: Event | StreamReset) -> None:
    """Drop the entries `item` may have made stale (everything on a stream reset)."""
    if isinstance(item, StreamReset):
        cache.clear()
        return
    if item.subject.kind != "blog":
        return
    label = blog_label(item.subject.id)
    lists_change = item.type in _LISTING_EVENTS
    # Without where the post sorts (an event from an import), every list page may change.
    listing = _listing(item) if lists_change else None
    tags_change = item.type in _TAG_EVENTS

    def stale(entry: Entry) -> bool:
        if label in entry.labels or (tags_change and TAGS_LABEL in entry.labels):
            return True
        if not lists_change or LIST_LABEL not in entry.labels:
            return False
        window = entry.meta
        if listing is None or not isinstance(window, ListWindow):
            return True
        return window.may_show(listing.key, author_id=listing.author_id, tags=listing.tags)

    cache.drop_where(stale)


def install_public_cache(app: FastAPI, cache: ResponseCache) -> None:
    """Keep `cache` in step with the event stream of `app`."""
    add_change_listener(app, lambda item: invalidate(cache, item))
