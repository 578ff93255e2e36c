"""`GET /asyncapi.json`: a valid AsyncAPI 3.0 document describing every real-time message, and
real messages of the SSE stream validate against it (the WebSocket side: tests/comments/
test_ws_asyncapi.py)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from httpx import AsyncClient

from blog_api.comments.schemas import CLIENT_MESSAGE_TYPES, WS_SERVER_MESSAGES
from blog_api.realtime.asyncapi import EVENT_CATALOGUE
from blog_api.realtime.events import EVENT_TYPES
from tests.conftest import Actor
from tests.realtime.asyncapi_check import assert_valid_message, spec_errors
from tests.realtime.test_sse import submit_blog


@pytest.fixture
async def document(client: AsyncClient) -> dict[str, Any]:
    response = await client.get("/asyncapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


async def test_document_is_valid_asyncapi_3(document: dict[str, Any]) -> None:
    assert document["asyncapi"] == "3.0.0"
    assert spec_errors(document) == []


async def test_the_validation_catches_a_broken_document(document: dict[str, Any]) -> None:
    # The check above can fail: the same validator refuses documents that break the spec.
    broken = copy.deepcopy(document)
    broken["operations"]["stream_notifications"]["action"] = "publish"  # AsyncAPI 2 wording
    del broken["channels"]["comments"]["address"]
    broken["channels"]["comments"]["addres"] = "/typo"
    errors = spec_errors(broken)
    assert any("operations/stream_notifications" in e for e in errors), errors
    assert any("channels/comments" in e for e in errors), errors


async def test_servers_are_where_the_document_was_fetched(client: AsyncClient) -> None:
    document = (await client.get("/asyncapi.json", headers={"host": "api.example.com"})).json()
    assert document["servers"]["http"] == {
        "host": "api.example.com",
        "protocol": "http",
        "description": document["servers"]["http"]["description"],
    }
    assert document["servers"]["ws"]["protocol"] == "ws"


async def test_both_channels_with_their_addresses(document: dict[str, Any]) -> None:
    channels = document["channels"]
    assert channels["notifications"]["address"] == "/api/notifications/sse"
    assert channels["comments"]["address"] == "/api/blogs/{blog_id}/ws"
    assert set(channels["comments"]["parameters"]) == {"blog_id"}
    sse_text = channels["notifications"]["description"]
    assert "Last-Event-ID" in sse_text and "ticket" in sse_text
    schemes = document["components"]["securitySchemes"]
    assert schemes["ticket"] == {**schemes["ticket"], "in": "query", "name": "ticket"}


def _names(document: dict[str, Any], channel: str, prefix: str) -> set[str]:
    messages = document["channels"][channel]["messages"]
    components = document["components"]["messages"]
    return {
        components[key]["name"]
        for key, ref in messages.items()
        if key.startswith(prefix) and ref["$ref"] == f"#/components/messages/{key}"
    }


async def test_every_event_type_the_code_can_emit_is_described(document: dict[str, Any]) -> None:
    # EVENT_TYPES is what record_event accepts: a type added there without a description in
    # EVENT_CATALOGUE (blog_api/realtime/asyncapi.py) fails here.
    assert _names(document, "notifications", "sse.") >= EVENT_TYPES
    assert set(EVENT_CATALOGUE) == EVENT_TYPES
    for event_type in EVENT_TYPES:
        message = document["components"]["messages"][f"sse.{event_type}"]
        assert message["description"].strip(), event_type
    assert _names(document, "notifications", "sse.") - EVENT_TYPES == {
        "ready",
        "reset",
        "reconnect",
    }


async def test_every_websocket_message_type_is_described(document: dict[str, Any]) -> None:
    assert _names(document, "comments", "ws.client.") == set(CLIENT_MESSAGE_TYPES)
    server_types = {
        model.model_fields["type"].annotation.__args__[0] for model in WS_SERVER_MESSAGES
    }
    assert _names(document, "comments", "ws.server.") == server_types
    assert {
        "hello",
        "history",
        "presence",
        "comment.created",
        "comment.updated",
        "comment.deleted",
        "comment.ack",
        "typing",
        "error",
        "ping",
        "pong",
        "reset",
    } <= server_types
    operations = document["operations"]
    assert operations["receive_comment_messages"]["action"] == "receive"
    assert operations["send_comment_messages"]["action"] == "send"
    assert len(operations["send_comment_messages"]["messages"]) == len(server_types)


async def test_schemas_are_the_pydantic_models(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert {"EventEnvelope", "SseReady", "SseReset", "SseReconnect", "CommentRead"} <= set(schemas)
    envelope = schemas["EventEnvelope"]
    assert "audience" not in envelope["properties"]  # never sent to clients
    assert set(envelope["required"]) == {"id", "type", "occurred_at", "actor_id", "subject", "data"}


async def test_real_sse_frames_validate_against_the_document(
    open_sse, client: AsyncClient, document: dict[str, Any], approver: Actor, user: Actor
) -> None:
    sse = await open_sse(headers=approver.headers)
    ready = await sse.next_event()
    assert ready.event == "ready"
    assert_valid_message(document, "sse.ready", ready.data)

    blog_id = await submit_blog(client, user)
    event = await sse.next_event()
    assert event.event == "blog.submitted"
    assert_valid_message(document, f"sse.{event.event}", event.data)

    approved = await client.post(f"/api/blogs/{blog_id}/approve", headers=approver.headers)
    assert approved.status_code == 200
    event = await sse.next_event()  # the approver's own action still reaches their stream
    assert event.event == "blog.approved"
    assert_valid_message(document, "sse.blog.approved", event.data)

    # An event validated against another type's message is refused: the payloads are per type.
    with pytest.raises(AssertionError):
        assert_valid_message(document, "sse.blog.submitted", event.data)
