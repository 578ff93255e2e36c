"""Two Uvicorn processes sharing PostgreSQL and Redis: the comments WebSocket across workers.

Process A and process B are separate workers (own hub reader, own outbox relay, own presence
listener); a client on one must see what happens on the other, in the same order. Servers come
from tests/harness.py (`blog-api serve`); the database is this module's own
(`<test db>_comments_ws`) and Redis a private one, so the module runs in the SQLite pass only.
"""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest

from tests.comments.wsclient import ws_connect
from tests.conftest import PASSWORD
from tests.harness import Cluster, Worker, fresh_database, once_per_suite, start_worker, two_workers

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis]


@dataclass
class Member:
    id: int
    username: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture(autouse=True)
def _once_per_suite() -> None:
    once_per_suite()


@pytest.fixture(scope="module")
async def ws_database_url(postgres_url: str) -> str:
    """A database of this module's own, migrated by `blog-api migrate`."""
    return await fresh_database(postgres_url, "comments_ws")


@pytest.fixture(scope="module")
def cluster(ws_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Worker A and worker B on the same PostgreSQL database and a private Redis."""
    with two_workers(ws_database_url, tmp_path_factory.mktemp("comments-ws")) as running:
        yield running


def post_ws(worker: Worker, post_id: int) -> str:
    return f"{worker.ws_url}/api/blogs/{post_id}/ws"


@pytest.fixture(scope="module")
async def members(cluster: Cluster, ws_database_url: str) -> dict[str, Member]:
    """alice and bob (users) and mod (an l1_approver), signed in on process A."""
    out: dict[str, Member] = {}
    async with httpx.AsyncClient(base_url=cluster.a.url, timeout=10) as http:
        for name in ("alice", "bob", "mod"):
            body = {"email": f"{name}@example.com", "username": name, "password": PASSWORD}
            resp = await http.post("/api/auth/register", json=body)
            assert resp.status_code == 201, resp.text
        conn = await asyncpg.connect(ws_database_url.replace("postgres://", "postgresql://", 1))
        try:
            await conn.execute("UPDATE users SET role = 'l1_approver' WHERE username = 'mod'")
        finally:
            await conn.close()
        for name in ("alice", "bob", "mod"):
            resp = await http.post(
                "/api/auth/login", json={"email": f"{name}@example.com", "password": PASSWORD}
            )
            assert resp.status_code == 200, resp.text
            me = await http.get(
                "/api/auth/me", headers={"Authorization": f"Bearer {resp.json()['access_token']}"}
            )
            out[name] = Member(me.json()["id"], name, resp.json()["access_token"])
    return out


async def new_post(cluster: Cluster, members: dict[str, Member], *, approve: bool = True) -> int:
    """A fresh post by alice (approved by mod unless `approve=False`), so tests do not share."""
    async with httpx.AsyncClient(base_url=cluster.a.url, timeout=10) as http:
        resp = await http.post(
            "/api/blogs",
            json={"title": f"Post {uuid.uuid4().hex[:6]}", "content": "text"},
            headers=members["alice"].headers,
        )
        assert resp.status_code == 201, resp.text
        post_id = int(resp.json()["id"])
        if approve:
            resp = await http.post(f"/api/blogs/{post_id}/approve", headers=members["mod"].headers)
            assert resp.status_code == 200, resp.text
    return post_id


def create(client_id: str, body: str, **extra: Any) -> dict[str, Any]:
    return {"type": "comment.create", "client_id": client_id, "body": body, **extra}


async def test_comment_sent_on_a_reaches_a_viewer_on_b_persisted_in_order(
    cluster: Cluster, members: dict[str, Member]
) -> None:
    post_id = await new_post(cluster, members)
    url_a, url_b = post_ws(cluster.a, post_id), post_ws(cluster.b, post_id)
    async with (
        ws_connect(url_a, token=members["alice"].token) as sender,
        ws_connect(url_b, token=members["bob"].token) as viewer,
    ):
        await sender.join()
        await viewer.join()
        for i in range(5):
            await sender.send(create(f"order-{i}", f"message {i}"))
        acks = [await sender.expect("comment.ack") for _ in range(5)]
        received = [await viewer.expect("comment.created") for _ in range(5)]
    assert [m["comment"]["body"] for m in received] == [f"message {i}" for i in range(5)]
    assert [m["comment"]["id"] for m in received] == [a["comment"]["id"] for a in acks]
    assert [m["event_id"] for m in received] == sorted(m["event_id"] for m in received)
    async with httpx.AsyncClient(base_url=cluster.b.url, timeout=10) as http:
        stored = (await http.get(f"/api/blogs/{post_id}/comments")).json()["items"]
    assert [c["body"] for c in stored] == [f"message {i}" for i in range(5)]


async def test_retried_create_is_stored_once_even_across_workers(
    cluster: Cluster, members: dict[str, Member]
) -> None:
    post_id = await new_post(cluster, members)
    message = create("retry-me", "only once")
    async with ws_connect(post_ws(cluster.b, post_id), token=members["bob"].token) as viewer:
        await viewer.join()
        # The first try on A; the client "reconnects" to B and retries.
        async with ws_connect(post_ws(cluster.a, post_id), token=members["alice"].token) as a:
            await a.join()
            await a.send(message)
            first = await a.expect("comment.ack")
        async with ws_connect(post_ws(cluster.b, post_id), token=members["alice"].token) as b:
            await b.join()
            await b.send(message)
            second = await b.expect("comment.ack")
        await viewer.expect("comment.created")
        later = await viewer.quiet(0.5)
    assert (first["created"], second["created"]) == (True, False)
    assert first["comment"]["id"] == second["comment"]["id"]
    assert not [m for m in later if m["type"] == "comment.created"]
    async with httpx.AsyncClient(base_url=cluster.a.url, timeout=10) as http:
        stored = (await http.get(f"/api/blogs/{post_id}/comments")).json()["items"]
    assert len(stored) == 1


async def test_moderator_delete_reaches_every_viewer(
    cluster: Cluster, members: dict[str, Member]
) -> None:
    post_id = await new_post(cluster, members)
    async with (
        ws_connect(post_ws(cluster.a, post_id), token=members["alice"].token) as on_a,
        ws_connect(post_ws(cluster.b, post_id), token=members["bob"].token) as on_b,
    ):
        await on_a.join()
        await on_b.join()
        await on_b.send(create("to-remove", "off topic"))
        comment_id = (await on_b.expect("comment.ack"))["comment"]["id"]
        async with httpx.AsyncClient(base_url=cluster.a.url, timeout=10) as http:
            resp = await http.delete(f"/api/comments/{comment_id}", headers=members["mod"].headers)
            assert resp.status_code == 204
        deleted = [await ws.expect("comment.deleted") for ws in (on_a, on_b)]
    for message in deleted:
        assert message["comment"]["id"] == comment_id
        assert message["comment"]["deleted"] is True and message["comment"]["body"] is None
        assert message["by_moderator"] is True


async def test_presence_counts_viewers_on_both_workers(
    cluster: Cluster, members: dict[str, Member]
) -> None:
    post_id = await new_post(cluster, members)
    url_a, url_b = post_ws(cluster.a, post_id), post_ws(cluster.b, post_id)
    async with ws_connect(url_a, token=members["alice"].token) as first:
        await first.join()
        async with ws_connect(url_b, token=members["bob"].token) as second:
            await second.join()
            assert second.seen[-1] == {"type": "presence", "count": 2}
            assert (await first.expect("presence"))["count"] == 2
            async with ws_connect(url_a, token=members["mod"].token) as third:
                await third.join()
                assert (await first.expect("presence"))["count"] == 3
                assert (await second.expect("presence"))["count"] == 3
            assert (await first.expect("presence"))["count"] == 2
            assert (await second.expect("presence"))["count"] == 2
        assert (await first.expect("presence"))["count"] == 1


async def test_typing_crosses_workers(cluster: Cluster, members: dict[str, Member]) -> None:
    post_id = await new_post(cluster, members)
    async with (
        ws_connect(post_ws(cluster.a, post_id), token=members["alice"].token) as typist,
        ws_connect(post_ws(cluster.b, post_id), token=members["bob"].token) as reader,
    ):
        await typist.join()
        await reader.join()
        await typist.send({"type": "typing"})
        relayed = await reader.expect("typing")
    assert relayed["user"] == {"id": members["alice"].id, "username": "alice"}


async def test_bad_json_is_an_error_and_the_socket_stays_open(
    cluster: Cluster, members: dict[str, Member]
) -> None:
    post_id = await new_post(cluster, members)
    async with ws_connect(post_ws(cluster.b, post_id), token=members["bob"].token) as ws:
        await ws.join()
        await ws.send("{oops")
        assert (await ws.expect("error"))["code"] == "bad-json"
        await ws.send({"type": "ping"})
        assert (await ws.expect("pong"))["type"] == "pong"


async def test_oversize_frame_closes_1009(cluster: Cluster, members: dict[str, Member]) -> None:
    post_id = await new_post(cluster, members)
    async with ws_connect(post_ws(cluster.a, post_id), token=members["bob"].token) as ws:
        await ws.join()
        await ws.send(create("big", "x" * 30_000))
        code, _ = await ws.closed()
    assert code == 1009


async def test_unauthenticated_closes_4401(cluster: Cluster, members: dict[str, Member]) -> None:
    post_id = await new_post(cluster, members)
    async with ws_connect(post_ws(cluster.a, post_id)) as ws:
        code, _ = await ws.closed()
    assert code == 4401


async def test_ticket_from_one_worker_works_on_the_other(
    cluster: Cluster, members: dict[str, Member]
) -> None:
    post_id = await new_post(cluster, members)
    async with httpx.AsyncClient(base_url=cluster.a.url, timeout=10) as http:
        resp = await http.post(
            "/api/notifications/ticket", json={"purpose": "ws"}, headers=members["bob"].headers
        )
    async with ws_connect(post_ws(cluster.b, post_id), ticket=resp.json()["ticket"]) as ws:
        assert (await ws.recv())["user"]["username"] == "bob"


async def test_logout_on_a_closes_that_logins_sockets_on_b(
    cluster: Cluster, members: dict[str, Member]
) -> None:
    post_id = await new_post(cluster, members)
    async with httpx.AsyncClient(base_url=cluster.a.url, timeout=10) as http:
        # A login of its own: the module's members keep theirs.
        resp = await http.post(
            "/api/auth/login", json={"email": "bob@example.com", "password": PASSWORD}
        )
        login = resp.json()
        headers = {"Authorization": f"Bearer {login['access_token']}"}
        resp = await http.post("/api/notifications/ticket", json={"purpose": "ws"}, headers=headers)
        ticket = resp.json()["ticket"]
        async with (
            ws_connect(post_ws(cluster.b, post_id), token=login["access_token"]) as by_bearer,
            ws_connect(post_ws(cluster.b, post_id), ticket=ticket) as by_ticket,
            ws_connect(post_ws(cluster.b, post_id), token=members["bob"].token) as other,
        ):
            for ws in (by_bearer, by_ticket, other):
                await ws.join()
            out = await http.post(
                "/api/auth/logout", json={"refresh_token": login["refresh_token"]}
            )
            assert out.status_code == 204
            assert await by_bearer.closed(timeout=10) == (4401, "session revoked")
            assert await by_ticket.closed(timeout=10) == (4401, "session revoked")
            # bob's other login keeps its socket.
            await other.send({"type": "ping"})
            await other.expect("pong")


async def test_not_approved_post_closes_4404(cluster: Cluster, members: dict[str, Member]) -> None:
    post_id = await new_post(cluster, members, approve=False)
    async with ws_connect(post_ws(cluster.b, post_id), token=members["alice"].token) as ws:
        code, _ = await ws.closed()
    assert code == 4404


async def test_worker_shutdown_closes_sockets_1001(
    cluster: Cluster, members: dict[str, Member]
) -> None:
    post_id = await new_post(cluster, members)
    extra = await asyncio.to_thread(start_worker, "worker-c", cluster.env, cluster.log_dir)
    try:
        async with ws_connect(
            f"ws://127.0.0.1:{extra.port}/api/blogs/{post_id}/ws", token=members["bob"].token
        ) as ws:
            await ws.join()
            stopping = time.monotonic()
            extra.popen.send_signal(signal.SIGTERM)
            code, _ = await ws.closed()
        assert code == 1001
        # Uvicorn re-raises the signal once it is done; it did not need its graceful timeout (5 s)
        # because the socket ended itself, nor a SIGKILL.
        assert extra.stop(timeout=10) in (0, -signal.SIGTERM)
        assert time.monotonic() - stopping < 4
        assert "timeout graceful shutdown exceeded" not in extra.log()
    finally:
        extra.stop()
