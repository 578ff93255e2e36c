"""Password-reset requests are answered first and handled afterwards, in the background.

Why: whether an address has an account must not show in the answer to `POST /password/forgot`,
nor in how long it takes. Handled in the request, a known address costs a lookup, a delete, an
update, an insert and a commit, an unknown one a single lookup: a timing oracle for registered
addresses. So the request only hands the address to this worker's queue (the same constant work
for every address, no database statement at all), and one consumer task per worker looks the
account up, stores the token and queues the mail (`accounts.service.send_password_reset`).

The queue lives in the worker's memory: a request accepted just before the worker dies is lost
(no link arrives; the user asks again, as for any lost mail). At shutdown the queue is worked off
for up to `DRAIN_SECONDS`. At most `MAX_PENDING` requests wait; beyond that new ones are dropped
and logged (the rate limits of `/password/forgot` keep a backlog that size from forming).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request

from blog_api.accounts import service as accounts_service
from blog_api.core.config import Settings

logger = logging.getLogger("blog_api.accounts")

MAX_PENDING = 10_000
DRAIN_SECONDS = 5.0


class ResetRequests:
    """This worker's queue of reset requests and the task that works it off, one at a time."""

    def __init__(self, settings: Settings, *, max_pending: int = MAX_PENDING) -> None:
        self.settings = settings
        self._queue: asyncio.Queue[str] = asyncio.Queue(maxsize=max_pending)
        self._task: asyncio.Task[None] | None = None
        self._overflowing = False

    def submit(self, email: str) -> None:
        """Queue a request; returns at once, whatever the address."""
        try:
            self._queue.put_nowait(email)
        except asyncio.QueueFull:
            # Logged once per backlog, not once per dropped request.
            if not self._overflowing:
                self._overflowing = True
                logger.warning("password reset requests are piling up; new ones are dropped")

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="password-reset-requests")

    async def stop(self) -> None:
        """Work off what was accepted (up to `DRAIN_SECONDS`), then end the task."""
        if self._task is None:
            return
        try:
            await asyncio.wait_for(self._queue.join(), timeout=DRAIN_SECONDS)
        except asyncio.TimeoutError:  # (not the built-in TimeoutError before Python 3.11)
            logger.warning(
                "stopped with password reset requests not handled",
                extra={"count": self._queue.qsize()},
            )
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _run(self) -> None:
        while True:
            email = await self._queue.get()
            try:
                await accounts_service.send_password_reset(email, settings=self.settings)
            except Exception:
                # One failed request (the database away for a moment) must not stop the others.
                logger.exception("password reset request failed")
            finally:
                self._queue.task_done()
                if self._queue.empty():
                    self._overflowing = False


def install_reset_requests(app: FastAPI) -> None:
    """Run the app's reset-request consumer for the app's lifetime.

    Installed after the mail queue, so it stops first: the requests worked off at shutdown
    still have a queue for their mail (and the database, which outlives every hook).
    """
    requests = ResetRequests(app.state.settings)
    app.state.reset_requests = requests

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await requests.start()
        try:
            yield
        finally:
            await requests.stop()

    app.state.lifespan_hooks.append(lifespan)


def get_reset_requests(request: Request) -> ResetRequests:
    """The running app's reset-request queue."""
    requests: ResetRequests = request.app.state.reset_requests
    return requests


ResetRequestsDep = Annotated[ResetRequests, Depends(get_reset_requests)]
