"""One of two workers killed (SIGKILL) while clients hold SSE streams and WebSockets on it.

Its clients reconnect to the other worker the way a browser does (a fresh ticket each time, the
last event id to resume, after the stream's `retry:` for SSE and a like pause for sockets) and
miss nothing. Each user is at the connection cap on the dead worker, so a reconnect is admitted
only if the dead worker's slots were let go (realtime/slots.py, `OwnerHeartbeat`): none may be
refused with 429 (or closed 4429), which the docs tell browsers not to retry.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.faults.clients import SseFollower, WsFollower, connected, following, wait_for
from tests.faults.conftest import Accounts, approved_post, post_blog, post_comment
from tests.harness import two_workers

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis]


async def test_clients_of_a_killed_worker_resume_on_the_other_and_miss_nothing(
    fault_database: str, tmp_path: Path, http: httpx.AsyncClient
) -> None:
    caps = {"SSE_MAX_CONNECTIONS_PER_USER": "3", "WS_MAX_CONNECTIONS_PER_USER": "2"}
    with two_workers(fault_database, tmp_path, **caps) as cluster:
        a, b = cluster.a, cluster.b
        accounts = Accounts(b.url, fault_database)
        admin, author, viewer = (
            await accounts.make("admin"),
            await accounts.make(),
            await accounts.make(),
        )
        post_id = await approved_post(http, b, author, admin)
        # Every one of them on A, each user at its cap.
        sse = [SseFollower(f"sse{i}", admin, [a, b]) for i in range(3)]
        ws = [WsFollower(f"ws{i}", viewer, [a, b], post_id) for i in range(2)]
        for follower in ws:
            follower.delay = 3.0  # like SSE's `retry:`
        blogs: list[int] = []
        comments: list[int] = []

        async def make_events(label: str) -> None:
            for n in range(3):
                blogs.append(await post_blog(http, b, author, f"{label} {n}"))
                comments.append(await post_comment(http, b, author, post_id, f"{label} {n}"))

        async with following(*sse, *ws):
            await connected(*sse, *ws)
            await make_events("before")
            a.kill()
            await make_events("while reconnecting")
            await connected(*sse, *ws, count=2)
            await make_events("after")
            sse_tallies = await wait_for(sse, blogs)
            ws_tallies = await wait_for(ws, comments)

        for tally in [*sse_tallies, *ws_tallies]:
            assert tally.exact, (tally, cluster.logs())
        for follower in [*sse, *ws]:
            assert follower.worker is b
            assert not [r for r in follower.refusals if r[1] in (429, 4429)], follower.refusals
