"""SIGTERM to a worker holding SSE streams and WebSockets (a deploy, a scale-in): every stream
gets `reconnect` with reason `shutdown`, every socket a close 1001, the worker exits well within
10 s, and the clients resume on the other worker without missing anything."""

from __future__ import annotations

import asyncio
import signal
import time

import httpx
import pytest

from tests.faults.clients import SseFollower, WsFollower, connected, following, wait_for
from tests.faults.conftest import Accounts, approved_post, post_blog, post_comment
from tests.harness import Cluster, start_worker

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis]


async def test_sigterm_ends_every_stream_and_socket_and_the_worker_exits_promptly(
    cluster: Cluster, accounts: Accounts, http: httpx.AsyncClient
) -> None:
    a = cluster.a
    c = await asyncio.to_thread(start_worker, "c", cluster.env, cluster.log_dir)
    try:
        admin, author = await accounts.make("admin"), await accounts.make()
        viewers = [await accounts.make() for _ in range(3)]
        post_id = await approved_post(http, a, author, admin)
        sse = [SseFollower(f"sse{i}", admin, [c, a]) for i in range(3)]
        ws = [WsFollower(f"ws{i}", viewers[i], [c, a], post_id) for i in range(3)]
        blogs: list[int] = []
        comments: list[int] = []

        async def make_events(label: str) -> None:
            for n in range(2):
                blogs.append(await post_blog(http, a, author, f"{label} {n}"))
                comments.append(await post_comment(http, a, author, post_id, f"{label} {n}"))

        async with following(*sse, *ws):
            await connected(*sse, *ws)
            await make_events("before")
            stopping = time.monotonic()
            c.popen.send_signal(signal.SIGTERM)
            code = await asyncio.to_thread(c.popen.wait, 10)
            took = time.monotonic() - stopping
            await make_events("after")
            await connected(*sse, *ws, count=2)
            sse_tallies = await wait_for(sse, blogs)
            ws_tallies = await wait_for(ws, comments)

        # Uvicorn re-raises the signal once it is done (-15), or exits 0.
        assert took < 10 and code in (0, -signal.SIGTERM), (took, code, c.log()[-3000:])
        assert "timeout graceful shutdown exceeded" not in c.log()
        for follower in sse:
            assert follower.reconnect_reasons[:1] == ["shutdown"], follower.reconnect_reasons
        for follower in ws:
            assert follower.connections[0].close_code == 1001, follower.connections
        for tally in [*sse_tallies, *ws_tallies]:
            assert tally.exact, (tally, cluster.logs())
    finally:
        c.stop()
