"""The event envelope and `record_event`, the one way a state change announces itself.

Services call `record_event(...)` inside the database transaction of the change (opened with
`core.db.transaction`), passing that transaction's connection. Nothing is delivered straight from
a request handler: right after the COMMIT, an after-commit hook hands the row to the outbox relay,
which appends it to the stream at once (a rolled-back event is never published; a crash between
commit and append is covered by the relay's sweep). `record_event` also writes one `Notification`
per addressed user (the audience's `user_ids` plus the active members of its `roles`, minus the
actor) in the same transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr
from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q

from blog_api.core.db import after_commit
from blog_api.realtime.models import Notification, OutboxEvent
from blog_api.users.models import User

logger = logging.getLogger("blog_api.realtime.events")

EVENT_TYPES = frozenset(
    {
        "blog.submitted",
        "blog.updated",
        "blog.approved",
        "blog.rescheduled",
        "blog.published",
        "blog.rejected",
        "blog.deleted",
        "blog.revision_submitted",
        "blog.revision_approved",
        "blog.revision_rejected",
        "comment.created",
        "comment.updated",
        "comment.deleted",
        "feature_request.created",
        "feature_request.status_changed",
        "user.role_changed",
        "user.deactivated",
        "webhook.endpoint_disabled",
    }
)

# Events for the server only, never sent to a client nor written as notifications (they are
# recorded with an empty audience): they travel the same outbox and stream so that every
# worker sees them. `session.revoked` (subject: the user; `data.sid`: the login) ends the
# SSE streams and WebSockets opened with that login (docs/events.md, "Internal events").
INTERNAL_EVENT_TYPES = frozenset({"session.revoked"})
RECORDABLE_EVENT_TYPES = EVENT_TYPES | INTERNAL_EVENT_TYPES


T = TypeVar("T")


class Subject(BaseModel):
    kind: str = Field(examples=["blog"])
    id: int = Field(examples=[42])


class Audience(BaseModel):
    """Who may receive an event: members of `roles`, plus the listed users."""

    roles: list[str] = Field(default_factory=list, examples=[["l1_approver", "admin"]])
    user_ids: list[int] = Field(default_factory=list, examples=[[7]])
    public: bool = Field(default=False, description="Anyone may receive it (public content).")


class EventEnvelope(BaseModel):
    """An event as clients receive it (SSE `data:`): the envelope without its audience.

    `Event` adds the audience, which stays on the server; the AsyncAPI document
    (`/asyncapi.json`) describes the SSE events with this model.
    """

    # Every field is always sent: the published (serialization) schema lists them all as required.
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    id: str = Field(
        examples=["1732450000000-0"], description="Stream id; also the SSE `id:` of the frame."
    )
    type: str = Field(examples=["blog.submitted"], description="One of EVENT_TYPES.")
    occurred_at: datetime
    actor_id: int | None = Field(examples=[7], description="Who caused it (null: the system).")
    subject: Subject
    data: dict[str, Any] = Field(
        default_factory=dict, description="Depends on `type` (docs/events.md); never the text."
    )


class Event(EventEnvelope):
    """The envelope every consumer sees (see docs/events.md), with who may receive it."""

    audience: Audience
    # Wire forms built by `encoded`, shared by every connection this process sends the event to.
    _wire: tuple[int, dict[str, Any]] | None = PrivateAttr(default=None)

    def encoded(self, wire_format: str, encode: Callable[[Event], T]) -> T:
        """This event in one wire format (an SSE frame, a WebSocket message), built once.

        The hub hands the same `Event` instance to every subscriber of the process, so a
        thousand connections share one serialisation instead of doing a thousand. `encode`
        must depend on the event alone, never on the receiving connection.
        """
        # The private-attribute dict directly: `self._wire` goes through pydantic's __getattr__,
        # measurably slow when this runs once per connection per event.
        # Keyed by the instance: `model_copy` shares private values with the copy, whose `id`
        # (and so whose wire forms) may differ.
        private = self.__pydantic_private__
        assert private is not None
        owner, wire = private["_wire"] or (0, None)
        if owner != id(self) or wire is None:
            wire = {}
            private["_wire"] = (id(self), wire)
        try:
            value: T = wire[wire_format]
        except KeyError:
            value = wire[wire_format] = encode(self)
        return value

    def visible_to(self, *, user_id: int, role: str) -> bool:
        """Whether a user may receive this event; decided on the audience, never client input."""
        aud = self.audience
        return aud.public or user_id in aud.user_ids or role in aud.roles

    def addressed_to(self, *, user_id: int, role: str) -> bool:
        """Whether the event is addressed to this user personally or to their role.

        Unlike `visible_to` it ignores `public`: the notification stream carries what concerns
        the user (their content, their review queue), not every public change on the site.
        """
        aud = self.audience
        return user_id in aud.user_ids or role in aud.roles

    def client_json(self) -> str:
        """The envelope as sent to clients, compact JSON: everything but the audience (who else
        receives it)."""
        return self.model_dump_json(exclude={"audience"})


def event_from_outbox(row: OutboxEvent, *, stream_id: str | None = None) -> Event:
    """The envelope of an outbox row; `id` is its stream id once published (else empty)."""
    return Event(
        id=stream_id or row.stream_id or "",
        type=row.type,
        occurred_at=row.occurred_at,
        actor_id=row.actor_id,
        subject=Subject(kind=row.subject_kind, id=row.subject_id),
        audience=Audience.model_validate(row.audience),
        data=row.data,
    )


async def record_event(
    event_type: str,
    *,
    subject_kind: str,
    subject_id: int,
    audience: Audience,
    actor_id: int | None = None,
    data: dict[str, Any] | None = None,
    using_db: BaseDBAsyncClient | None = None,
) -> OutboxEvent:
    """Write an event to the outbox, in the caller's transaction when `using_db` is given.

    Also writes the addressees' notifications, and registers the after-commit hook that
    publishes the event once the transaction has committed.
    """
    if event_type not in RECORDABLE_EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}: add it to EVENT_TYPES and docs")
    row = OutboxEvent(
        type=event_type,
        occurred_at=datetime.now(timezone.utc),
        actor_id=actor_id,
        subject_kind=subject_kind,
        subject_id=subject_id,
        audience=audience.model_dump(),
        data=data or {},
    )
    conn = using_db or connections.get("default")
    if conn.capabilities.dialect == "postgres":
        await _insert_postgres(row, audience, conn)
    else:
        await row.save(using_db=using_db, force_create=True)
        if audience.user_ids or audience.roles:
            await _write_notifications(row, audience, actor_id=actor_id, using_db=using_db)
    # Imported here: the relay imports this module for the envelope.
    from blog_api.realtime.relay import notify_outbox, publish_committed

    if not after_commit(lambda: publish_committed(row), using_db=using_db):
        # A transaction not opened with `core.db.transaction`: its commit cannot be seen, so the
        # row waits for the sweep (seconds, not milliseconds). Services never do this.
        logger.warning("event recorded outside core.db.transaction", extra={"type": event_type})
        notify_outbox()
    return row


# The outbox row and its notifications in one round trip: this runs in every submit, comment and
# review, inside the transaction, so its cost is paid by the request and by the event's latency.
_INSERT_POSTGRES = (
    "WITH o AS ("
    " INSERT INTO outbox_events"
    " (type, occurred_at, actor_id, subject_kind, subject_id, audience, data)"
    " VALUES ($1, $2, $3::int, $4, $5, $6::jsonb, $7::jsonb) RETURNING id"
    "), n AS ("
    " INSERT INTO notifications (user_id, event_id, created_at)"
    " SELECT u.id, o.id, now() FROM users u, o"
    " WHERE (u.id = ANY($8::int[]) OR (u.role = ANY($9::text[]) AND u.is_active))"
    " AND u.id IS DISTINCT FROM $3::int"
    ") SELECT id FROM o"
)


async def _insert_postgres(row: OutboxEvent, audience: Audience, conn: BaseDBAsyncClient) -> None:
    encode = OutboxEvent._meta.fields_map["data"].to_db_value
    result = await conn.execute_query_dict(
        _INSERT_POSTGRES,
        [
            row.type,
            row.occurred_at,
            row.actor_id,
            row.subject_kind,
            row.subject_id,
            encode(row.audience, row),
            encode(row.data, row),
            audience.user_ids,
            audience.roles,
        ],
    )
    row.id = result[0]["id"]
    row._saved_in_db = True


async def _write_notifications(
    row: OutboxEvent,
    audience: Audience,
    *,
    actor_id: int | None,
    using_db: BaseDBAsyncClient | None,
) -> None:
    """One `Notification` per addressed user (existing ones only: no FK error), minus the actor."""
    addressed = Q(id__in=audience.user_ids) | Q(role__in=audience.roles, is_active=True)
    ids = await User.filter(addressed).using_db(using_db).values_list("id", flat=True)
    recipients = {int(uid) for uid in ids}  # type: ignore[call-overload]
    recipients.discard(actor_id)
    if recipients:
        await Notification.bulk_create(
            [Notification(user_id=uid, event_id=row.id) for uid in sorted(recipients)],
            using_db=using_db,
        )


@dataclass
class NewEvent:
    """One event for `record_events`: the arguments of `record_event`."""

    type: str
    subject_kind: str
    subject_id: int
    audience: Audience
    actor_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)


async def record_events(events: Sequence[NewEvent], *, using_db: BaseDBAsyncClient) -> None:
    """`record_event` for many events in one transaction (bulk imports): the same outbox rows,
    the same notifications and the same publication after the commit, in a few statements
    instead of one or two round trips per event."""
    if not events:
        return
    unknown = {e.type for e in events} - RECORDABLE_EVENT_TYPES
    if unknown:
        raise ValueError(f"unknown event types {sorted(unknown)}: add them to EVENT_TYPES and docs")
    now = datetime.now(timezone.utc)
    if using_db.capabilities.dialect == "postgres":
        # Ids drawn from the sequence first, so the rows go in one executemany and the
        # notifications can point at them.
        drawn = await using_db.execute_query_dict(
            "SELECT nextval(pg_get_serial_sequence('outbox_events', 'id')) AS id"
            " FROM generate_series(1, $1::int)",
            [len(events)],
        )
        ids: list[int | None] = [int(r["id"]) for r in drawn]
    else:
        ids = [None] * len(events)
    rows = [
        OutboxEvent(
            **({"id": pk} if pk is not None else {}),
            type=e.type,
            occurred_at=now,
            actor_id=e.actor_id,
            subject_kind=e.subject_kind,
            subject_id=e.subject_id,
            audience=e.audience.model_dump(),
            data=e.data,
        )
        for pk, e in zip(ids, events, strict=True)
    ]
    if ids[0] is not None:
        await OutboxEvent.bulk_create(rows, using_db=using_db)
    else:
        # SQLite: no round trips to save, and each insert returns its id.
        for row in rows:
            await row.save(using_db=using_db, force_create=True)

    # The addressees, as `record_event` finds them: the listed users that exist, plus the
    # active members of the roles, minus the actor.
    roles = sorted({r for e in events for r in e.audience.roles})
    listed = sorted({u for e in events for u in e.audience.user_ids})
    members: dict[str, list[int]] = {}
    if roles:
        found = await (
            User.filter(role__in=roles, is_active=True).using_db(using_db).values_list("id", "role")
        )
        for uid, role in found:
            members.setdefault(str(getattr(role, "value", role)), []).append(int(uid))
    existing: set[int] = set()
    if listed:
        found_ids = await User.filter(id__in=listed).using_db(using_db).values_list("id", flat=True)
        existing = {int(uid) for uid in found_ids}  # type: ignore[call-overload]
    notifications: list[Notification] = []
    for row, e in zip(rows, events, strict=True):
        recipients = {u for u in e.audience.user_ids if u in existing}
        for role in e.audience.roles:
            recipients.update(members.get(role, ()))
        recipients.discard(e.actor_id)
        notifications += [Notification(user_id=u, event_id=row.id) for u in sorted(recipients)]
    if notifications:
        await Notification.bulk_create(notifications, using_db=using_db)

    from blog_api.realtime.relay import notify_outbox, publish_committed

    for row in rows:
        if not after_commit(partial(publish_committed, row), using_db=using_db):
            logger.warning("events recorded outside core.db.transaction")
            notify_outbox()
            break


def audience_for(
    *, roles: Iterable[str] = (), user_ids: Iterable[int | None] = (), public: bool = False
) -> Audience:
    """Build an audience, dropping missing user ids and duplicates."""
    return Audience(
        roles=sorted(set(roles)),
        user_ids=sorted({uid for uid in user_ids if uid is not None}),
        public=public,
    )
