"""The outbound request itself: size cap and timeout against real (misbehaving) servers."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from blog_api.webhooks.outbound import post


@contextmanager
def endless_server(*, send_headers: bool = True) -> Iterator[int]:
    """Answers 200 with a body that never ends (or, without headers, never answers at all)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                conn.recv(65536)
                if not send_headers:
                    stop.wait(10)
                    continue
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n")
                try:
                    while not stop.is_set():
                        conn.sendall(b"x" * 65536)
                except OSError:
                    pass  # the client hung up: what the cap should make it do

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


async def test_only_the_capped_size_of_an_answer_is_read() -> None:
    with endless_server() as port:
        async with httpx.AsyncClient(trust_env=False) as client:
            outcome = await post(
                client,
                f"http://127.0.0.1:{port}/hook",
                body="{}",
                headers={},
                allow_private=True,
                timeout=5.0,
                max_response_bytes=4096,
            )
    # Had it read the endless body it would have run into the timeout instead.
    assert outcome.ok, outcome.error
    assert outcome.elapsed_ms < 4000
    assert 0 < len(outcome.body_excerpt) <= 1000


async def test_a_server_that_never_answers_times_out() -> None:
    with endless_server(send_headers=False) as port:
        async with httpx.AsyncClient(trust_env=False) as client:
            outcome = await post(
                client,
                f"http://127.0.0.1:{port}/hook",
                body="{}",
                headers={},
                allow_private=True,
                timeout=0.5,
                max_response_bytes=4096,
            )
    assert outcome.status is None
    assert outcome.error == "timed out after 0.5s"
    assert outcome.elapsed_ms < 2000
