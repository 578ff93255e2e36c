"""Request and response bodies of `/api/notifications`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict

from blog_api.core.types import integral_number
from blog_api.realtime.events import Subject
from blog_api.realtime.tickets import Purpose

MAX_BIGINT = 9_223_372_036_854_775_807


class TicketCreate(BaseModel):
    """What the ticket is for: the SSE stream or the WebSocket."""

    model_config = ConfigDict(extra="forbid")

    purpose: Purpose = Field(default="sse", examples=["sse"])


class TicketRead(BaseModel):
    """A single-use ticket; pass it as `?ticket=` within `expires_in` seconds."""

    ticket: str = Field(examples=["l5V0m1c8Yb7kN2p0w9QxF4sR6tU3vZ1aB8cD0eF2gH4"])
    purpose: Purpose
    expires_in: int = Field(examples=[30], description="Seconds until the ticket expires.")


class NotificationRead(BaseModel):
    """One event addressed to the caller, with its read mark."""

    id: int = Field(examples=[12])
    event_id: str | None = Field(
        examples=["1732450000000-0"],
        description="Stream id of the event (the SSE `id:`); null until it is published.",
    )
    type: str = Field(examples=["blog.submitted"])
    occurred_at: datetime
    actor_id: int | None = Field(examples=[7])
    subject: Subject
    data: dict[str, Any] = Field(default_factory=dict)
    read: bool
    read_at: datetime | None
    created_at: datetime


class NotificationUpdate(BaseModel):
    """Mark one notification read or unread."""

    model_config = ConfigDict(extra="forbid")

    read: bool = Field(strict=True)  # JSON true/false only, not 1 or "yes"


class MarkAllRead(BaseModel):
    """Mark every unread notification read, optionally only up to an id (what the client saw)."""

    model_config = ConfigDict(extra="forbid")

    up_to_id: (
        # 2**53 - 1: the largest integer every JSON parser reads exactly (ids stay far below)
        Annotated[int, Strict(), Field(ge=1, le=2**53 - 1), BeforeValidator(integral_number)] | None
    ) = Field(default=None, examples=[12])


class MarkAllReadResult(BaseModel):
    updated: int = Field(examples=[3], description="How many notifications were marked read.")


class UnreadCount(BaseModel):
    unread: int = Field(examples=[3])


# --- SSE frames that are not events (docs/realtime.md); the AsyncAPI document uses these ---------


class SseReady(BaseModel):
    """`event: ready`, the first frame: events after `last_event_id` follow."""

    last_event_id: str | None = Field(
        examples=["1732450000000-0"],
        description="Where the stream starts (also the frame's `id:`); resume from it.",
    )


class SseReset(BaseModel):
    """`event: reset`: history was lost; reload over REST, then continue from `last_event_id`."""

    reason: str = Field(
        examples=["history_gone"], description="`history_gone` or `stream_restarted`."
    )
    last_event_id: str = Field(examples=["1732450009000-0"], description="The new position.")


class SseReconnect(BaseModel):
    """`event: reconnect`, the last frame: the stream ends; reconnect with `Last-Event-ID`."""

    reason: str = Field(
        examples=["shutdown"],
        description="`shutdown`, `slow_consumer`, `max_lifetime`, `token_expired` "
        "(the credential the stream was opened with expired: refresh the token, get a new ticket, "
        "resume), `revoked` (that login ended: log in again), `reauthenticate` (refresh the token "
        "first), `deactivated` (do not reconnect).",
    )
    last_event_id: str | None = Field(
        examples=["1732450001000-0"], description="The last event delivered: resume after it."
    )
