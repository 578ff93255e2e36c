"""Real WebSocket messages, both ways, validate against the schemas of /asyncapi.json."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from tests.comments.test_ws import ws_url
from tests.comments.wsclient import ws_connect
from tests.conftest import Actor
from tests.realtime.asyncapi_check import assert_valid_message


async def test_a_session_validates_against_the_asyncapi_document(
    client: AsyncClient, live_url: str, user: Actor, other_user: Actor, post: dict[str, Any]
) -> None:
    document = (await client.get("/asyncapi.json")).json()
    received: list[dict[str, Any]] = []
    sent: list[dict[str, Any]] = []

    async with (
        ws_connect(ws_url(live_url, post), token=user.token) as ws,
        ws_connect(ws_url(live_url, post), token=other_user.token) as watcher,
    ):
        received += [await ws.recv(), await ws.recv(), await ws.recv()]  # hello, history, presence
        await watcher.join()

        create = {"type": "comment.create", "client_id": "c-1", "body": "Live!"}
        for message in (create, {"type": "typing"}, {"type": "ping"}, {"type": "pong"}):
            sent.append(message)
            await ws.send(message)
        # The ack, the event (through the event stream) and the pong come in any order.
        # (A `presence` for the watcher's join may come first: it is validated too.)
        answers: dict[str, dict[str, Any]] = {}
        while not {"comment.ack", "comment.created", "pong"} <= set(answers):
            message = await ws.recv()
            answers[message["type"]] = message
            received.append(message)
        received.append(await watcher.expect("typing"))

        comment_id = answers["comment.ack"]["comment"]["id"]
        edited = await client.patch(
            f"/api/comments/{comment_id}", json={"body": "Edited"}, headers=user.headers
        )
        assert edited.status_code == 200
        received.append(await ws.expect("comment.updated"))
        deleted = await client.delete(f"/api/comments/{comment_id}", headers=user.headers)
        assert deleted.status_code == 204
        received.append(await ws.expect("comment.deleted"))

        await ws.send({"type": "comment.create", "client_id": "c-2", "body": ""})
        received.append(await ws.expect("error"))
        await ws.send("not json")
        received.append(await ws.expect("error"))

    types = [m["type"] for m in received]
    assert types[:3] == ["hello", "history", "presence"]
    assert answers["comment.ack"]["created"] is True
    assert "errors" in received[-2] and "errors" not in received[-1]
    assert received[-3]["by_moderator"] is False
    for message in received:
        assert_valid_message(document, f"ws.server.{message['type']}", message)
    for message in sent:
        assert_valid_message(document, f"ws.client.{message['type']}", message)


async def test_invalid_client_messages_fail_the_published_schema(client: AsyncClient) -> None:
    # What the server refuses (unknown fields, empty body), the document refuses too.
    document = (await client.get("/asyncapi.json")).json()
    for bad in (
        {"type": "comment.create", "client_id": "c", "body": "x", "author": 1},
        {"type": "comment.create", "client_id": "c", "body": ""},
        {"type": "typing", "extra": True},
    ):
        try:
            assert_valid_message(document, f"ws.client.{bad['type']}", bad)
        except AssertionError:
            continue
        raise AssertionError(f"the document accepts {bad}")
