"""An event triggered through one upstream reaches a stream held through the other, via Caddy,
within one second: no buffering in Caddy, delivery across workers through Redis."""

from __future__ import annotations

import json
import queue
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import run_cli
from tests.harness import Stack, start_stack

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis]

PASSWORD = "Correct-horse-42"


@pytest.fixture
def stack(caddy_bin: str, e2e_env: dict[str, str], tmp_path: Path) -> Iterator[Stack]:
    with start_stack(e2e_env, tmp_path / "stack") as running:
        yield running


def _account(client: httpx.Client, env: dict[str, str], role: str | None = None) -> dict:
    name = f"sse{uuid.uuid4().hex[:10]}"
    email = f"{name}@example.com"
    body = {"email": email, "username": name, "password": PASSWORD}
    assert client.post("/api/auth/register", json=body).status_code == 201
    if role:
        result = run_cli("set-role", email, role, env={"DATABASE_URL": env["DATABASE_URL"]})
        assert result.returncode == 0, result.stderr
    login = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


class StreamReader(threading.Thread):
    """Holds one SSE stream open through Caddy and queues (arrival time, event, data)."""

    def __init__(self, stack: Stack, ticket: str) -> None:
        super().__init__(daemon=True)
        self.stack, self.ticket = stack, ticket
        self.events: queue.Queue[tuple[float, str, dict]] = queue.Queue()
        self.request_id = ""
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            self._read()
        except Exception as exc:  # surface it to the test instead of a silent timeout
            self.events.put((time.monotonic(), "error", {"exception": repr(exc)}))

    def _read(self) -> None:
        with (
            self.stack.client(timeout=httpx.Timeout(10, read=30)) as client,
            client.stream("GET", f"/api/notifications/sse?ticket={self.ticket}") as response,
        ):
            self.request_id = response.headers.get("x-request-id", "")
            if response.status_code != 200:
                self.events.put((time.monotonic(), "error", {"status": response.status_code}))
                return
            name = "message"
            for line in response.iter_lines():
                if self.stop.is_set():
                    return
                if line.startswith("event:"):
                    name = line.split(":", 1)[1].strip()
                elif line.startswith("data:"):
                    self.events.put((time.monotonic(), name, json.loads(line[5:])))
                elif not line:
                    name = "message"

    def wait_for(self, event: str, timeout: float) -> tuple[float, dict]:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                at, name, data = self.events.get(timeout=left)
            except queue.Empty:
                break
            if name == event:
                return at, data
            assert name != "error", data
        raise AssertionError(f"no {event!r} event within {timeout}s")


def test_event_crosses_upstreams_through_caddy_within_a_second(stack: Stack) -> None:
    with stack.client() as client:
        reviewer = _account(client, stack.env, role="l1_approver")
        author = _account(client, stack.env)
        readers = []
        for _ in range(2):
            ticket = client.post(
                "/api/notifications/ticket", json={"purpose": "sse"}, headers=reviewer
            )
            assert ticket.status_code == 201, ticket.text
            reader = StreamReader(stack, ticket.json()["ticket"])
            reader.start()
            # Wait until this stream is subscribed before opening the next: least_conn then puts
            # the second one on the other upstream.
            reader.wait_for("ready", timeout=10)
            readers.append(reader)

        created = client.post(
            "/api/blogs",
            json={"title": "Through Caddy", "content": "Hello", "tags": []},
            headers=author,
        )
        assert created.status_code == 201, created.text
        sent_at = time.monotonic()
        blog_id = created.json()["id"]
        for reader in readers:
            try:
                arrived, data = reader.wait_for("blog.submitted", timeout=5)
            except AssertionError as exc:
                raise AssertionError(f"{exc}\n{stack.logs()}") from None
            assert data["subject"]["id"] == blog_id
            assert arrived - sent_at < 1.0, f"event took {arrived - sent_at:.2f}s"

    # The streams' access log lines are written when they end: prove they were on different
    # upstreams (so at least one received an event triggered on the other one).
    for reader in readers:
        reader.stop.set()
    stack.apps[0].stop()
    stack.apps[1].stop()
    holders = [
        {i for i, app in enumerate(stack.apps) if reader.request_id in app.log()}
        for reader in readers
    ]
    assert all(len(h) == 1 for h in holders) and holders[0] != holders[1], (holders, stack.logs())
