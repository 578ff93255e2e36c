"""`GET /asyncapi.json`: the real-time API (SSE notifications, the comments WebSocket) as an
AsyncAPI 3.0 document, built at run time from the Pydantic models that build the messages.

OpenAPI cannot describe a WebSocket or the events inside an SSE stream; this document does, so
client generators and docs tools see every message. Its schemas come from the same models the
code sends (`EventEnvelope`, `SseReady`/`SseReset`/`SseReconnect`, the `Ws*` models of
comments/schemas.py), generated with pydantic's JSON Schema generator into
`components/schemas` (`ref_template="#/components/schemas/{model}"`), so the document cannot drift
from the wire format. Every type in `EVENT_TYPES` must have an entry in `EVENT_CATALOGUE` (a test
fails otherwise). The document describes the application (the API server): `send` operations are
what it sends to clients, `receive` what it accepts from them. tests/realtime/test_asyncapi.py
validates it against the official AsyncAPI 3.0.0 JSON Schema.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from blog_api import __version__
from blog_api.comments.schemas import WS_CLIENT_MESSAGES, WS_SERVER_MESSAGES
from blog_api.realtime.events import EVENT_TYPES, EventEnvelope
from blog_api.realtime.schemas import SseReady, SseReconnect, SseReset

ASYNCAPI_URL = "/asyncapi.json"
SSE_ADDRESS = "/api/notifications/sse"
WS_ADDRESS = "/api/blogs/{blog_id}/ws"
REF_TEMPLATE = "#/components/schemas/{model}"

# What each event type means: subject, who receives it, what `data` holds (docs/events.md).
EVENT_CATALOGUE: dict[str, str] = {
    "blog.submitted": "A post was submitted or resubmitted after a rejection. Subject: the blog. "
    "To reviewers and the author. `data`: `title`, `status`, `resubmitted` (optional).",
    "blog.updated": "The author edited a pending post. Subject: the blog. To reviewers and the "
    "author. `data`: `title`, `status`, `resubmitted`.",
    "blog.approved": "A post was approved and is public, or scheduled (`status` `scheduled`, "
    "`publish_at` set: then to reviewers and the author only, and `blog.published` follows at "
    "that time). Subject: the blog. To reviewers and the author (public unless scheduled). "
    "`data`: `title`, `status`, `slug`, `publish_at` (scheduled only), and where a live post now "
    "sorts and what it matches: `published_at`, `author_id`, `tags` (absent for posts approved "
    "by an import, and for scheduled ones).",
    "blog.rescheduled": "The author or a reviewer moved the publication time of a scheduled "
    "post. Subject: the blog. To reviewers and the author. `data`: `title`, `status`, "
    "`publish_at`.",
    "blog.published": "A scheduled post went public at its time (sent by the scheduler; "
    "`actor_id` null). Subject: the blog. To reviewers and the author (public). `data`: `title`, "
    "`status`, `slug`, `publish_at`, `published_at`, `author_id`, `tags`.",
    "blog.rejected": "A post was rejected. Subject: the blog. To reviewers and the author. "
    "`data`: `title`, `status`, `reason`.",
    "blog.deleted": "A post was deleted. Subject: the blog. To reviewers and the author (public "
    "if it was live). `data`: `title`, `status`.",
    "blog.revision_submitted": "A new text was proposed for an approved post. Subject: the blog. "
    "To reviewers and the author. `data`: `title`, `status`, `revision_id`.",
    "blog.revision_approved": "A proposed revision was approved and replaced the live text. "
    "Subject: the blog. To reviewers and the author (public). `data`: `title`, `status`, "
    "`revision_id`, `published_at`, `author_id`, `tags`.",
    "blog.revision_rejected": "A proposed revision was rejected. Subject: the blog. To reviewers "
    "and the author. `data`: `title`, `revision_id`, `reason`.",
    "comment.created": "A comment was written (REST or WebSocket). Subject: the comment. To the "
    "post's author (and the parent comment's author for a reply). `data`: `blog_id`, "
    "`comment_id`, `parent_id`, `author` {id, username}, `body`, `created_at`, `edited_at`.",
    "comment.updated": "A comment was edited by its author. Subject: the comment. To the post's "
    "author. `data`: as `comment.created`.",
    "comment.deleted": "A comment was deleted by its author or a moderator. Subject: the comment. "
    "To the post's author and the comment's author. `data`: as `comment.created` without `body`, "
    "plus `deleted_at`, `by_moderator`.",
    "feature_request.created": "A feature request was filed. Subject: the feature request. To "
    "admins. `data`: `title`, `status`.",
    "feature_request.status_changed": "An admin changed a feature request's status. Subject: the "
    "feature request. To the requester. `data`: `title`, `old_status`, `new_status`, "
    "`response`.",
    "user.role_changed": "An admin changed a user's role. Subject: the user. To admins and that "
    "user, whose stream then ends with `reconnect` (`reauthenticate`) and whose WebSockets close "
    "with 4401. `data`: `old_role`, `new_role`.",
    "user.deactivated": "An admin deactivated an account. Subject: the user. To admins and that "
    "user, whose streams end with `reconnect` (`deactivated`) and whose WebSockets close with "
    "4403. `data`: empty.",
    "webhook.endpoint_disabled": "A webhook endpoint was disabled after its retry schedule ran "
    "out. Subject: the webhook endpoint. To the admin who registered it. `data`: `url`, "
    "`reason`.",
}

# Frames of the SSE stream that are not events: (event name, model, summary).
SSE_CONTROL_FRAMES: tuple[tuple[str, type[BaseModel], str], ...] = (
    ("ready", SseReady, "First frame: where the stream starts."),
    ("reset", SseReset, "History was lost: reload over REST, then continue."),
    ("reconnect", SseReconnect, "Last frame: the stream ends; reconnect with Last-Event-ID."),
)

SSE_DESCRIPTION = f"""The caller's notifications as Server-Sent Events (`GET {SSE_ADDRESS}`,
`Content-Type: text/event-stream`). Each frame's `event:` is the message name (an event type, or
`ready`, `reset`, `reconnect`), `data:` is the JSON payload, and `id:` the stream id. A
`: heartbeat` comment line comes every `SSE_HEARTBEAT_SECONDS` and a `retry:` hint first.

