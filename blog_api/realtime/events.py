"""The event envelope and `record_event`, the one way a state change announces itself.

Services call `record_event(...)` inside the database transaction of the change, passing that
transaction's connection; the outbox relay publishes the row later. Nothing is delivered straight
from a request handler.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel, Field
from tortoise.backends.base.client import BaseDBAsyncClient

from blog_api.realtime.models import OutboxEvent

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
    """Write an event to the outbox, in the caller's transaction when `using_db` is given."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}: add it to EVENT_TYPES and docs")
    return await OutboxEvent.create(
        type=event_type,
        occurred_at=datetime.now(timezone.utc),
        actor_id=actor_id,
        subject_kind=subject_kind,
        subject_id=subject_id,
        audience=audience.model_dump(),
        data=data or {},
        using_db=using_db,
    )


def audience_for(
    *, roles: Iterable[str] = (), user_ids: Iterable[int | None] = (), public: bool = False
) -> Audience:
    """Build an audience, dropping missing user ids and duplicates."""
    return Audience(
        roles=sorted(set(roles)),
        user_ids=sorted({uid for uid in user_ids if uid is not None}),
        public=public,
    )
