"""A client that opens an SSE stream and never reads it: the worker evicts it (`reconnect` with
reason `slow_consumer`, found once the client finally reads) instead of buffering without end,
and the other clients of the same user, on both workers, get every event exactly once."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import httpx
import pytest

from tests.faults.clients import SseFollower, connected, following, wait_for
from tests.faults.conftest import Account, Accounts, approved_post, post_comment
from tests.harness import Worker, two_workers

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis]

BODY = "x" * 5000  # comment events carry the body: big events fill buffers with few requests
COUNT = 900


def open_unread_stream(worker: Worker, account: Account) -> socket.socket:
    """An SSE request on a socket with a tiny receive buffer, whose answer nobody reads."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", worker.port))
    sock.sendall(
        b"GET /api/notifications/sse HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + f"Authorization: Bearer {account.token}\r\n\r\n".encode()
    )
    return sock


def drain(sock: socket.socket, until: bytes, timeout: float = 10.0) -> bytes:
    """Read what the server sent (at last) until `until` appears, the end, or the timeout."""
    sock.settimeout(timeout)
    data = b""
    try:
        while until not in data[-8192:] and until not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except TimeoutError:
        pass
    return data


async def test_a_client_that_never_reads_is_evicted_and_the_others_get_everything(
    fault_database: str, tmp_path: Path, http: httpx.AsyncClient
) -> None:
    # A queue small enough that the silent client is evicted within COUNT comments (the kernel
    # takes ~2.9 MB of its stream first), yet roomy enough for a reading follower that lags a
    # few dozen events behind: this test process posts 900 comments while it parses both streams,
    # and with 8 slots a follower on the quiet machine was cut off too.
    with two_workers(fault_database, tmp_path, SUBSCRIBER_QUEUE_SIZE="64") as cluster:
        a, b = cluster.a, cluster.b
        accounts = Accounts(a.url, fault_database)
        owner, commenter, admin = (
            await accounts.make(),
            await accounts.make(),
            await accounts.make("admin"),
        )
        post_id = await approved_post(http, a, owner, admin)
        # The owner is notified of every comment on the post: on A (with the slow one) and on B.
        others = [
            SseFollower(f"sse-{w.name}", owner, [w], event_type="comment.created") for w in (a, b)
        ]
        slow = open_unread_stream(a, owner)
        try:
            comments: list[int] = []
            async with following(*others):
                await connected(*others)
                # More than the kernel buffers on the way to the reader (up to 4 MiB send
                # buffer, tcp_wmem) and the transport's: only then does the worker's write wait.
                gate = asyncio.Semaphore(8)

                async def comment(n: int) -> None:
                    async with gate:
                        worker = (a, b)[n % 2]
                        comments.append(await post_comment(http, worker, commenter, post_id, BODY))

                await asyncio.gather(*(comment(n) for n in range(COUNT)))
                tallies = await wait_for(others, comments, timeout=60)
            received = await asyncio.to_thread(drain, slow, b"slow_consumer")
        finally:
            slow.close()

        assert received.startswith(b"HTTP/1.1 200"), received[:200]
        assert b"event: reconnect" in received and b'"reason":"slow_consumer"' in received
        # It was cut off: it did not get every comment.
        assert received.count(b"event: comment.created") < len(comments)
        for tally in tallies:
            assert tally.exact, (tally, cluster.logs())
        for follower in others:
            assert "slow_consumer" not in follower.reconnect_reasons
