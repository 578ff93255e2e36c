"""Redis killed (SIGKILL) and started again on the same port, with and without its data, while
SSE and WebSocket clients are connected to two workers and some of them are reconnecting.

Events are made before the crash, while Redis is down (they wait in the outbox) and after it is
back. Every client must end with every event exactly once: received live or by resume, or, only
after a `reset`, returned by the REST reload, and never counted twice (clients.py, `Tally`).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from tests.faults.clients import SseFollower, WsFollower, connected, following, wait_for
from tests.faults.conftest import Accounts, approved_post, post_blog, post_comment
from tests.harness import two_workers

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis]


@pytest.mark.parametrize("keep_data", [False, True], ids=["restarted-empty", "restarted-with-aof"])
async def test_every_client_gets_every_event_once_across_a_redis_crash(
    fault_database: str, tmp_path: Path, http: httpx.AsyncClient, keep_data: bool
) -> None:
    with two_workers(
        fault_database, tmp_path, persist_redis=keep_data, SSE_RETRY_MS="300"
    ) as cluster:
        a, b = cluster.a, cluster.b
        accounts = Accounts(a.url, fault_database)
        admins = [await accounts.make("admin") for _ in range(2)]
        author = await accounts.make()
        viewers = [await accounts.make() for _ in range(4)]
        post_id = await approved_post(http, a, author, admins[0])

        # Two SSE and two WebSocket clients on each worker.
        sse = [SseFollower(f"sse{i}", admins[i % 2], [a, b] if i < 2 else [b, a]) for i in range(4)]
        ws = [
            WsFollower(f"ws{i}", viewers[i], [a, b] if i < 2 else [b, a], post_id) for i in range(4)
        ]
        blogs: list[int] = []
        comments: list[int] = []

        async def make_events(label: str, count: int = 3) -> None:
            for n in range(count):
                worker = (a, b)[n % 2]
                blogs.append(await post_blog(http, worker, author, f"{label} {n}"))
                comments.append(await post_comment(http, worker, author, post_id, f"{label} {n}"))

        async with following(*sse, *ws):
            await connected(*sse, *ws)
            await make_events("before")

            cluster.redis.kill()
            # Half of the clients lose their connection now and reconnect while Redis is down.
            for follower in (sse[0], sse[2], ws[1], ws[3]):
                follower.bounce()
            await make_events("during")  # committed; their events wait in the outbox
            await asyncio.sleep(1.0)
            cluster.redis.start(persist=keep_data)
            bounced = (sse[0], sse[2], ws[1], ws[3])
            await connected(*bounced, count=2)
            await make_events("after")
            # Every client recovers by itself (a `reset` and a reload, where Redis lost data).
            await wait_for(sse, blogs)
            await wait_for(ws, comments)

            # Once recovered, events reach every client live again, on the connection it has:
            # no client is dropped and none needs a reload for them.
            final_blogs, final_comments = len(blogs), len(comments)
            await make_events("final")
            sse_tallies = await wait_for(sse, blogs)
            ws_tallies = await wait_for(ws, comments)

        report = "\n".join(f.describe() for f in (*sse, *ws))
        for tally in [*sse_tallies, *ws_tallies]:
            assert tally.exact, (tally, report, cluster.logs())
        for follower, posted in [*((f, blogs) for f in sse), *((f, comments) for f in ws)]:
            final = set(posted[final_blogs if follower in sse else final_comments :])
            assert final <= follower.live_ids(), (follower.name, report)
        # The bounced clients were cut by the test; nobody was cut by a server.
        assert not any(f.drops for f in (*sse, *ws)), report