Authentication: `Authorization: Bearer <access token>`, or `?ticket=` with a single-use ticket
from `POST /api/notifications/ticket {{"purpose": "sse"}}` (EventSource cannot send headers).
Resume: send the last id seen as the `Last-Event-ID` header (what EventSource does) or
`?last_event_id=`; events after it are replayed, each exactly once, then the stream continues
live. An id older than the retention gives `reset`. At most `SSE_MAX_CONNECTIONS_PER_USER`
streams per user (429 problem before the stream starts). Details: docs/realtime.md."""

WS_DESCRIPTION = f"""Live comments, presence and typing for one approved post
(`GET {WS_ADDRESS}` with a WebSocket upgrade). Every message, both ways, is one JSON object in a
text frame with a `type`; the message names here are those types.

Authentication: `Authorization: Bearer <access token>`, or `?ticket=` with a single-use ticket
from `POST /api/notifications/ticket {{"purpose": "ws"}}`. The handshake is always accepted; a
socket that may not stay is closed at once with a code: 4401 (credentials; also while open when
the token it was opened with expires, its login is revoked, or the role changes), 4403 (account not
active), 4404 (no such approved post), 4408 (no answer to `ping`), 4429 (too many messages or
sockets), 1009 (message too big), 1013 (fell behind or backend down: reconnect), 1001 (server
shutting down: reconnect). Order: `hello`, `history`, `presence`, then live messages. Details:
docs/websocket.md."""


def _message(
    name: str, payload: dict[str, Any], *, title: str, summary: str, **extra: Any
) -> dict[str, Any]:
    return {
        "name": name,
        "title": title,
        "summary": summary,
        "contentType": "application/json",
        "payload": payload,
        **extra,
    }


def _first_line(model: type[BaseModel]) -> str:
    return (model.__doc__ or model.__name__).strip().splitlines()[0]


def _message_type(model: type[BaseModel]) -> str:
    """The `type` value a WebSocket message model carries (its Literal)."""
    annotation = model.model_fields["type"].annotation
    values: tuple[Any, ...] = get_args(annotation)
    assert len(values) == 1, f"{model.__name__}.type must be a one-value Literal"
    return str(values[0])


def build_asyncapi() -> dict[str, Any]:
    """The document without `servers` (those depend on the host the client asked)."""
    # Server -> client payloads are outputs (serialization schema: every field always sent is
    # required); client -> server payloads are inputs (validation schema: what is accepted).
    mode_of: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        (EventEnvelope, "serialization"),
        *((model, "serialization") for _, model, _ in SSE_CONTROL_FRAMES),
        *((model, "serialization") for model in WS_SERVER_MESSAGES),
        *((model, "validation") for model in WS_CLIENT_MESSAGES),
    ]
    refs, top = models_json_schema(mode_of, ref_template=REF_TEMPLATE)
    schemas: dict[str, Any] = top.get("$defs", {})

    def ref(model: type[BaseModel], mode: JsonSchemaMode) -> dict[str, Any]:
        return dict(refs[(model, mode)])

    messages: dict[str, Any] = {}
    sse_keys: list[str] = []
    for event_type in sorted(EVENT_TYPES):
        key = f"sse.{event_type}"
        messages[key] = _message(
            event_type,
            {
                "allOf": [
                    ref(EventEnvelope, "serialization"),
                    {"type": "object", "properties": {"type": {"const": event_type}}},
                ]
            },
            title=f"Event {event_type}",
            summary=f"SSE event `{event_type}`.",
            description=EVENT_CATALOGUE.get(event_type, ""),
        )
        sse_keys.append(key)
    for name, model, summary in SSE_CONTROL_FRAMES:
        key = f"sse.{name}"
        messages[key] = _message(
            name,
            ref(model, "serialization"),
            title=f"Stream frame {name}",
            summary=summary,
            description=_first_line(model),
        )
        sse_keys.append(key)

    ws_client_keys: list[str] = []
    for model in WS_CLIENT_MESSAGES:
        name = _message_type(model)
        key = f"ws.client.{name}"
        messages[key] = _message(
            name,
            ref(model, "validation"),
            title=f"Client message {name}",
            summary=_first_line(model),
        )
        ws_client_keys.append(key)
    ws_server_keys: list[str] = []
    for model in WS_SERVER_MESSAGES:
        name = _message_type(model)
        key = f"ws.server.{name}"
        messages[key] = _message(
            name,
            ref(model, "serialization"),
            title=f"Server message {name}",
            summary=_first_line(model),
        )
        ws_server_keys.append(key)

    def channel_messages(keys: list[str]) -> dict[str, Any]:
        return {key: {"$ref": f"#/components/messages/{key}"} for key in keys}

    def operation_messages(channel: str, keys: list[str]) -> list[dict[str, str]]:
        return [{"$ref": f"#/channels/{channel}/messages/{key}"} for key in keys]

    security = [
        {"$ref": "#/components/securitySchemes/bearer"},
        {"$ref": "#/components/securitySchemes/ticket"},
    ]
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "blog_api real-time API",
            "version": __version__,
            "description": "Server-Sent Events (notifications) and the WebSocket of a post's "
            "live comments. Operations are from the API server's side: `send` is what it "
            "sends to clients, `receive` what it accepts from them. The HTTP API is described "
            "by /openapi.json.",
        },
        "defaultContentType": "application/json",
        "channels": {
            "notifications": {
                "address": SSE_ADDRESS,
                "title": "Notifications (SSE)",
                "description": SSE_DESCRIPTION,
                "servers": [{"$ref": "#/servers/http"}],
                "messages": channel_messages(sse_keys),
            },
            "comments": {
                "address": WS_ADDRESS,
                "title": "Live comments of a post (WebSocket)",
                "description": WS_DESCRIPTION,
                "servers": [{"$ref": "#/servers/ws"}],
                "parameters": {"blog_id": {"description": "Id of an approved post."}},
                "messages": channel_messages(ws_client_keys + ws_server_keys),
                "bindings": {
                    "ws": {
                        "method": "GET",
                        "query": {
                            "type": "object",
                            "properties": {
                                "ticket": {
                                    "type": "string",
                                    "description": "Single-use ticket of purpose `ws`.",
                                }
                            },
                        },
                        "headers": {
                            "type": "object",
                            "properties": {
                                "Authorization": {
                                    "type": "string",
                                    "description": "`Bearer <access token>` (wins over a ticket).",
                                }
                            },
                        },
                        "bindingVersion": "0.1.0",
                    }
                },
            },
        },
        "operations": {
            "stream_notifications": {
                "action": "send",
                "channel": {"$ref": "#/channels/notifications"},
                "title": "Stream the caller's notifications",
                "summary": "Events addressed to the caller, replayed from Last-Event-ID first.",
                "security": security,
                "messages": operation_messages("notifications", sse_keys),
                "bindings": {
                    "http": {
                        "method": "GET",
                        "query": {
                            "type": "object",
                            "properties": {
                                "ticket": {
                                    "type": "string",
                                    "description": "Single-use ticket of purpose `sse`.",
                                },
                                "last_event_id": {
                                    "type": "string",
                                    "description": "Resume after this id (or send the "
                                    "`Last-Event-ID` header).",
                                },
                            },
                        },
                        "bindingVersion": "0.3.0",
                    }
                },
            },
            "receive_comment_messages": {
                "action": "receive",
                "channel": {"$ref": "#/channels/comments"},
                "title": "Messages a client sends on a post's socket",
                "security": security,
                "messages": operation_messages("comments", ws_client_keys),
            },
            "send_comment_messages": {
                "action": "send",
                "channel": {"$ref": "#/channels/comments"},
                "title": "Messages the server sends on a post's socket",
                "security": security,
                "messages": operation_messages("comments", ws_server_keys),
            },
        },
        "components": {
            "schemas": schemas,
            "messages": messages,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "Access token from POST /api/auth/login.",
                },
                "ticket": {
                    "type": "httpApiKey",
                    "name": "ticket",
                    "in": "query",
                    "description": "Single-use ticket (30 s) from POST /api/notifications/ticket; "
                    "long-lived tokens never go in URLs.",
                },
            },
        },
    }


def servers_for(scheme: str, host: str) -> dict[str, Any]:
    """The HTTP (SSE) and WebSocket servers, at the host and scheme the client used."""
    secure = scheme in ("https", "wss")
    protocol: dict[str, Literal["http", "https", "ws", "wss"]] = {
        "http": "https" if secure else "http",
        "ws": "wss" if secure else "ws",
    }
    return {
        name: {
            "host": host,
            "protocol": proto,
            "description": "This API (the host and scheme this document was fetched from).",
        }
        for name, proto in protocol.items()
    }


router = APIRouter()


@router.get(ASYNCAPI_URL, include_in_schema=False)
async def asyncapi_document(request: Request) -> JSONResponse:
    """The AsyncAPI 3.0 document of the real-time API."""
    cached = getattr(request.app.state, "asyncapi", None)
    if cached is None:
        cached = request.app.state.asyncapi = build_asyncapi()
    head = {key: cached[key] for key in ("asyncapi", "info")}
    servers = servers_for(request.url.scheme, request.url.netloc)
    return JSONResponse({**head, "servers": servers, **cached})
