"""Webhook schemas: endpoints (the secret only in the answer to their creation) and deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from blog_api.realtime.events import EVENT_TYPES
from blog_api.webhooks.models import DESCRIPTION_MAX, URL_MAX, DeliveryStatus

WEBHOOK_EVENT_TYPES = sorted(EVENT_TYPES)


def _known_types(types: list[str]) -> list[str]:
    unknown = sorted(set(types) - EVENT_TYPES)
    if unknown:
        raise ValueError(f"unknown event types {unknown}; known: {WEBHOOK_EVENT_TYPES}")
    return sorted(set(types))


def _no_control(value: str) -> str:
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValueError("must not contain control characters")
    return value


Url = Annotated[
    str,
    StringConstraints(min_length=8, max_length=URL_MAX, pattern=r"^https?://[^\s]+$"),
    AfterValidator(_no_control),
    Field(
        description="http(s) URL the events are POSTed to.", examples=["https://example.com/hook"]
    ),
]
EventTypes = Annotated[
    list[
        Annotated[
            str,
            StringConstraints(min_length=1, max_length=64),
            # The values in the document too, so clients (and fuzzers) know what is accepted.
            Field(json_schema_extra={"enum": WEBHOOK_EVENT_TYPES}),
        ]
    ],
    Field(
        min_length=1,
        max_length=len(WEBHOOK_EVENT_TYPES),
        description="Event types to receive (docs/events.md); server-internal events are never "
        "sent.",
        examples=[["blog.published", "blog.approved"]],
    ),
    AfterValidator(_known_types),
]
Description = Annotated[
    str,
    StringConstraints(max_length=DESCRIPTION_MAX),
    AfterValidator(_no_control),
    Field(description="A note for admins.", examples=["Rebuild the static site"]),
]


class EndpointCreate(BaseModel):
    """A new endpoint; its signing secret is generated and returned once."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"url": "https://example.com/hook", "event_types": ["blog.published"]}]
        },
    )

    url: Url
    event_types: EventTypes
    description: Description = ""


class EndpointUpdate(BaseModel):
    """Change an endpoint; `is_active: true` re-enables one that was disabled after failures."""

    model_config = ConfigDict(extra="forbid")

    url: Url | None = None
    event_types: EventTypes | None = None
    description: Description | None = None
    is_active: bool | None = None


class EndpointRead(BaseModel):
    """An endpoint (without its secret)."""

    id: int = Field(examples=[1])
    url: str
    description: str
    event_types: list[str]
    is_active: bool
    disabled_reason: str | None = Field(description="Why it was disabled, if it was.")
    owner_id: int = Field(description="The admin who registered it (told if it is disabled).")
    created_at: datetime
    updated_at: datetime


class EndpointCreated(EndpointRead):
    """The new endpoint with its secret: shown this once, keep it."""

    secret: str = Field(
        description="Standard Webhooks secret (`whsec_` + base64 key) to verify signatures.",
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    )


class DeliveryRead(BaseModel):
    """One message to an endpoint and its latest attempt: the delivery log."""

    id: int = Field(examples=[10])
    endpoint_id: int
    message_id: str = Field(description="The `webhook-id` header (the same on every attempt).")
    event_id: str = Field(description="Stream id of the event.")
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None = Field(description="When it is tried next, if it will be.")
    last_attempt_at: datetime | None
    response_status: int | None = Field(description="HTTP status of the last answer, if any.")
    response_ms: int | None = Field(description="How long the last attempt took.")
    last_error: str | None
    replay_of: int | None = Field(description="The delivery this one replays.")
    created_at: datetime
    delivered_at: datetime | None
