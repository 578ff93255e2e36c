"""A WebSocket comment crosses workers through Caddy: two sockets on different upstreams (wss://,
ticket auth as a browser would), a comment sent on one arrives on the other."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.conftest import PASSWORD, run_cli
from tests.harness import Stack, start_stack

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
async def stack(caddy_bin: str, e2e_env: dict[str, str], tmp_path: Path) -> AsyncIterator[Stack]:
    with start_stack(e2e_env, tmp_path / "stack") as running:
        yield running


async def _account(http: httpx.AsyncClient, env: dict[str, str], role: str | None = None) -> dict:
    name = f"ws{uuid.uuid4().hex[:10]}"
    email = f"{name}@example.com"
    body = {"email": email, "username": name, "password": PASSWORD}
    assert (await http.post("/api/auth/register", json=body)).status_code == 201
    if role:
        result = run_cli("set-role", email, role, env={"DATABASE_URL": env["DATABASE_URL"]})
        assert result.returncode == 0, result.stderr
    login = await http.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


async def _ticket(http: httpx.AsyncClient, headers: dict) -> str:
    response = await http.post("/api/notifications/ticket", json={"purpose": "ws"}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["ticket"]


async def _expect(conn, type_: str, timeout: float = 5) -> dict:
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        import asyncio

        message = json.loads(await asyncio.wait_for(conn.recv(), left))
        if message["type"] == type_:
            return message
    raise AssertionError(f"no {type_!r} message within {timeout}s")


async def test_comment_crosses_workers_through_caddy(stack: Stack) -> None:
    ssl = stack.caddy.ssl_context()
    async with httpx.AsyncClient(base_url=stack.https_url, verify=ssl, timeout=10) as http:
        author = await _account(http, stack.env)
        viewer = await _account(http, stack.env)
        moderator = await _account(http, stack.env, role="l1_approver")
        post = await http.post(
            "/api/blogs", json={"title": "WS via Caddy", "content": "text"}, headers=author
        )
        assert post.status_code == 201, post.text
        post_id = post.json()["id"]
        approved = await http.post(f"/api/blogs/{post_id}/approve", headers=moderator)
        assert approved.status_code == 200, approved.text
        url = f"wss://localhost:{stack.caddy.https_port}/api/blogs/{post_id}/ws?ticket="
        async with connect(url + await _ticket(http, viewer), ssl=ssl) as watching:
            await _expect(watching, "presence")
            # One socket is open now: least_conn sends the next one to the other upstream.
            async with connect(url + await _ticket(http, author), ssl=ssl) as sending:
                await _expect(sending, "presence")
                body = "hello across workers"
                await sending.send(
                    json.dumps({"type": "comment.create", "client_id": "c1", "body": body})
                )
                ack = await _expect(sending, "comment.ack")
                created = await _expect(watching, "comment.created")
    assert created["comment"]["body"] == body
    assert created["comment"]["id"] == ack["comment"]["id"]
    # Each socket's access-log line is written when it closes: one on each upstream.
    path = f'"path": "/api/blogs/{post_id}/ws"'
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        counts = [app.log().count(path) for app in stack.apps]
        if sum(counts) == 2:
            break
        time.sleep(0.1)
    assert counts == [1, 1], (counts, stack.logs())
