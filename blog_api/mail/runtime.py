"""Wiring: the app's mail queue and consumer, started and stopped with the app."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from blog_api.core.config import Environment, Settings
from blog_api.mail import service as mail_service
from blog_api.mail.outbox import OutboxSweeper
from blog_api.mail.queue import MailQueue, MemoryMailQueue, RedisMailQueue
from blog_api.mail.sender import sender_for

logger = logging.getLogger("blog_api.mail")


def build_queue(settings: Settings) -> MailQueue:
    """The Redis stream consumer with REDIS_URL, the in-process queue otherwise."""
    sender = sender_for(settings)
    if settings.uses_redis:
        return RedisMailQueue(
            settings.redis_url,
            sender,
            max_attempts=settings.mail_max_attempts,
            retry_seconds=settings.mail_retry_seconds,
            cluster=settings.redis_cluster,
        )
    return MemoryMailQueue(
        sender,
        max_attempts=settings.mail_max_attempts,
        retry_seconds=settings.mail_retry_seconds,
    )


@asynccontextmanager
async def mail_lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    if settings.environment is Environment.production and not settings.uses_smtp:
        logger.warning("SMTP_HOST is not set: mail is written to MAIL_DIR, nobody receives it")
    queue = build_queue(settings)
    await queue.start()
    mail_service.register_queue(queue)
    app.state.mail_queue = queue
    # What a crashed process or a Redis outage left in the outbox; the first round runs at once,
    # so mail left by the previous run goes out as soon as the app is up.
    sweeper = OutboxSweeper(queue, settings)
    await sweeper.start()
    try:
        yield
    finally:
        await sweeper.stop()
        mail_service.unregister_queue(queue)
        await queue.stop()


def install_mail(app: FastAPI) -> None:
    """Run the mail consumer for the app's lifetime."""
    app.state.lifespan_hooks.append(mail_lifespan)
