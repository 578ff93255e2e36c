"""When a post last left the public feeds, as far as this worker knows: a floor for the feeds'
Last-Modified.

A feed's Last-Modified is the newest change of the posts it shows, which cannot see a post
that is no longer there: deleting the newest post moved it back to the next one's time (and
deleting another one did not move it at all), so a reader that sends only If-Modified-Since was
told its copy, still showing the deleted post, was current (304). Every worker follows the
event stream (its change listeners, like the public cache), so each one moves this clock when
a public post is deleted or a revision is approved (its tags may change: it may leave a tag's
feed). A worker counts from its own start, since it cannot know what happened before; so
workers may answer slightly different Last-Modified values for the same feed, which only costs
a reader one full answer. The documents themselves (and their ETags) do not depend on it.

While the stream is down, other workers learn of a deletion only when it is back (a reset
moves the clock too); the worker that made the change knows at once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone

from fastapi import FastAPI, Request

from blog_api.blogs.models import BlogStatus
from blog_api.realtime.bus import StreamReset
from blog_api.realtime.events import Event
from blog_api.realtime.runtime import add_change_listener

# A revision may drop a tag (the post leaves that tag's feeds).
_REMOVING_EVENTS = frozenset({"blog.deleted", "blog.revision_approved"})


def _now() -> datetime:
    """Now, rounded up to the next whole second: Last-Modified carries whole seconds, so a
    removal 0.7 s into the second a reader was told about must still come out later."""
    return datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=1)


class RemovalClock:
    """The latest time (this worker's clock) a post may have left a public feed."""

    def __init__(self) -> None:
        self.at = _now()
        # The removal last counted: the writer's worker hears of its own event twice (after its
        # commit, then from the stream), and the second must not move the clock again.
        self._last: tuple[str, str, int, datetime] | None = None

    def restart(self) -> None:
        """Count from now: what happened before this worker followed the stream is unknown."""
        self.at = max(self.at, _now())

    def on_change(self, item: Event | StreamReset) -> None:
        """Change listener: move the clock for a removal, or when events may have been missed."""
        if isinstance(item, Event):
            if item.type not in _REMOVING_EVENTS:
                return
            # A post that was not public (pending, rejected, scheduled) was in no feed.
            was = item.data.get("status")
            if item.type == "blog.deleted" and was != BlogStatus.approved.value:
                return
            key = (item.type, item.subject.kind, item.subject.id, item.occurred_at)
            if key == self._last:
                return
            self._last = key
        # The time it is learnt of, not `occurred_at`: that is the writer's clock, which may
        # lag behind the times this worker already answered with. And a second past the clock's
        # last value, which a reader may hold already (answers carry whole seconds).
        self.at = max(self.at + timedelta(seconds=1), _now())


def install_feed_clock(app: FastAPI) -> None:
    """Keep a `RemovalClock` on `app.state.feed_clock`, moved by the event stream (install
    after the event machinery: the clock starts once the stream is being followed)."""
    clock = RemovalClock()
    add_change_listener(app, clock.on_change)
    app.state.feed_clock = clock

    @asynccontextmanager
    async def feed_clock_lifespan(_app: FastAPI) -> AsyncIterator[None]:
        clock.restart()
        yield

    app.state.lifespan_hooks.append(feed_clock_lifespan)


def removed_at(request: Request) -> datetime | None:
    """The app's removal clock (None in an app without one)."""
    clock: RemovalClock | None = getattr(request.app.state, "feed_clock", None)
    return None if clock is None else clock.at
