"""Comment schemas, for REST and for the WebSocket protocol (docs/websocket.md).

Inputs forbid unknown fields, so a stray `author` or `deleted_at` is a 422 (an `error` message on
the WebSocket) rather than silently ignored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from blog_api.comments.models import BODY_MAX, CLIENT_ID_MAX
from blog_api.core.types import JsonId, stripped_text
from blog_api.users.schemas import UserPublic


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL; refusing it here keeps it a 422 instead of a 500.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Body = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=BODY_MAX),
    AfterValidator(_no_nul),
    Field(
        description=f"Plain text, 1 to {BODY_MAX} characters.",
        examples=["Great post!"],
        json_schema_extra=stripped_text(max_stripped=BODY_MAX),
    ),
]
ClientId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=CLIENT_ID_MAX, pattern=r"^[A-Za-z0-9._:-]+$"),
    Field(
        description="Chosen by the client for this comment (a UUID is fine): retrying with the "
        "same value returns the first comment instead of storing a second one.",
        examples=["5b0e8a52-4a43-4c39-9d44-0d1f8a1c2f6e"],
    ),
]
ParentId = Annotated[
    JsonId,
    Field(description="Reply to this top-level comment.", examples=[12]),
]


class CommentCreate(BaseModel):
    """A new comment, or a reply to a top-level comment of the same post."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"body": "Great post!", "client_id": "c-1"}]},
    )

    body: Body
    parent_id: ParentId | None = None
    client_id: ClientId | None = None


class CommentUpdate(BaseModel):
    """The new text of a comment."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"body": "Fixed."}]})

    body: Body


class CommentRead(BaseModel):
    """A comment; a deleted one is a tombstone (`deleted: true`, no body, no author)."""

    id: int = Field(examples=[12])
    blog_id: int = Field(examples=[42])
    parent_id: int | None = Field(examples=[None])
    author: UserPublic | None
    body: str | None = Field(examples=["Great post!"])
    created_at: datetime
    edited_at: datetime | None = None
    deleted: bool = False
    deleted_at: datetime | None = None


# --- WebSocket messages from the client ----------------------------------------------------------


class WsCommentCreate(BaseModel):
    """`comment.create`: persist a comment; the sender gets `comment.ack`, everyone the event."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["comment.create"]
    client_id: ClientId
    body: Body
    parent_id: ParentId | None = None


class WsTyping(BaseModel):
    """`typing`: relayed to the other viewers (throttled), never stored."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["typing"]


class WsPing(BaseModel):
    """`ping`: the server answers `pong`."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["ping"]


class WsPong(BaseModel):
    """`pong`: the answer to a server `ping` (any message counts as a sign of life)."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["pong"]


WsClientMessage = Annotated[
    WsCommentCreate | WsTyping | WsPing | WsPong, Field(discriminator="type")
]
CLIENT_MESSAGE_TYPES = ("comment.create", "typing", "ping", "pong")
