"""Outgoing mail: queued after commit, sent by the consumer to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import asyncio
import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from blog_api.core.db import transaction
from blog_api.mail import outbox
from blog_api.mail import service as mail_service
from blog_api.mail.message import MailJob
from blog_api.mail.models import MailOutbox
from blog_api.mail.queue import GROUP, MemoryMailQueue, RedisMailQueue
from blog_api.mail.sender import SmtpSender
from tests.conftest import make_settings
from tests.smtp import SmtpServer, html_body, text_body

CONTEXT = {
    "username": "ada",
    "link": "https://front.example/verify-email?token=s3cret",
    "hours": "48",
}


@pytest.fixture
def settings_overrides(smtp_server: SmtpServer) -> dict[str, Any]:
    return {
        **smtp_server.settings,
        "mail_retry_seconds": 0.2,
        "mail_max_attempts": 3,
        # The outbox sweep looks often; a job's normal hand-over has 2 s before it steps in.
        "mail_outbox_sweep_seconds": 0.1,
        "mail_handover_seconds": 2.0,
    }


async def dead_letters(app: FastAPI) -> list[dict[str, Any]]:
    queue = app.state.mail_queue
    if isinstance(queue, MemoryMailQueue):
        return [vars(d) | {} for d in queue.dead]
    assert isinstance(queue, RedisMailQueue)
    return await queue.dead_letters()


async def wait_dead(app: FastAPI, timeout: float = 10.0) -> list[dict[str, Any]]:
    for _ in range(int(timeout / 0.05)):
        found = await dead_letters(app)
        if found:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError("no dead letter")


async def test_queued_mail_arrives_with_plain_text_and_html(
    app: FastAPI, smtp_server: SmtpServer
) -> None:
    async with transaction() as conn:
        await mail_service.enqueue(
            "verify_email", to="ada@example.com", context=CONTEXT, using_db=conn
        )
    [message] = await smtp_server.inbox.wait_for(1)
    assert message["To"] == "ada@example.com"
    assert message["Subject"] == "Confirm your email address"
    assert message["From"] == app.state.settings.mail_from
    assert CONTEXT["link"] in text_body(message)
    assert f'href="{CONTEXT["link"]}"' in html_body(message)


async def test_html_body_escapes_values(app: FastAPI, smtp_server: SmtpServer) -> None:
    context = {**CONTEXT, "username": "<script>x</script>"}
    await mail_service.enqueue("verify_email", to="ada@example.com", context=context, using_db=None)
    [message] = await smtp_server.inbox.wait_for(1)
    assert "<script>" not in html_body(message)
    assert "&lt;script&gt;" in html_body(message)
    assert "<script>x</script>" in text_body(message)


async def test_a_rolled_back_transaction_sends_nothing(
    app: FastAPI, smtp_server: SmtpServer
) -> None:
    with pytest.raises(RuntimeError):
        async with transaction() as conn:
            await mail_service.enqueue(
                "verify_email", to="gone@example.com", context=CONTEXT, using_db=conn
            )
            raise RuntimeError("rolled back")
    assert await MailOutbox.all().count() == 0
    await mail_service.enqueue(
        "verify_email", to="kept@example.com", context=CONTEXT, using_db=None
    )
    await smtp_server.inbox.wait_for(1, to="kept@example.com")
    await asyncio.sleep(0.1)
    assert [m["To"] for m in smtp_server.inbox.messages] == ["kept@example.com"]


async def _enqueue_and_die(to: str, app: FastAPI) -> None:
    """Commit a mail as a process that dies right after its COMMIT would: the after-commit
    hand-over to the queue never happens, only the outbox row is there."""
    queue = app.state.mail_queue
    mail_service.unregister_queue(queue)
    try:
        async with transaction() as conn:
            await mail_service.enqueue("verify_email", to=to, context=CONTEXT, using_db=conn)
    finally:
        mail_service.register_queue(queue)


async def outbox_settled(timeout: float = 10.0) -> bool:
    for _ in range(int(timeout / 0.05)):
        if await MailOutbox.all().count() == 0:
            return True
        await asyncio.sleep(0.05)
    return False


async def test_a_sent_mail_leaves_nothing_in_the_outbox(
    app: FastAPI, smtp_server: SmtpServer
) -> None:
    async with transaction() as conn:
        await mail_service.enqueue(
            "verify_email", to="ada@example.com", context=CONTEXT, using_db=conn
        )
    await smtp_server.inbox.wait_for(1)
    assert await outbox_settled()


async def test_the_outbox_keeps_the_job_sealed(app: FastAPI, smtp_server: SmtpServer) -> None:
    await _enqueue_and_die("ada@example.com", app)
    [row] = await MailOutbox.all()
    assert "s3cret" not in row.sealed and "ada@example.com" not in row.sealed


async def test_a_mail_whose_process_died_after_the_commit_is_sent_by_the_outbox_sweep(
    app: FastAPI, smtp_server: SmtpServer
) -> None:
    await _enqueue_and_die("late@example.com", app)
    assert smtp_server.inbox.messages == []
    [message] = await smtp_server.inbox.wait_for(1, timeout=15)
    assert message["To"] == "late@example.com"
    assert CONTEXT["link"] in text_body(message)
    assert await outbox_settled()
    await asyncio.sleep(0.5)  # and only once
    assert len(smtp_server.inbox.messages) == 1


async def test_workers_sweeping_at_once_hand_a_job_over_once(
    app: FastAPI, smtp_server: SmtpServer
) -> None:
    await _enqueue_and_die("once@example.com", app)
    await MailOutbox.all().update(due_at=datetime.now(timezone.utc) - timedelta(seconds=1))
    queue = app.state.mail_queue
    handed = await asyncio.gather(*(outbox.sweep_once(queue) for _ in range(3)))
    assert sum(handed) <= 1  # (the app's own sweeper may have been first)
    await smtp_server.inbox.wait_for(1)
    assert await outbox_settled()
    await asyncio.sleep(0.5)
    assert [m["To"] for m in smtp_server.inbox.messages] == ["once@example.com"]


async def test_a_temporary_refusal_is_retried(app: FastAPI, smtp_server: SmtpServer) -> None:
    smtp_server.inbox.refusals = ["451 4.3.0 try again later"]
    await mail_service.enqueue("verify_email", to="ada@example.com", context=CONTEXT, using_db=None)
    [message] = await smtp_server.inbox.wait_for(1)
    assert message["To"] == "ada@example.com"
    assert await dead_letters(app) == []


async def test_a_permanent_refusal_goes_to_the_dead_letters_without_its_secrets(
    app: FastAPI, smtp_server: SmtpServer
) -> None:
    smtp_server.inbox.refuse_always = "550 5.1.1 no such user"
    await mail_service.enqueue(
        "verify_email", to="nobody@example.com", context=CONTEXT, using_db=None
    )
    [dead] = await wait_dead(app)
    assert dead["to"] == "nobody@example.com"
    assert dead["template"] == "verify_email"
    assert "550" in dead["error"]
    assert int(dead["attempts"]) == 1  # a final "no" is not retried
    assert "s3cret" not in repr(dead)


async def test_temporary_refusals_give_up_after_the_last_attempt(
    app: FastAPI, smtp_server: SmtpServer
) -> None:
    smtp_server.inbox.refuse_always = "451 4.3.0 try again later"
    await mail_service.enqueue("verify_email", to="ada@example.com", context=CONTEXT, using_db=None)
    [dead] = await wait_dead(app)
    assert int(dead["attempts"]) == 3  # MAIL_MAX_ATTEMPTS
    assert smtp_server.inbox.messages == []


async def test_without_smtp_mail_is_written_to_the_mail_directory(tmp_path: Path) -> None:
    from asgi_lifespan import LifespanManager

    from blog_api.main import create_app
    from tests.conftest import IS_POSTGRES, TEST_REDIS_URL, _flush_redis

    if TEST_REDIS_URL:
        await _flush_redis(TEST_REDIS_URL)
    settings = make_settings(tmp_path)
    assert not settings.uses_smtp
    app = create_app(settings, generate_schemas=not IS_POSTGRES)
    async with LifespanManager(app):
        await mail_service.enqueue(
            "password_changed", to="ada@example.com", context={"username": "ada"}, using_db=None
        )
        for _ in range(200):
            files = list((tmp_path / "mail").glob("*.eml"))
            if files:
                break
            await asyncio.sleep(0.05)
    [eml] = files
    content = eml.read_text()
    assert "To: ada@example.com" in content
    assert "Your password was changed" in content


async def test_a_job_left_pending_by_a_dead_worker_is_claimed_and_sent(
    redis_url: str, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    """A worker read the job (XREADGROUP) and died before XACK: a live one takes it over."""
    prefix = f"test-mail-{secrets.token_hex(4)}"
    sender = SmtpSender(make_settings(tmp_path, **smtp_server.settings))
    live = RedisMailQueue(redis_url, sender, max_attempts=3, retry_seconds=0.3, prefix=prefix)
    try:
        await live.client.xgroup_create(live.stream_key, GROUP, id="0", mkstream=True)
        job = MailJob(template="verify_email", to="ada@example.com", context=CONTEXT)
        await live.client.xadd(live.stream_key, {"j": job.model_dump_json()})
        taken = await live.client.xreadgroup(GROUP, "dead-worker", {live.stream_key: ">"}, count=1)
        assert taken and taken[0][1], "the dead worker should have taken the job"
        await live.start()
        [message] = await smtp_server.inbox.wait_for(1)
        assert message["To"] == "ada@example.com"
        for _ in range(100):
            pending = await live.client.xpending(live.stream_key, GROUP)
            if pending["pending"] == 0:
                break
            await asyncio.sleep(0.05)
        assert pending["pending"] == 0
        assert await live.client.xlen(live.stream_key) == 0
    finally:
        await live.client.delete(live.stream_key, live.attempts_key, live.dead_key)
        await live.stop()


async def test_jobs_queued_while_no_worker_runs_are_sent_when_one_starts(
    redis_url: str, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    prefix = f"test-mail-{secrets.token_hex(4)}"
    sender = SmtpSender(make_settings(tmp_path, **smtp_server.settings))
    first = RedisMailQueue(redis_url, sender, max_attempts=3, retry_seconds=5, prefix=prefix)
    second = RedisMailQueue(redis_url, sender, max_attempts=3, retry_seconds=5, prefix=prefix)
    try:
        await first._push(MailJob(template="verify_email", to="ada@example.com", context=CONTEXT))
        await second.start()
        [message] = await smtp_server.inbox.wait_for(1)
        assert message["To"] == "ada@example.com"
    finally:
        await second.client.delete(second.stream_key, second.attempts_key, second.dead_key)
        await second.stop()
        await first.stop()
