"""The mail queue: jobs are queued after commit and sent by a background consumer.

Nothing is sent inside a request. A service calls `mail.service.enqueue(...)` inside its
transaction, which also writes the job to the mail outbox table (`mail.outbox`); once it
commits, the job is handed to this process's queue, and the consumer sends it. The outbox row
goes once the queue holds the job; one left behind (a crash right after the commit, Redis away)
is handed over by the outbox sweep. Two implementations, one contract (at-least-once delivery,
retries after `MAIL_RETRY_SECONDS` up to `MAIL_MAX_ATTEMPTS` attempts, then a dead-letter
record):

- `RedisMailQueue` (with REDIS_URL): the stream `{prefix}:mail`, one consumer group `mailers`
  shared by every worker of every host. Each worker reads new jobs with `XREADGROUP`, sends, then
  `XACK`s (and deletes the entry). A job whose send failed, or whose worker died mid-way, stays
  pending; `XAUTOCLAIM` hands it to a live worker once it has been idle `MAIL_RETRY_SECONDS`:
  that is both the retry and the recovery of a dead worker's jobs. Attempts are counted in the
  hash `{prefix}:mail:attempts`; after the last one the job goes to the stream
  `{prefix}:mail:dead` (recipient, template, error, attempts: never the context, which may hold
  a token) and is acknowledged.
- `MemoryMailQueue` (no Redis, one process): an asyncio queue; a failed job is put back after
  `MAIL_RETRY_SECONDS`; dead letters are kept in `dead` and logged. Its outbox row stays until
  the job is sent or given up, so jobs not yet sent when the process stops are sent after the
  next start (by the sweep).

Why a stream of its own and not the event stream: mails carry secrets (a verification or reset
link) and the event stream is what SSE and WebSocket clients are fed from; an event there would
also live in the outbox table. The mail stream is read only by mail consumers, and a job is
deleted once sent.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from redis.exceptions import RedisError, ResponseError

from blog_api.core.redis import hash_tag, redis_client
from blog_api.mail import outbox
from blog_api.mail.message import MailJob
from blog_api.mail.sender import DeliveryError, MailSender
from blog_api.mail.templates import TemplateMissing, render

logger = logging.getLogger("blog_api.mail")


def _being_cancelled() -> bool:
    task = asyncio.current_task()
    cancelling = getattr(task, "cancelling", None)  # Python 3.11+
    return bool(cancelling and cancelling())


@dataclass(frozen=True)
class DeadLetter:
    """A job given up on: what the dead-letter record keeps (no context: it may hold a token)."""

    job_id: str
    template: str
    to: str
    attempts: int
    error: str
    failed_at: datetime


class MailQueue(ABC):
    """Queue jobs (`submit`, synchronous: it runs in an after-commit hook) and send them."""

    def __init__(self, sender: MailSender, *, max_attempts: int, retry_seconds: float) -> None:
        self.sender = sender
        self.max_attempts = max_attempts
        self.retry_seconds = retry_seconds
        self._tasks: set[asyncio.Task[Any]] = set()

    @abstractmethod
    def submit(self, job: MailJob) -> None:
        """Queue `job`; returns at once."""

    @abstractmethod
    async def hand_over(self, job: MailJob) -> bool:
        """Queue `job` now (the outbox sweep): whether the queue holds it."""

    @abstractmethod
    async def start(self) -> None:
        """Start the consumer."""

    @abstractmethod
    async def stop(self) -> None:
        """Stop the consumer; unsent jobs stay queued (Redis) or in the outbox (memory), and
        are sent after the next start."""

    def _spawn(self, coro: Any, name: str) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    @staticmethod
    async def _end(task: asyncio.Task[Any]) -> None:
        """Cancel `task` until it ends: a send cut short may surface the cancellation as an
        SMTP error, which the consumer treats as a failed attempt and carries on."""
        while not task.done():
            task.cancel()
            await asyncio.wait([task], timeout=0.5)

    async def _cancel_tasks(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=5.0)

    async def deliver(self, job: MailJob) -> tuple[bool, bool, str]:
        """Render and send `job`: (sent, retry worth it, error)."""
        try:
            message = render(job)
        except TemplateMissing as exc:
            return False, False, f"unknown template {exc}"
        except Exception as exc:  # a template error will not fix itself
            logger.exception("mail template failed", extra={"template": job.template})
            return False, False, f"template error: {type(exc).__name__}"
        try:
            await self.sender.send(message)
        except DeliveryError as exc:
            if _being_cancelled():
                raise asyncio.CancelledError from exc

            return False, not exc.permanent, str(exc)
        except Exception as exc:
            logger.exception("mail sender failed", extra={"template": job.template})
            return False, True, f"{type(exc).__name__}: {exc}"
        logger.info("mail sent", extra={"template": job.template, "job": job.id, "to": job.to})
        return True, False, ""

    def _give_up(self, job: MailJob, attempts: int, error: str) -> DeadLetter:
        logger.error(
            "mail given up (dead letter)",
            extra={"template": job.template, "job": job.id, "attempts": attempts, "error": error},
        )
        return DeadLetter(
            job_id=job.id,
            template=job.template,
            to=job.to,
            attempts=attempts,
            error=error,
            failed_at=datetime.now(timezone.utc),
        )


class MemoryMailQueue(MailQueue):
    """One process, no Redis: an asyncio queue and one consumer task."""

    def __init__(self, sender: MailSender, *, max_attempts: int, retry_seconds: float) -> None:
        super().__init__(sender, max_attempts=max_attempts, retry_seconds=retry_seconds)
        self._queue: asyncio.Queue[tuple[MailJob, int]] = asyncio.Queue()
        self.dead: list[DeadLetter] = []
        self._consumer: asyncio.Task[None] | None = None
        # Jobs queued or waiting for a retry here: the sweep must not queue them twice.
        self._held: set[str] = set()

    def submit(self, job: MailJob) -> None:
        if job.id not in self._held:
            self._held.add(job.id)
            self._queue.put_nowait((job, 0))

    async def hand_over(self, job: MailJob) -> bool:
        self.submit(job)
        return True

    async def start(self) -> None:
        self._consumer = asyncio.create_task(self._run(), name="mail-consumer")

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._end(self._consumer)
            self._consumer = None
        await self._cancel_tasks()
        if not self._queue.empty():
            count = self._queue.qsize()
            logger.warning("mail queue stopped with unsent mail", extra={"count": count})

    async def _run(self) -> None:
        while True:
            job, attempts = await self._queue.get()
            attempts += 1
            sent, retry, error = await self.deliver(job)
            if not sent and retry and attempts < self.max_attempts:
                logger.warning(
                    "mail not sent; will retry",
                    extra={"job": job.id, "attempts": attempts, "error": error},
                )
                self._spawn(self._later(job, attempts), "mail-retry")
                continue
            if not sent:
                self.dead.append(self._give_up(job, attempts, error))
            # Row first: a sweep between the two would find the row and no job held here.
            await outbox.settle(job.id)
            self._held.discard(job.id)

    async def _later(self, job: MailJob, attempts: int) -> None:
        await asyncio.sleep(self.retry_seconds)
        self._queue.put_nowait((job, attempts))


GROUP = "mailers"


class RedisMailQueue(MailQueue):
    """The mail stream and its consumer group (see the module docstring)."""

    def __init__(
        self,
        url: str,
        sender: MailSender,
        *,
        max_attempts: int,
        retry_seconds: float,
        prefix: str = "blog_api",
        block_ms: int = 2000,
        maxlen: int = 100_000,
        cluster: bool = False,
    ) -> None:
        super().__init__(sender, max_attempts=max_attempts, retry_seconds=retry_seconds)
        # On a cluster `{blog_api:mail}...`: `_finish` is a MULTI over the stream and the
        # attempts hash, so they share a slot (apart from the event stream's, to spread load).
        mail = hash_tag(f"{prefix}:mail", cluster=cluster)
        self.stream_key = mail
        self.attempts_key = f"{mail}:attempts"
        self.dead_key = f"{mail}:dead"
        self.block_ms = block_ms
        self.maxlen = maxlen
        # The consumer's name must differ between live workers; a restarted worker gets a new
        # one, and what its predecessor left pending is claimed by XAUTOCLAIM.
        self.consumer = f"{socket.gethostname()}-{os.getpid()}-{id(self):x}"
        self.client = redis_client(url, cluster=cluster)
        # The blocking read has its own connection, with a timeout longer than the block.
        self.reader = redis_client(url, cluster=cluster, socket_timeout=block_ms / 1000 + 5)
        self._consumer: asyncio.Task[None] | None = None

    def submit(self, job: MailJob) -> None:
        self._spawn(self._push(job), "mail-enqueue")

    async def _push(self, job: MailJob) -> None:
        delay = 0.2
        for attempt in range(5):
            try:
                await self._xadd(job)
            except RedisError as exc:
                if attempt == 4:
                    # The job stays in the outbox: the sweep hands it over once Redis is back.
                    logger.warning(
                        "mail left in the outbox: Redis unreachable",
                        extra={"template": job.template, "job": job.id, "error": str(exc)},
                    )
                    return
                await asyncio.sleep(delay)
                delay *= 2
            else:
                await outbox.settle(job.id)
                return

    async def hand_over(self, job: MailJob) -> bool:
        try:
            await self._xadd(job)
        except RedisError as exc:
            logger.warning(
                "mail outbox: Redis unreachable, job kept",
                extra={"job": job.id, "error": str(exc)},
            )
            return False
        await outbox.settle(job.id)
        return True

    async def _xadd(self, job: MailJob) -> None:
        await self.client.xadd(
            self.stream_key, {"j": job.model_dump_json()}, maxlen=self.maxlen, approximate=True
        )

    async def _ensure_group(self) -> None:
        try:
            # From the start of the stream: jobs queued before any consumer existed are read.
            await self.client.xgroup_create(self.stream_key, GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def start(self) -> None:
        self._consumer = asyncio.create_task(self._run(), name="mail-consumer")

    async def stop(self) -> None:
        # Cancelling may cut a send short: the job stays pending and is claimed again
        # (at-least-once). Queued pushes get a moment to finish first.
        pushes = [t for t in self._tasks if t.get_name() == "mail-enqueue"]
        if pushes:
            await asyncio.wait(pushes, timeout=2.0)
        if self._consumer is not None:
            await self._end(self._consumer)
            self._consumer = None
        await self._cancel_tasks()
        await self.reader.aclose()
        await self.client.aclose()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_claim = 0.0
        backoff = 0.2
        ready = False
        while True:
            try:
                if not ready:
                    await self._ensure_group()
                    ready = True
                if loop.time() >= next_claim:
                    await self._claim_idle()
                    next_claim = loop.time() + max(self.retry_seconds / 2, 0.05)
                block = int(min(self.block_ms, max(next_claim - loop.time(), 0.01) * 1000))
                answer: Any = await self.reader.xreadgroup(
                    GROUP, self.consumer, {self.stream_key: ">"}, count=10, block=max(block, 1)
                )
                for _stream, entries in answer or []:
                    for entry_id, fields in entries:
                        await self._handle(entry_id, fields)
                backoff = 0.2
            except asyncio.CancelledError:
                raise
            except ResponseError as exc:
                # The stream was deleted (FLUSHDB, a wiped Redis) while we read or claimed:
                # recreate the group and go on.
                if "NOGROUP" in str(exc) or "UNBLOCKED" in str(exc):
                    ready = False
                    continue
                logger.exception("mail consumer failed; retrying")
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
            except RedisError as exc:
                logger.warning("mail consumer: Redis unavailable", extra={"error": str(exc)})
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def _claim_idle(self) -> None:
        """Take over jobs pending longer than the retry delay: failed sends and dead workers'."""
        start = "0-0"
        while True:
            result = await self.client.xautoclaim(
                self.stream_key,
                GROUP,
                self.consumer,
                min_idle_time=int(self.retry_seconds * 1000),
                start_id=start,
                count=10,
            )
            start, entries = result[0], result[1]
            for entry_id, fields in entries:
                if fields is None:  # deleted while pending
                    await self.client.xack(self.stream_key, GROUP, entry_id)
                    continue
                await self._handle(entry_id, fields)
            if start in ("0-0", b"0-0") or not entries:
                return

    async def _handle(self, entry_id: str, fields: dict[str, str]) -> None:
        try:
            job = MailJob.model_validate_json(fields["j"])
        except (KeyError, ValueError):
            logger.error("unreadable mail job dropped", extra={"entry": entry_id})
            await self._finish(entry_id)
            return
        attempts = int(await self.client.hincrby(self.attempts_key, entry_id, 1))
        sent, retry, error = await self.deliver(job)
        if sent:
            await self._finish(entry_id)
            return
        if retry and attempts < self.max_attempts:
            # Left pending: XAUTOCLAIM retries it once it has been idle retry_seconds.
            logger.warning(
                "mail not sent; will retry",
                extra={"job": job.id, "attempts": attempts, "error": error},
            )
            return
        dead = self._give_up(job, attempts, error)
        await self.client.xadd(
            self.dead_key,
            {
                "job": dead.job_id,
                "template": dead.template,
                "to": dead.to,
                "attempts": str(dead.attempts),
                "error": dead.error[:1000],
                "failed_at": dead.failed_at.isoformat(),
            },
            maxlen=10_000,
            approximate=True,
        )
        await self._finish(entry_id)

    async def _finish(self, entry_id: str) -> None:
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.xack(self.stream_key, GROUP, entry_id)
            pipe.xdel(self.stream_key, entry_id)
            pipe.hdel(self.attempts_key, entry_id)
            await pipe.execute()

    async def dead_letters(self, count: int = 100) -> list[dict[str, str]]:
        """The newest dead letters (operators and tests)."""
        rows: Any = await self.client.xrevrange(self.dead_key, count=count)
        return [dict(fields) for _id, fields in rows]
