"""The comments WebSocket on one real server (the test app under an in-process Uvicorn).

Cross-worker behaviour (two processes on PostgreSQL and Redis) is in test_ws_workers.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from httpx import AsyncClient

from blog_api.comments.models import Comment
from tests.blogs.conftest import CreatePost
from tests.comments.conftest import CreateComment
from tests.comments.wsclient import ws_connect
from tests.conftest import Actor

Ticket = Callable[[Actor], Awaitable[str]]


def ws_url(live_url: str, post: dict[str, Any] | int | str) -> str:
    post_id = post["id"] if isinstance(post, dict) else post
    return f"{live_url}/api/blogs/{post_id}/ws"


# --- joining ----------------------------------------------------------------------------------


async def test_join_sends_hello_history_and_presence(
    live_url: str, user: Actor, post: dict[str, Any], comment_on: CreateComment
) -> None:
    made = [await comment_on(user, post, body=f"c{i}") for i in range(3)]
    async with ws_connect(ws_url(live_url, post), token=user.token) as ws:
        hello = await ws.recv()
        history = await ws.recv()
        presence = await ws.recv()
    assert hello["type"] == "hello"
    assert hello["blog_id"] == post["id"]
    assert hello["user"] == {"id": user.id, "username": "alice"}
    assert history == {"type": "history", "comments": made, "next_cursor": None}
    assert presence == {"type": "presence", "count": 1}


class TestShortHistory:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"ws_history_size": 2}

    async def test_history_is_the_newest_comments_with_a_cursor_to_older_ones(
        self,
        client: AsyncClient,
        live_url: str,
        user: Actor,
        post: dict[str, Any],
        comment_on: CreateComment,
    ) -> None:
        made = [await comment_on(user, post, body=f"c{i}") for i in range(5)]
        async with ws_connect(ws_url(live_url, post), token=user.token) as ws:
            history = await ws.join()
        assert [c["body"] for c in history["comments"]] == ["c3", "c4"]
        older = await client.get(
            f"/api/blogs/{post['id']}/comments",
            params={"cursor": history["next_cursor"], "limit": 2},
        )
        assert [c["body"] for c in older.json()["items"]] == ["c1", "c2"]
        oldest = await client.get(
            f"/api/blogs/{post['id']}/comments",
            params={"cursor": older.json()["next_cursor"], "limit": 2},
        )
        assert [c["id"] for c in oldest.json()["items"]] == [made[0]["id"]]
        assert oldest.json()["next_cursor"] is None


async def test_ticket_authenticates(
    live_url: str, user: Actor, post: dict[str, Any], ticket_for: Ticket
) -> None:
    async with ws_connect(ws_url(live_url, post), ticket=await ticket_for(user)) as ws:
        hello = await ws.recv()
    assert hello["user"]["id"] == user.id


# --- refusals ---------------------------------------------------------------------------------


async def test_no_credentials_close_4401(live_url: str, post: dict[str, Any]) -> None:
    async with ws_connect(ws_url(live_url, post)) as ws:
        code, _ = await ws.closed()
    assert code == 4401


async def test_bad_token_closes_4401(live_url: str, post: dict[str, Any]) -> None:
    async with ws_connect(ws_url(live_url, post), token="not-a-jwt") as ws:
        code, _ = await ws.closed()
    assert code == 4401


async def test_spent_ticket_closes_4401(
    live_url: str, user: Actor, post: dict[str, Any], ticket_for: Ticket
) -> None:
    ticket = await ticket_for(user)
    async with ws_connect(ws_url(live_url, post), ticket=ticket) as ws:
        assert (await ws.recv())["type"] == "hello"
    async with ws_connect(ws_url(live_url, post), ticket=ticket) as ws:
        code, _ = await ws.closed()
    assert code == 4401


async def test_a_ticket_sent_beside_a_bearer_token_is_spent(
    live_url: str, user: Actor, post: dict[str, Any], ticket_for: Ticket
) -> None:
    ticket = await ticket_for(user)
    url = f"{ws_url(live_url, post)}?ticket={ticket}"
    async with ws_connect(url, token=user.token) as ws:
        assert (await ws.recv())["type"] == "hello"
    async with ws_connect(ws_url(live_url, post), ticket=ticket) as ws:
        code, _ = await ws.closed()
    assert code == 4401


async def test_sse_ticket_is_not_a_ws_ticket(
    client: AsyncClient, live_url: str, user: Actor, post: dict[str, Any]
) -> None:
    resp = await client.post(
        "/api/notifications/ticket", json={"purpose": "sse"}, headers=user.headers
    )
    async with ws_connect(ws_url(live_url, post), ticket=resp.json()["ticket"]) as ws:
        code, _ = await ws.closed()
    assert code == 4401


async def test_deactivated_account_closes_4403(
    client: AsyncClient, live_url: str, user: Actor, admin: Actor, post: dict[str, Any]
) -> None:
    resp = await client.patch(
        f"/api/users/{user.id}", json={"is_active": False}, headers=admin.headers
    )
    assert resp.status_code == 200
    async with ws_connect(ws_url(live_url, post), token=user.token) as ws:
        code, _ = await ws.closed()
    assert code == 4403


async def test_deactivating_the_user_closes_their_open_sockets_4403(
    client: AsyncClient,
    live_url: str,
    user: Actor,
    other_user: Actor,
    admin: Actor,
    post: dict[str, Any],
) -> None:
    async with (
        ws_connect(ws_url(live_url, post), token=user.token) as ws,
        ws_connect(ws_url(live_url, post), token=other_user.token) as bystander,
    ):
        await ws.join()
        await bystander.join()
        resp = await client.patch(
            f"/api/users/{user.id}", json={"is_active": False}, headers=admin.headers
        )
        assert resp.status_code == 200
        code, _ = await ws.closed()
        assert code == 4403
        # Only that user's sockets: the others stay.
        await bystander.send({"type": "ping"})
        await bystander.expect("pong")


@pytest.mark.parametrize("status", ["pending", "rejected"])
async def test_post_not_approved_closes_4404(
    live_url: str,
    create_post: CreatePost,
    post_owner: Actor,
    approver: Actor,
    status: str,
) -> None:
    # Even its author cannot open it: the live page exists for approved posts only.
    target = await create_post(post_owner, status=status, reviewer=approver)
    async with ws_connect(ws_url(live_url, target), token=post_owner.token) as ws:
        code, _ = await ws.closed()
    assert code == 4404


@pytest.mark.parametrize(
    "post_id", ["424242", "abc", "0", "99999999999999", "%C2%B2", "%D9%A2", "%EF%BC%91"]
)
async def test_no_such_post_closes_4404(live_url: str, user: Actor, post_id: str) -> None:
    async with ws_connect(ws_url(live_url, post_id), token=user.token) as ws:
        code, _ = await ws.closed()
    assert code == 4404


async def test_deleting_the_post_closes_its_sockets_4404(
    client: AsyncClient, live_url: str, user: Actor, admin: Actor, post: dict[str, Any]
) -> None:
    async with ws_connect(ws_url(live_url, post), token=user.token) as ws:
        await ws.join()
        resp = await client.delete(f"/api/blogs/{post['id']}", headers=admin.headers)
        assert resp.status_code == 204
        code, _ = await ws.closed()
    assert code == 4404


# --- client mistakes are error messages, not disconnections -----------------------------------


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("{not json", "bad-json"),
        ("[1, 2]", "validation-error"),
        ('{"no": "type"}', "validation-error"),
        ('{"type": "launch"}', "unknown-type"),
        ('{"type": "comment.create", "client_id": "c1"}', "validation-error"),
        ('{"type": "comment.create", "client_id": "c1", "body": "  "}', "validation-error"),
        ('{"type": "comment.create", "body": "no client id"}', "validation-error"),
        (b"\x00\x01binary", "unsupported-frame"),
    ],
    ids=[
        "bad-json",
        "not-object",
        "no-type",
        "unknown-type",
        "no-body",
        "blank-body",
        "no-client-id",
        "binary",
    ],
)
async def test_bad_message_is_an_error_and_the_socket_stays_open(
    live_url: str, user: Actor, post: dict[str, Any], frame: str | bytes, code: str
) -> None:
    async with ws_connect(ws_url(live_url, post), token=user.token) as ws:
        await ws.join()
        await ws.send(frame)
        error = await ws.expect("error")
        assert error["code"] == code
        assert error["detail"]
        await ws.send({"type": "ping"})
        assert (await ws.expect("pong"))["type"] == "pong"


async def test_validation_error_names_the_field_and_the_client_id(
    live_url: str, user: Actor, post: dict[str, Any]
) -> None:
    async with ws_connect(ws_url(live_url, post), token=user.token) as ws:
        await ws.join()
        await ws.send({"type": "comment.create", "client_id": "c9", "body": "x" * 5001})
        error = await ws.expect("error")
    assert error["client_id"] == "c9"
    assert error["errors"][0]["loc"] == ["body"]


async def test_refused_write_is_an_error_with_the_domain_code(
    live_url: str, user: Actor, post: dict[str, Any], comment_on: CreateComment
) -> None:
    parent = await comment_on(user, post)
    reply = await comment_on(user, post, parent_id=parent["id"])
    async with ws_connect(ws_url(live_url, post), token=user.token) as ws:
        await ws.join()
        await ws.send(
            {"type": "comment.create", "client_id": "r", "body": "x", "parent_id": reply["id"]}
        )
        error = await ws.expect("error")
    assert (error["code"], error["client_id"]) == ("invalid-parent", "r")


async def test_oversize_message_closes_1009(
    live_url: str, user: Actor, post: dict[str, Any]
) -> None:
    async with ws_connect(ws_url(live_url, post), token=user.token) as ws:
        await ws.join()
        await ws.send(json.dumps({"type": "typing", "pad": "x" * 20_000}))
        code, _ = await ws.closed()
    assert code == 1009


async def test_an_oversize_frame_right_after_an_invalid_one_logs_no_error(
    live_url: str, user: Actor, post: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    # The protocol closes (1009) while the handler is still answering the invalid message: the
    # client's mistake is not a server error.
    caplog.set_level(logging.WARNING)
    async with ws_connect(ws_url(live_url, post), token=user.token) as ws:
        await ws.join()
        await ws.conn.send("{not json")
        await ws.conn.send(json.dumps({"type": "typing", "pad": "x" * 20_000}))
        code, _ = await ws.closed()
    assert code == 1009
    await asyncio.sleep(0.2)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []


# --- comments ---------------------------------------------------------------------------------


async def test_comment_is_acked_persisted_and_broadcast(
    client: AsyncClient, live_url: str, user: Actor, other_user: Actor, post: dict[str, Any]
) -> None:
    url = ws_url(live_url, post)
    async with (
        ws_connect(url, token=user.token) as sender,
        ws_connect(url, token=other_user.token) as viewer,
    ):
        await sender.join()
        await viewer.join()
        await sender.send({"type": "comment.create", "client_id": "k1", "body": "live!"})
        ack = await sender.expect("comment.ack")
        created = await viewer.expect("comment.created")
    assert ack["created"] is True and ack["client_id"] == "k1"
    assert created["comment"] == ack["comment"]
    assert created["event_id"]
    listed = (await client.get(f"/api/blogs/{post['id']}/comments")).json()["items"]
    assert listed == [ack["comment"]]


async def test_retried_create_is_stored_once_and_acked_each_time(
    live_url: str, user: Actor, other_user: Actor, post: dict[str, Any]
) -> None:
    url = ws_url(live_url, post)
    message = {"type": "comment.create", "client_id": "dup", "body": "once"}
    async with (
        ws_connect(url, token=user.token) as sender,
        ws_connect(url, token=other_user.token) as viewer,
    ):
        await sender.join()
        await viewer.join()
        await sender.send(message)
        first = await sender.expect("comment.ack")
        await sender.send(message)
        second = await sender.expect("comment.ack")
        await viewer.expect("comment.created")
        later = await viewer.quiet(0.5)
    assert (first["created"], second["created"]) == (True, False)
    assert first["comment"]["id"] == second["comment"]["id"]
    assert not [m for m in later if m["type"] == "comment.created"]
    assert await Comment.filter(blog_id=post["id"]).count() == 1


async def test_rest_writes_reach_viewers_in_order(
    client: AsyncClient,
    live_url: str,
    user: Actor,
    approver: Actor,
    post: dict[str, Any],
    comment_on: CreateComment,
) -> None:
    async with ws_connect(ws_url(live_url, post), token=approver.token) as viewer:
        await viewer.join()
        comment = await comment_on(user, post, body="v1")
        await client.patch(
            f"/api/comments/{comment['id']}", json={"body": "v2"}, headers=user.headers
        )
        await client.delete(f"/api/comments/{comment['id']}", headers=approver.headers)
        created = await viewer.next_event()
        updated = await viewer.next_event()
        deleted = await viewer.next_event()
    assert (created["type"], created["comment"]["body"]) == ("comment.created", "v1")
    assert (updated["type"], updated["comment"]["body"]) == ("comment.updated", "v2")
    assert deleted["type"] == "comment.deleted"
    assert deleted["comment"]["body"] is None and deleted["comment"]["deleted"] is True
    assert deleted["by_moderator"] is True
    assert created["event_id"] < updated["event_id"] < deleted["event_id"]


async def test_comments_on_other_posts_are_not_delivered(
    live_url: str,
    user: Actor,
    post: dict[str, Any],
    create_post: CreatePost,
    post_owner: Actor,
    approver: Actor,
    comment_on: CreateComment,
) -> None:
    other = await create_post(post_owner, status="approved", reviewer=approver)
    async with ws_connect(ws_url(live_url, post), token=user.token) as viewer:
        await viewer.join()
        await comment_on(user, other, body="elsewhere")
        await comment_on(user, post, body="here")
        created = await viewer.expect("comment.created")
    assert created["comment"]["body"] == "here"


class TestCommentRateLimit:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"rate_limit_enabled": True, "rate_limit_comment": "1/minute"}

    async def test_over_the_comment_limit_is_an_error_not_a_close(
        self, live_url: str, user: Actor, post: dict[str, Any]
    ) -> None:
        async with ws_connect(ws_url(live_url, post), token=user.token) as ws:
            await ws.join()
            await ws.send({"type": "comment.create", "client_id": "a", "body": "one"})
            await ws.expect("comment.ack")
            await ws.send({"type": "comment.create", "client_id": "b", "body": "two"})
            error = await ws.expect("error")
            await ws.send({"type": "ping"})
            await ws.expect("pong")
        assert error["code"] == "rate-limited"
        assert error["retry_after"] >= 1


# --- limits -----------------------------------------------------------------------------------


class TestMessageFlood:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"rate_limit_enabled": True, "ws_message_rate": "5/10seconds"}

    async def test_too_many_messages_close_4429(
        self, live_url: str, user: Actor, post: dict[str, Any]
    ) -> None:
        async with ws_connect(ws_url(live_url, post), token=user.token) as ws:
            await ws.join()
            for _ in range(6):
                await ws.send({"type": "ping"})
            code, _ = await ws.closed()
        assert code == 4429
        assert sum(m["type"] == "pong" for m in ws.seen) == 5


class TestConnectionCap:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"ws_max_connections_per_user": 2}

    async def test_a_third_socket_of_one_user_closes_4429(
        self, live_url: str, user: Actor, other_user: Actor, post: dict[str, Any]
    ) -> None:
        url = ws_url(live_url, post)
        async with ws_connect(url, token=user.token) as a, ws_connect(url, token=user.token) as b:
            await a.join()
            await b.join()
            async with ws_connect(url, token=user.token) as c:
                code, _ = await c.closed()
            # Per user: someone else still gets in.
            async with ws_connect(url, token=other_user.token) as d:
                assert (await d.recv())["type"] == "hello"
        assert code == 4429

    async def test_a_closed_socket_frees_its_slot(
        self, live_url: str, user: Actor, post: dict[str, Any]
    ) -> None:
        url = ws_url(live_url, post)
        async with ws_connect(url, token=user.token) as a:
            await a.join()
            async with ws_connect(url, token=user.token) as b:
                await b.join()
            async with ws_connect(url, token=user.token) as c:
                assert (await c.recv())["type"] == "hello"


class TestKeepalive:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"ws_ping_interval_seconds": 0.3, "ws_ping_timeout_seconds": 0.3}

    async def test_silent_client_is_pinged_then_closed_4408(
        self, live_url: str, user: Actor, post: dict[str, Any]
    ) -> None:
        async with ws_connect(ws_url(live_url, post), token=user.token) as ws:
            await ws.join()
            assert (await ws.expect("ping", timeout=2))["type"] == "ping"
            code, _ = await ws.closed()
        assert code == 4408

    async def test_answering_pings_keeps_the_socket_open(
        self, live_url: str, user: Actor, post: dict[str, Any]
    ) -> None:
        async with ws_connect(ws_url(live_url, post), token=user.token) as ws:
            await ws.join()
            for _ in range(3):
                await ws.expect("ping", timeout=2)
                await ws.send({"type": "pong"})
            await ws.send({"type": "ping"})
            assert (await ws.expect("pong"))["type"] == "pong"


# --- presence and typing ----------------------------------------------------------------------


async def test_presence_goes_up_and_down(
    live_url: str, user: Actor, other_user: Actor, admin: Actor, post: dict[str, Any]
) -> None:
    url = ws_url(live_url, post)
    async with ws_connect(url, token=user.token) as first:
        await first.join()
        async with ws_connect(url, token=other_user.token) as second:
            await second.join()
            assert (await first.expect("presence"))["count"] == 2
            async with ws_connect(url, token=admin.token) as third:
                await third.join()
                assert (await first.expect("presence"))["count"] == 3
                assert (await second.expect("presence"))["count"] == 3
            assert (await first.expect("presence"))["count"] == 2
        assert (await first.expect("presence"))["count"] == 1


async def test_typing_is_relayed_to_the_others_only(
    live_url: str, user: Actor, other_user: Actor, post: dict[str, Any]
) -> None:
    url = ws_url(live_url, post)
    async with (
        ws_connect(url, token=user.token) as typist,
        ws_connect(url, token=other_user.token) as reader,
    ):
        await typist.join()
        await reader.join()
        await typist.send({"type": "typing"})
        relayed = await reader.expect("typing")
        own = await typist.quiet(0.3)
    assert relayed == {"type": "typing", "user": {"id": user.id, "username": "alice"}}
    assert not [m for m in own if m["type"] == "typing"]


async def test_typing_is_throttled(
    live_url: str, user: Actor, other_user: Actor, post: dict[str, Any]
) -> None:
    url = ws_url(live_url, post)
    async with (
        ws_connect(url, token=user.token) as typist,
        ws_connect(url, token=other_user.token) as reader,
    ):
        await typist.join()
        await reader.join()
        for _ in range(5):
            await typist.send({"type": "typing"})
        received = await reader.quiet(0.5)
    assert sum(m["type"] == "typing" for m in received) == 1
