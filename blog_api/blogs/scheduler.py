"""Scheduled publishing: every worker runs one `PublicationScheduler`; any of them publishes.

Each worker asks the database when the next scheduled post is due (by the database's clock, so
a worker whose own clock is off still publishes on time: its clock only measures the wait), sleeps
until then and publishes what is due with `blogs_service.publish_due`, which is exactly-once
across workers (`FOR UPDATE SKIP LOCKED` on PostgreSQL, a conditional UPDATE everywhere).

A schedule made or moved on any worker reaches the others as an event (`blog.approved` with a
`publish_at`, `blog.rescheduled`), which wakes their schedulers to look again, so the earliest
due post is always being waited for by every live worker. `poll_seconds` bounds the wait anyway
(an event missed during a Redis outage). After an outage of every worker, the first one to start
publishes the overdue posts at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI

from blog_api.blogs import service as blogs_service
from blog_api.realtime.bus import StreamReset
from blog_api.realtime.events import Event
from blog_api.realtime.runtime import add_change_listener

logger = logging.getLogger("blog_api.blogs.scheduler")

# Events after which the next due time may have moved.
_SCHEDULE_EVENTS = frozenset({"blog.approved", "blog.rescheduled", "blog.deleted"})
# Slack added to a computed wait, so the wake-up is not a hair before the due time.
_EPSILON_SECONDS = 0.005


class PublicationScheduler:
    """The background task of one worker that publishes scheduled posts when they are due."""

    def __init__(self, *, poll_seconds: float) -> None:
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Look at the schedule again now (a schedule was made or moved)."""
        self._wake.set()

    def on_change(self, item: Event | StreamReset) -> None:
        """Change listener: wake for events that may move the next due time."""
        if isinstance(item, StreamReset) or item.type in _SCHEDULE_EVENTS:
            self.wake()

    async def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="blog-publication-scheduler")

    async def stop(self) -> None:
        """Let a round in progress finish (cancelling a database call can break the pool)."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout=5.0)
            except asyncio.TimeoutError:
                self._task.cancel()
                await asyncio.wait([self._task], timeout=1.0)
            self._task = None

    async def run_once(self) -> float:
        """Publish what is due; return how long to wait before looking again."""
        published = await blogs_service.publish_due()
        if published:
            logger.info("published scheduled posts", extra={"blog_ids": published})
            return 0.0  # a full batch may have left more
        due_in = await blogs_service.seconds_until_next_publication()
        if due_in is None:
            return self.poll_seconds
        return min(due_in + _EPSILON_SECONDS, self.poll_seconds)

    async def _run(self) -> None:
        backoff = 0.5
        while not self._stopping:
            # Cleared before the look: a wake during the round means look again.
            self._wake.clear()
            try:
                delay = await self.run_once()
                backoff = 0.5
            except asyncio.CancelledError:
                raise
            except Exception:
                if self._stopping:
                    return
                logger.exception("publishing scheduled posts failed; retrying")
                delay, backoff = backoff, min(backoff * 2, self.poll_seconds)
            if delay <= 0:
                continue
            with suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)


def install_scheduler(app: FastAPI, *, poll_seconds: float) -> None:
    """Run a `PublicationScheduler` in the app's lifespan (after the event machinery)."""
    scheduler = PublicationScheduler(poll_seconds=poll_seconds)
    add_change_listener(app, scheduler.on_change)

    @asynccontextmanager
    async def scheduler_lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await scheduler.start()
        try:
            yield
        finally:
            await scheduler.stop()

    app.state.publication_scheduler = scheduler
    app.state.lifespan_hooks.append(scheduler_lifespan)
