"""Idempotency keys for unsafe requests, the way Stripe does them.

A client sends `Idempotency-Key: <random string>` with a POST. The first completed result is stored
for 24 hours, scoped to the user and the key; a retry with the same key and the same body gets that
result replayed (with `Idempotent-Replayed: true`) instead of doing the work twice; the same key
with a different body (or on another endpoint) is a 422.

The stored result is written in the same transaction as the work itself (see `save`), so either
both exist or neither does. Two concurrent requests with one key race on the unique index: the
loser's transaction rolls back, and it replays the winner's result (`lookup` after
`IntegrityError`). Failed requests store nothing, so a client may fix its request and retry.

Expired rows of other keys are never touched by a request: each app purges them in the background
(`install_idempotency_purge`), in short batches of their own, so requests do not queue behind one
another on the same expired rows.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any

from fastapi import FastAPI, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from tortoise import fields
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

from blog_api.core.errors import UnprocessableEntity

IDEMPOTENCY_TTL = timedelta(hours=24)
KEY_MAX_LENGTH = 255
REPLAY_HEADER = "Idempotent-Replayed"
# Expired rows are invisible to `lookup`; purging them only keeps the table small, so hourly
# batches are plenty. A batch is one short statement; a round stops after PURGE_MAX_BATCHES.
PURGE_INTERVAL_SECONDS = 3600.0
PURGE_BATCH = 1000
PURGE_MAX_BATCHES = 20

logger = logging.getLogger("blog_api.core.idempotency")


class IdempotencyKey(Model):
    """A stored result of a request made with an `Idempotency-Key`."""

    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "models.User", related_name="idempotency_keys", on_delete=fields.CASCADE
    )
    user_id: int
    key = fields.CharField(max_length=KEY_MAX_LENGTH)
    scope = fields.CharField(max_length=128)
    fingerprint = fields.CharField(max_length=64)
    status_code = fields.IntField()
    response_body: Any = fields.JSONField()
    response_headers: dict = fields.JSONField()
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "idempotency_keys"
        unique_together = (("user", "key"),)


# Tortoise discovers models by scanning the module; name the one model explicitly.
__models__ = [IdempotencyKey]


class IdempotencyKeyReused(UnprocessableEntity):
    code, title = "idempotency-key-reused", "Idempotency key reused"


IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=KEY_MAX_LENGTH,
        pattern=r"^[\x21-\x7e]+$",
        description=(
            "Optional random string (a UUID is ideal). Retrying with the same key and body "
            "replays the first result; another body with the same key is 422. Kept 24 hours."
        ),
    ),
]


@dataclass(frozen=True)
class IdempotentRequest:
    """Who sent which key for what: `scope` names the endpoint, `fingerprint` the body."""

    user_id: int
    key: str
    scope: str
    fingerprint: str

    @classmethod
    def of(cls, *, user_id: int, key: str, scope: str, body: BaseModel) -> IdempotentRequest:
        """Fingerprint the validated body, so formatting differences in the JSON do not count."""
        canonical = json.dumps(
            body.model_dump(mode="json"), sort_keys=True, separators=(",", ":")
        ).encode()
        return cls(
            user_id=user_id, key=key, scope=scope, fingerprint=hashlib.sha256(canonical).hexdigest()
        )


@dataclass
class StoredResponse:
    """A response as it was first sent."""

    status_code: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)

    def to_response(self) -> JSONResponse:
        """The stored response, marked as a replay."""
        return JSONResponse(
            self.body,
            status_code=self.status_code,
            headers={**self.headers, REPLAY_HEADER: "true"},
        )


async def lookup(request: IdempotentRequest) -> StoredResponse | None:
    """The stored result for this key, None if there is none (or it expired).

    Raises `IdempotencyKeyReused` if the key was used for another body or endpoint.
    """
    row = await IdempotencyKey.get_or_none(user_id=request.user_id, key=request.key)
    if row is None:
        return None
    if row.expires_at <= datetime.now(timezone.utc):
        await IdempotencyKey.filter(id=row.id).delete()
        return None
    if row.scope != request.scope or row.fingerprint != request.fingerprint:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was already used with a different request; use a new key"
        )
    return StoredResponse(row.status_code, row.response_body, dict(row.response_headers))


async def save(
    request: IdempotentRequest, response: StoredResponse, *, using_db: BaseDBAsyncClient
) -> None:
    """Store the result inside the caller's transaction; a concurrent twin raises IntegrityError."""
    now = datetime.now(timezone.utc)
    # Only this user's expired row for this key, which would block the insert. Deleting everyone's
    # expired rows here would make concurrent requests wait on (or deadlock over) the same rows.
    await (
        IdempotencyKey.filter(user_id=request.user_id, key=request.key, expires_at__lte=now)
        .using_db(using_db)
        .delete()
    )
    await IdempotencyKey.create(
        user_id=request.user_id,
        key=request.key,
        scope=request.scope,
        fingerprint=request.fingerprint,
        status_code=response.status_code,
        response_body=response.body,
        response_headers=response.headers,
        expires_at=now + IDEMPOTENCY_TTL,
        using_db=using_db,
    )


async def purge_expired(*, batch: int = PURGE_BATCH, max_batches: int = PURGE_MAX_BATCHES) -> int:
    """Delete expired keys, `batch` rows per statement, outside any request; returns how many."""
    purged = 0
    for _ in range(max_batches):
        now = datetime.now(timezone.utc)
        ids = (
            await IdempotencyKey.filter(expires_at__lte=now)
            .order_by("id")
            .limit(batch)
            .values_list("id", flat=True)
        )
        if not ids:
            break
        purged += await IdempotencyKey.filter(id__in=list(ids), expires_at__lte=now).delete()
        if len(ids) < batch:
            break
    return purged


async def _purge_periodically(stop: asyncio.Event, interval: float) -> None:
    while True:
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval)
            return
        except asyncio.TimeoutError:
            pass
        try:
            purged = await purge_expired()
        except Exception:  # a failed round is retried at the next one; never kill the task
            logger.exception("purging expired idempotency keys failed")
        else:
            if purged:
                logger.info("purged %d expired idempotency keys", purged)


def install_idempotency_purge(app: FastAPI, *, interval: float = PURGE_INTERVAL_SECONDS) -> None:
    """Purge expired keys every `interval` seconds while the app runs."""

    @asynccontextmanager
    async def purge_in_background(_app: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        task = asyncio.create_task(_purge_periodically(stop, interval), name="idempotency-purge")
        try:
            yield
        finally:
            # Let a round in progress finish: cancelling a database call can break the pool.
            stop.set()
            await task

    app.state.lifespan_hooks.append(purge_in_background)
