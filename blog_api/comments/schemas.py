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


# --- WebSocket messages from the server ----------------------------------------------------------
# ws.py and live.py build every message they send from these, and /asyncapi.json publishes their
# schemas (serialization mode: a field with a default is still always sent, hence required).
# extra="forbid": the published schemas then refuse stray fields, so a message that grew a field
# its model lacks fails the tests that validate real messages against /asyncapi.json.
_SERVER_MESSAGE = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)


class WsLimits(BaseModel):
    """The socket's limits, so a client can stay within them."""

    model_config = _SERVER_MESSAGE

    max_message_bytes: int = Field(examples=[16384])
    messages: str = Field(examples=["20/10seconds"], description="`WS_MESSAGE_RATE`.")
    ping_interval_seconds: float = Field(examples=[25.0])


class WsHello(BaseModel):
    """`hello`: the first message once the socket is authenticated."""

    model_config = _SERVER_MESSAGE

    type: Literal["hello"] = "hello"
    blog_id: int = Field(examples=[42])
    user: UserPublic
    limits: WsLimits


class WsHistory(BaseModel):
    """`history`: the newest comments (oldest first, tombstones included)."""

    model_config = _SERVER_MESSAGE

    type: Literal["history"] = "history"
    comments: list[CommentRead]
    next_cursor: str | None = Field(
        description="For `GET /api/blogs/{id}/comments?cursor=` (older comments); null if none."
    )


class WsPresence(BaseModel):
    """`presence`: how many sockets (all workers) are open on this post."""

    model_config = _SERVER_MESSAGE

    type: Literal["presence"] = "presence"
    count: int = Field(examples=[3])


class WsUserTyping(BaseModel):
    """`typing` from the server: someone else on this post is typing."""

    model_config = _SERVER_MESSAGE

    type: Literal["typing"] = "typing"
    user: UserPublic


class WsCommentAck(BaseModel):
    """`comment.ack`: the answer to the sender's `comment.create`."""

    model_config = _SERVER_MESSAGE

    type: Literal["comment.ack"] = "comment.ack"
    client_id: str
    created: bool = Field(description="False: a retry of an earlier create (same comment).")
    comment: CommentRead


class WsCommentCreated(BaseModel):
    """`comment.created`: a comment of this post was written (any worker, REST or WebSocket)."""

    model_config = _SERVER_MESSAGE

    type: Literal["comment.created"] = "comment.created"
    event_id: str = Field(examples=["1732450001000-0"], description="Stream id of the event.")
    comment: CommentRead


class WsCommentUpdated(BaseModel):
    """`comment.updated`: a comment of this post was edited by its author."""

    model_config = _SERVER_MESSAGE

    type: Literal["comment.updated"] = "comment.updated"
    event_id: str = Field(examples=["1732450002000-0"])
    comment: CommentRead


class WsCommentDeleted(BaseModel):
    """`comment.deleted`: a comment of this post was deleted; `comment` is its tombstone."""

    model_config = _SERVER_MESSAGE

    type: Literal["comment.deleted"] = "comment.deleted"
    event_id: str = Field(examples=["1732450005000-0"])
    comment: CommentRead
    by_moderator: bool = False


class WsFieldError(BaseModel):
    """One invalid field of a refused message."""

    model_config = _SERVER_MESSAGE

    loc: list[str] = Field(examples=[["body"]])
    msg: str = Field(examples=["String should have at least 1 character"])
    type: str = Field(examples=["string_too_short"])


class WsError(BaseModel):
    """`error`: the client's message was refused; the socket stays open.

    The optional fields are left out of the message when they do not apply (dump with
    `exclude_none=True`), so they are optional in the published schema too.
    """

    model_config = ConfigDict(extra="forbid")

    type: Literal["error"] = "error"
    code: str = Field(
        examples=["validation-error"],
        description="`bad-json`, `validation-error`, `unknown-type`, `unsupported-frame`, "
        "`rate-limited`, or the problem code of a refused write (`invalid-parent`, "
        "`client-id-reused`, `comments-closed`, ...).",
    )
    detail: str
    client_id: str | None = Field(default=None, description="Of the refused message, if any.")
    errors: list[WsFieldError] | None = Field(default=None, description="`validation-error`.")
    retry_after: int | None = Field(default=None, description="Seconds (`rate-limited`).")


class WsReset(BaseModel):
    """`reset`: events may have been missed; reload the thread over REST."""

    model_config = _SERVER_MESSAGE

    type: Literal["reset"] = "reset"
    reason: str = Field(examples=["history_gone"])


WS_SERVER_MESSAGES: tuple[type[BaseModel], ...] = (
    WsHello,
    WsHistory,
    WsPresence,
    WsCommentCreated,
    WsCommentUpdated,
    WsCommentDeleted,
    WsCommentAck,
    WsUserTyping,
    WsError,
    WsPing,
    WsPong,
    WsReset,
)
WS_CLIENT_MESSAGES: tuple[type[BaseModel], ...] = (WsCommentCreate, WsTyping, WsPing, WsPong)
