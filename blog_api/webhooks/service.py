"""Webhook rules: endpoints, turning events into deliveries, attempts, retries and replays.

Deliveries are made from the event stream by the dispatcher (`dispatcher.py`): `enqueue_events`
writes one `WebhookDelivery` per subscribed active endpoint (idempotent, so reading the stream
at least once is fine). Senders on any worker then take an endpoint's lease, send its messages
oldest event first, and on failure schedule the next attempt along the retry schedule, with
jitter; when the schedule is exhausted the delivery fails, the endpoint is disabled and its
owner is told (`webhook.endpoint_disabled`, a notification).
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from blog_api.core.db import seconds_from_now, transaction
from blog_api.core.errors import NotFound, UnprocessableEntity
from blog_api.core.pagination import InvalidCursor, Page, decode_cursor, encode_cursor
from blog_api.core.types import MAX_ID
from blog_api.realtime.bus import parse_id
from blog_api.realtime.events import EVENT_TYPES, Event, audience_for, record_event
from blog_api.users.models import User
from blog_api.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from blog_api.webhooks.outbound import Outcome, RefusedDestination, check_url_shape
from blog_api.webhooks.schemas import (
    DeliveryRead,
    EndpointCreate,
    EndpointCreated,
    EndpointRead,
    EndpointUpdate,
)
from blog_api.webhooks.signing import new_secret, sign

OPEN_STATUSES = (DeliveryStatus.pending, DeliveryStatus.retrying)


class EndpointNotFound(NotFound):
    code, title = "webhook-endpoint-not-found", "Webhook endpoint not found"


class DeliveryNotFound(NotFound):
    code, title = "webhook-delivery-not-found", "Webhook delivery not found"


class RefusedUrl(UnprocessableEntity):
    code, title = "webhook-url-refused", "This URL cannot receive webhooks"


def now() -> datetime:
    """The current time (UTC)."""
    return datetime.now(timezone.utc)


_now = now


def event_key(stream_id: str) -> str:
    """A stream id as text that sorts like the id (`"5-1"` -> zero-padded `ms-seq`)."""
    ms, seq = parse_id(stream_id)
    return f"{ms:020d}-{seq:020d}"


def payload_for(event: Event) -> str:
    """The request body (Standard Webhooks' shape: `type`, `timestamp`, `data`)."""
    envelope = json.loads(event.client_json())
    return json.dumps(
        {"type": event.type, "timestamp": event.occurred_at.isoformat(), "data": envelope},
        separators=(",", ":"),
    )


def message_id(event: Event) -> str:
    """The `webhook-id` of an event's message: the same on every attempt and every replay."""
    return f"msg_{event.id}"


# --- endpoints ----------------------------------------------------------------------------------


def _check_url(url: str, *, allow_private: bool) -> None:
    try:
        check_url_shape(url, allow_private=allow_private)
    except RefusedDestination as exc:
        raise RefusedUrl(str(exc)) from exc


def endpoint_read(endpoint: WebhookEndpoint) -> EndpointRead:
    """An endpoint without its secret."""
    return EndpointRead.model_validate(endpoint, from_attributes=True)


async def create_endpoint(
    data: EndpointCreate, *, owner: User, allow_private: bool
) -> EndpointCreated:
    """Register an endpoint with a fresh secret; the answer is the only time it is shown."""
    _check_url(data.url, allow_private=allow_private)
    endpoint = await WebhookEndpoint.create(
        owner_id=owner.id,
        url=data.url,
        event_types=data.event_types,
        description=data.description,
        secret=new_secret(),
    )
    return EndpointCreated(**endpoint_read(endpoint).model_dump(), secret=endpoint.secret)


async def get_endpoint(endpoint_id: int) -> WebhookEndpoint:
    """The endpoint, or 404."""
    endpoint = await WebhookEndpoint.get_or_none(id=endpoint_id)
    if endpoint is None:
        raise EndpointNotFound(f"webhook endpoint {endpoint_id} does not exist")
    return endpoint


def _after_id(cursor: str | None) -> int | None:
    if not cursor:
        return None
    last = decode_cursor(cursor, ("id",))["id"]
    if isinstance(last, bool) or not isinstance(last, int) or not 0 <= last <= MAX_ID * 8:
        raise InvalidCursor("cursor is not one this API issued")
    return last


async def list_endpoints(*, limit: int, cursor: str | None) -> Page[EndpointRead]:
    """Endpoints in creation order."""
    query = WebhookEndpoint.all().order_by("id")
    after = _after_id(cursor)
    if after is not None:
        query = query.filter(id__gt=after)
    rows = await query.limit(limit + 1)
    items = [endpoint_read(e) for e in rows[:limit]]
    more = len(rows) > limit
    return Page[EndpointRead](
        items=items, next_cursor=encode_cursor({"id": rows[limit - 1].id}) if more else None
    )


async def update_endpoint(
    endpoint: WebhookEndpoint, data: EndpointUpdate, *, allow_private: bool
) -> WebhookEndpoint:
    """Change URL, types, description or the active flag (re-enabling clears the reason)."""
    changes: dict[str, Any] = data.model_dump(exclude_unset=True, exclude_none=True)
    if "url" in changes:
        _check_url(changes["url"], allow_private=allow_private)
    if changes.get("is_active") is True:
        changes["disabled_reason"] = None
    if changes:
        await WebhookEndpoint.filter(id=endpoint.id).update(**changes, updated_at=_now())
        await endpoint.refresh_from_db()
    return endpoint


async def delete_endpoint(endpoint: WebhookEndpoint) -> None:
    """Delete an endpoint and its delivery log."""
    await WebhookEndpoint.filter(id=endpoint.id).delete()


# --- deliveries ---------------------------------------------------------------------------------


def delivery_read(delivery: WebhookDelivery) -> DeliveryRead:
    """A delivery log entry."""
    read = DeliveryRead.model_validate(delivery, from_attributes=True)
    if delivery.status not in OPEN_STATUSES:
        read.next_attempt_at = None
    return read


async def list_deliveries(
    endpoint: WebhookEndpoint,
    *,
    limit: int,
    cursor: str | None,
    status: DeliveryStatus | None = None,
) -> Page[DeliveryRead]:
    """An endpoint's delivery log, newest first."""
    query = WebhookDelivery.filter(endpoint_id=endpoint.id)
    if status is not None:
        query = query.filter(status=status)
    after = _after_id(cursor)
    if after is not None:
        query = query.filter(id__lt=after)
    rows = await query.order_by("-id").limit(limit + 1)
    items = [delivery_read(d) for d in rows[:limit]]
    more = len(rows) > limit
    return Page[DeliveryRead](
        items=items, next_cursor=encode_cursor({"id": rows[limit - 1].id}) if more else None
    )


async def get_delivery(delivery_id: int) -> WebhookDelivery:
    """The delivery, or 404."""
    delivery = await WebhookDelivery.get_or_none(id=delivery_id)
    if delivery is None:
        raise DeliveryNotFound(f"webhook delivery {delivery_id} does not exist")
    return delivery


async def replay_delivery(delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a message again: a new log entry with the same `webhook-id` and body, due now.

    It sorts with its event, before the endpoint's newer messages, so it goes out next.
    """
    from uuid import uuid4

    return await WebhookDelivery.create(
        endpoint_id=delivery.endpoint_id,
        dedupe_key=f"replay:{uuid4().hex}",
        message_id=delivery.message_id,
        event_id=delivery.event_id,
        event_key=delivery.event_key,
        event_type=delivery.event_type,
        payload=delivery.payload,
        replay_of=delivery.id,
        next_attempt_at=_now(),
    )


@dataclass(frozen=True, slots=True)
class ActiveEndpoint:
    """What the intake needs of an active endpoint to decide which events it gets."""

    id: int
    event_types: frozenset[str]
    created_at: datetime


async def active_endpoints() -> list[ActiveEndpoint]:
    """Every active endpoint (one query)."""
    rows = await WebhookEndpoint.filter(is_active=True).only("id", "event_types", "created_at")
    return [ActiveEndpoint(e.id, frozenset(e.event_types), e.created_at) for e in rows]


async def enqueue_events(
    events: list[Event], endpoints: Sequence[ActiveEndpoint] | None = None
) -> int:
    """One delivery per event per active endpoint subscribed to its type; returns how many.

    `endpoints` is the caller's current list of active endpoints (read from the database
    when omitted). Server-internal events (`INTERNAL_EVENT_TYPES`, e.g. `session.revoked`) are
    never sent. Idempotent: an event read twice from the stream adds nothing the second time.
    """
    wanted = [e for e in events if e.type in EVENT_TYPES]
    if not wanted:
        return 0
    if endpoints is None:
        endpoints = await active_endpoints()
    if not endpoints:
        return 0
    now = _now()
    rows = [
        WebhookDelivery(
            endpoint_id=endpoint.id,
            dedupe_key=f"{endpoint.id}:{event.id}",
            message_id=message_id(event),
            event_id=event.id,
            event_key=event_key(event.id),
            event_type=event.type,
            payload=payload_for(event),
            next_attempt_at=now,
        )
        for event in wanted
        for endpoint in endpoints
        # Events from before the endpoint existed are not its business.
        if event.type in endpoint.event_types and event.occurred_at >= endpoint.created_at
    ]
    if rows:
        await WebhookDelivery.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


# --- sending ------------------------------------------------------------------------------------


# The first open message of endpoint `e` (up to the watermark), and when it is due: one
# index probe per open status ((endpoint, status, event_key, id)), the earlier of the two.
_FIRST_DUE_AT = (
    "(SELECT h.next_attempt_at FROM ("
    " SELECT * FROM (SELECT d.event_key, d.id, d.next_attempt_at FROM webhook_deliveries d"
    " WHERE d.endpoint_id = e.id AND d.status = 'pending' AND d.event_key <= {mark}"
    " ORDER BY d.event_key, d.id LIMIT 1) p"
    " UNION ALL"
    " SELECT * FROM (SELECT d.event_key, d.id, d.next_attempt_at FROM webhook_deliveries d"
    " WHERE d.endpoint_id = e.id AND d.status = 'retrying' AND d.event_key <= {mark}"
    " ORDER BY d.event_key, d.id LIMIT 1) r"
    ") h ORDER BY h.event_key, h.id LIMIT 1)"
)
# Endpoints to send to. Constant text (S608): the values travel as parameters.
_DUE_ENDPOINTS = {
    "postgres": (
        "SELECT e.id FROM webhook_endpoints e"  # noqa: S608
        " WHERE e.is_active AND (e.lease_until IS NULL OR e.lease_until < clock_timestamp())"
        f" AND {_FIRST_DUE_AT.format(mark='$1')} <= $2 ORDER BY e.id"
    ),
    "sqlite": (
        "SELECT e.id FROM webhook_endpoints e"  # noqa: S608
        " WHERE e.is_active"
        " AND (e.lease_until IS NULL OR julianday(e.lease_until) < julianday('now'))"
        f" AND {_FIRST_DUE_AT.format(mark='?1')} <= ?2 ORDER BY e.id"
    ),
}
# Leases run by the database's clock, set and compared in the same statement, so every worker
# agrees when one expires: compared with a worker's own clock, a worker whose clock ran ahead
# saw another's live lease as expired, and two senders worked one endpoint (out of order, or
# one message twice). SQLite lives in this machine, whose clock is the only one there is; it is
# read in SQL all the same (`julianday` reads the stored `+00:00` offset).
_TAKE_LEASE = {
    "postgres": (
        "UPDATE webhook_endpoints"
        " SET lease_until = clock_timestamp() + make_interval(secs => $1), lease_owner = $2"
        " WHERE id = $3 AND is_active"
        " AND (lease_until IS NULL OR lease_until < clock_timestamp())"
    ),
    "sqlite": (
        "UPDATE webhook_endpoints"
        " SET lease_until = strftime('%Y-%m-%d %H:%M:%f+00:00', 'now', ?), lease_owner = ?"
        " WHERE id = ? AND is_active"
        " AND (lease_until IS NULL OR julianday(lease_until) < julianday('now'))"
    ),
}
_RENEW_LEASE = {
    "postgres": (
        "UPDATE webhook_endpoints SET lease_until = clock_timestamp() + make_interval(secs => $1)"
        " WHERE id = $2 AND lease_owner = $3"
    ),
    "sqlite": (
        "UPDATE webhook_endpoints"
        " SET lease_until = strftime('%Y-%m-%d %H:%M:%f+00:00', 'now', ?)"
        " WHERE id = ? AND lease_owner = ?"
    ),
}
assert {s.value for s in OPEN_STATUSES} == {"pending", "retrying"}  # as the SQL spells them


def _db() -> tuple[BaseDBAsyncClient, str]:
    db = WebhookEndpoint._meta.db
    return db, "postgres" if db.capabilities.dialect == "postgres" else "sqlite"


async def endpoints_with_due_messages(*, watermark: str, now: datetime) -> list[int]:
    """Active, unleased endpoints whose first open message is due, among the messages the
    intake has finished with (`event_key <= watermark`: nothing older can still arrive).

    Only the first (oldest) message counts, as only it may be sent: an endpoint whose first
    message waits hours for a retry is not picked while newer ones queue behind it (picking it
    had every worker take and give back its lease a few times a second until then).
    """
    db, dialect = _db()
    rows = await db.execute_query_dict(_DUE_ENDPOINTS[dialect], [watermark, now])
    return [int(row["id"]) for row in rows]


async def take_lease(endpoint_id: int, *, owner: str, seconds: float) -> bool:
    """Take the endpoint for `seconds` unless another sender holds it (a conditional UPDATE,
    by the database's clock)."""
    db, dialect = _db()
    taken, _ = await db.execute_query(
        _TAKE_LEASE[dialect], [seconds_from_now(dialect, seconds), owner, endpoint_id]
    )
    return bool(taken)


async def renew_lease(endpoint_id: int, *, owner: str, seconds: float) -> bool:
    """Extend our lease; False if it was lost (it expired and another sender took it)."""
    db, dialect = _db()
    renewed, _ = await db.execute_query(
        _RENEW_LEASE[dialect], [seconds_from_now(dialect, seconds), endpoint_id, owner]
    )
    return bool(renewed)


async def release_lease(endpoint_id: int, *, owner: str) -> None:
    """Give the endpoint back (only if we still hold it)."""
    await WebhookEndpoint.filter(id=endpoint_id, lease_owner=owner).update(
        lease_until=None, lease_owner=None
    )


async def head_delivery(endpoint_id: int, *, watermark: str) -> WebhookDelivery | None:
    """The endpoint's oldest open message (by event, then id): the only one that may be sent."""
    return (
        await WebhookDelivery.filter(
            endpoint_id=endpoint_id, status__in=OPEN_STATUSES, event_key__lte=watermark
        )
        .order_by("event_key", "id")
        .first()
    )


def signed_headers(
    endpoint: WebhookEndpoint, delivery: WebhookDelivery, *, timestamp: int
) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt."""
    return {
        "Content-Type": "application/json",
        "User-Agent": "blog_api-webhooks/1",
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(
            endpoint.secret, msg_id=delivery.message_id, timestamp=timestamp, body=delivery.payload
        ),
    }


def next_delay(attempts: int, schedule: list[float]) -> float | None:
    """Seconds until the attempt after `attempts` failures, with +-20% jitter; None: give up."""
    if attempts > len(schedule):
        return None
    base = schedule[attempts - 1]
    # Jitter spreads the retries of many failed messages instead of sending them in a burst.
    return base * random.uniform(0.8, 1.2)  # noqa: S311 (not for security)


async def record_attempt(
    delivery: WebhookDelivery, outcome: Outcome, *, schedule: list[float]
) -> bool:
    """Store an attempt's outcome; on the last failure fail it and disable the endpoint.

    Returns True if the message is settled (delivered or given up), False if it waits for a
    retry (the endpoint's later messages wait behind it, to keep the order).
    """
    now = _now()
    attempts = delivery.attempts + 1
    changes: dict[str, Any] = {
        "attempts": attempts,
        "last_attempt_at": now,
        "response_status": outcome.status,
        "response_ms": outcome.elapsed_ms,
        "last_error": outcome.error,
    }
    if outcome.ok:
        changes |= {"status": DeliveryStatus.succeeded, "delivered_at": now}
        await WebhookDelivery.filter(id=delivery.id).update(**changes)
        return True
    delay = next_delay(attempts, schedule)
    if delay is not None:
        changes |= {
            "status": DeliveryStatus.retrying,
            "next_attempt_at": now + timedelta(seconds=delay),
        }
        await WebhookDelivery.filter(id=delivery.id).update(**changes)
        return False
    changes["status"] = DeliveryStatus.failed
    reason = (
        f"disabled after {attempts} failed attempts to deliver {delivery.message_id} "
        f"({outcome.error or 'no answer'})"
    )
    async with transaction() as conn:
        await WebhookDelivery.filter(id=delivery.id).using_db(conn).update(**changes)
        endpoint = await WebhookEndpoint.filter(id=delivery.endpoint_id).using_db(conn).get()
        disabled = (
            await WebhookEndpoint.filter(id=endpoint.id, is_active=True)
            .using_db(conn)
            .update(is_active=False, disabled_reason=reason, updated_at=now)
        )
        if disabled:
            await record_event(
                "webhook.endpoint_disabled",
                subject_kind="webhook_endpoint",
                subject_id=endpoint.id,
                audience=audience_for(user_ids=[endpoint.owner_id]),
                data={"url": endpoint.url, "reason": reason},
                using_db=conn,
            )
    return True
