"""The event envelope and `record_event`, the one way a state change announces itself.

Services call `record_event(...)` inside the database transaction of the change, passing that
transaction's connection; the outbox relay publishes the row later. Nothing is delivered straight
from a request handler. `record_event` also writes one `Notification` per addressed user (the
audience's `user_ids` plus the active members of its `roles`, minus the actor) in the same
transaction, and wakes the relay so the event is published within milliseconds of the commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel, Field
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q

from blog_api.realtime.models import Notification, OutboxEvent
from blog_api.users.models import User

EVENT_TYPES = frozenset(
    {
        "blog.submitted",
        "blog.updated",
        "blog.approved",
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
    }
)


class Subject(BaseModel):
    kind: str = Field(examples=["blog"])
    id: int = Field(examples=[42])


class Audience(BaseModel):
    """Who may receive an event: members of `roles`, plus the listed users."""

    roles: list[str] = Field(default_factory=list, examples=[["l1_approver", "admin"]])
    user_ids: list[int] = Field(default_factory=list, examples=[[7]])
    public: bool = Field(default=False, description="Anyone may receive it (public content).")


class Event(BaseModel):
    """The envelope every consumer sees (see docs/events.md)."""

    id: str = Field(examples=["1732450000000-0"])
    type: str = Field(examples=["blog.submitted"])
    occurred_at: datetime
    actor_id: int | None = Field(examples=[7])
    subject: Subject
    audience: Audience
    data: dict[str, Any] = Field(default_factory=dict)

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

    def client_payload(self) -> dict[str, Any]:
        """The envelope as sent to clients: everything but the audience (who else receives it)."""
        return self.model_dump(mode="json", exclude={"audience"})


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

    Also writes the addressees' notifications and wakes the relay (it publishes once the
    transaction has committed; a rolled-back event is never published).
    """
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}: add it to EVENT_TYPES and docs")
    row = await OutboxEvent.create(
        type=event_type,
        occurred_at=datetime.now(timezone.utc),
        actor_id=actor_id,
        subject_kind=subject_kind,
        subject_id=subject_id,
        audience=audience.model_dump(),
        data=data or {},
        using_db=using_db,
    )
    recipients: set[int] = set()
    if audience.user_ids or audience.roles:
        # One query; it also drops ids of users that do not exist (no FK error in the caller).
        addressed = Q(id__in=audience.user_ids) | Q(role__in=audience.roles, is_active=True)
        ids = await User.filter(addressed).using_db(using_db).values_list("id", flat=True)
        recipients = {int(uid) for uid in ids}  # type: ignore[call-overload]
    if actor_id is not None:
        recipients.discard(actor_id)
    if recipients:
        await Notification.bulk_create(
            [Notification(user_id=uid, event_id=row.id) for uid in sorted(recipients)],
            using_db=using_db,
        )
    # Imported here: the relay imports this module for the envelope.
    from blog_api.realtime.relay import notify_outbox

    notify_outbox(row.id)
    return row


def audience_for(
    *, roles: Iterable[str] = (), user_ids: Iterable[int | None] = (), public: bool = False
) -> Audience:
    """Build an audience, dropping missing user ids and duplicates."""
    return Audience(
        roles=sorted(set(roles)),
        user_ids=sorted({uid for uid in user_ids if uid is not None}),
        public=public,
    )
