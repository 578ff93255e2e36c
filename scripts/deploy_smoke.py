"""Run deploy/compose.yaml for real and prove the stack through Caddy over HTTPS.

Called by scripts/deploy-smoke once a Docker engine answers, the stand-in base images exist and
deploy/secrets/ is written. The stack is the production compose file; the only test override is
the Caddyfile with `local_certs` (Caddy's internal CA, the `tls internal` of every site) inserted
at its `# e2e:` marker, like tests/e2e does, and the published ports (free ports on 127.0.0.1,
through PUBLISH_HTTP / PUBLISH_HTTPS). Every check prints one line; a failure prints the stack's
logs and exits 1. The stack is removed at the end (volumes too) unless KEEP=1.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import json
import os
import queue
import re
import shlex
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
COMPOSE = shlex.split(os.environ.get("COMPOSE", "docker compose"))
PROJECT = os.environ.get("COMPOSE_PROJECT_NAME", "blog-api-smoke")
PASSWORD = "Correct-horse-42"
WORK = Path(tempfile.mkdtemp(prefix="blog-api-smoke-"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


HTTPS_PORT = int(os.environ.get("SMOKE_HTTPS_PORT") or _free_port())
HTTP_PORT = int(os.environ.get("SMOKE_HTTP_PORT") or _free_port())
BASE = f"https://localhost:{HTTPS_PORT}"
ENV = {
    **os.environ,
    "COMPOSE_PROJECT_NAME": PROJECT,
    "DOMAIN": "localhost",
    "ACME_EMAIL": "ops@example.com",
    "CORS_ORIGINS": "https://localhost",
    "FRONTEND_URL": f"{BASE}/demo/#",
    "PUBLISH_HTTP": f"127.0.0.1:{HTTP_PORT}",
    "PUBLISH_HTTPS": f"127.0.0.1:{HTTPS_PORT}",
    # The engine's own builder: the Dockerfile needs no BuildKit (and no frontend image).
    "DOCKER_BUILDKIT": "0",
}


# --- plumbing ---------------------------------------------------------------------------------


def compose(*args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run a compose command on the stack (production file plus the test override)."""
    files = ["-f", str(DEPLOY / "compose.yaml"), "-f", str(WORK / "override.yaml")]
    result = subprocess.run(
        [*COMPOSE, *files, *args],
        cwd=DEPLOY,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def containers(service: str, *, all_: bool = False) -> list[str]:
    """Container ids of a service (works the same with Compose v1 and v2)."""
    labels = [
        f"--filter=label=com.docker.compose.project={PROJECT}",
        f"--filter=label=com.docker.compose.service={service}",
    ]
    out = subprocess.run(
        ["docker", "ps", "-q", *(["-a"] if all_ else []), *labels],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.split()


def inspect(container: str, template: str) -> str:
    return subprocess.run(
        ["docker", "inspect", "-f", template, container],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def health(service: str) -> str:
    ids = containers(service)
    return inspect(ids[0], "{{.State.Health.Status}}") if ids else "not running"


def logs(service: str) -> str:
    return compose("logs", "--no-color", service, check=False).stdout


def in_app(service: str, code: str) -> subprocess.CompletedProcess:
    """Run Python inside an app container, talking to that replica directly on 127.0.0.1."""
    return compose("exec", "-T", service, "python", "-c", code, check=False)


READYZ = (
    "import urllib.request, urllib.error\n"
    "try:\n"
    "    r = urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4)\n"
    "    print(r.status, r.read().decode())\n"
    "except urllib.error.HTTPError as e:\n"
    "    print(e.code, e.read().decode())\n"
)


def replica_readiness(service: str) -> tuple[int, dict[str, Any]]:
    result = in_app(service, READYZ)
    status, _, body = result.stdout.strip().partition(" ")
    if not status.isdigit():
        raise AssertionError(f"{service} /readyz: {result.stdout}{result.stderr}")
    return int(status), json.loads(body)


def scrape_metrics(service: str) -> str:
    """GET /metrics of a replica from inside it (a private address; Caddy refuses it)."""
    scrape = in_app(
        service,
        "import urllib.request; print(urllib.request.urlopen("
        "'http://127.0.0.1:8000/metrics', timeout=10).read().decode())",
    )
    assert scrape.returncode == 0, scrape.stderr
    return scrape.stdout


def wait_until(
    what: str, predicate: Callable[[], bool], timeout: float, every: float = 0.5
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if predicate():
                return
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for: {what}")


# Every .eml file in the replicas' shared MAIL_DIR, separated by a line of their own.
CAT_MAIL = 'for f in /data/mail/*.eml; do [ -f "$f" ] && cat "$f" && printf "\\n--EML--\\n"; done'


def mailed_tokens(address: str) -> list[str]:
    """Verification tokens in the mail written for `address` (MAIL_DIR of the app replicas)."""
    listing = compose(
        "exec",
        "-T",
        "app1",
        "sh",
        "-c",
        CAT_MAIL,
        check=False,
    ).stdout
    found = []
    for raw in listing.split("\n--EML--\n"):
        message = email.message_from_string(raw, policy=email.policy.default)
        if message["To"] and address in str(message["To"]):
            body = message.get_body(preferencelist=("plain",))
            text = body.get_content() if body is not None else ""
            found += re.findall(r"verify-email\?token=([A-Za-z0-9_\-]+)", text)
    return found


class Report:
    """One line per check, with its duration; the summary at the end."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.passed: list[str] = []

    @contextlib.contextmanager
    def check(self, title: str) -> Iterator[list[str]]:
        notes: list[str] = []
        began = time.monotonic()
        print(f"  ..   {title}", flush=True)
        yield notes
        took = time.monotonic() - began
        extra = f": {'; '.join(notes)}" if notes else ""
        print(f"  ok   {title} ({took:.1f} s){extra}", flush=True)
        self.passed.append(title)


# --- HTTP, SSE and WebSocket clients through Caddy ----------------------------------------------


class Client:
    def __init__(self, ca: Path) -> None:
        self.ssl = ssl.create_default_context(cafile=str(ca))
        self.http = httpx.Client(base_url=BASE, verify=self.ssl, timeout=15)

    def account(self, role: str | None = None) -> tuple[str, dict[str, str]]:
        name = f"smoke{uuid.uuid4().hex[:10]}"
        email = f"{name}@example.com"
        body = {"email": email, "username": name, "password": PASSWORD}
        created = self.http.post("/api/auth/register", json=body)
        assert created.status_code == 201, created.text
        # The production example lets only verified accounts post: open the mailed link, as a
        # user would (no SMTP here, so the message is an .eml file in the shared MAIL_DIR).
        tokens: list[str] = []
        wait_until(
            "the verification mail", lambda: bool(tokens.extend(mailed_tokens(email)) or tokens), 30
        )
        verified = self.http.post("/api/auth/email/verify", json={"token": tokens[-1]})
        assert verified.status_code == 200, verified.text
        if role:
            # `docker exec` skips the entry point: run it, it turns *_FILE secrets into settings.
            compose(
                "exec", "-T", "app1", "docker-entrypoint.sh", "blog-api", "set-role", email, role
            )
        login = self.http.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        assert login.status_code == 200, login.text
        return email, {"Authorization": f"Bearer {login.json()['access_token']}"}

    def ticket(self, headers: dict[str, str], purpose: str) -> str:
        response = self.http.post(
            "/api/notifications/ticket", json={"purpose": purpose}, headers=headers
        )
        assert response.status_code == 201, response.text
        return str(response.json()["ticket"])

    def post_blog(self, headers: dict[str, str], title: str) -> int:
        created = self.http.post(
            "/api/blogs", json={"title": title, "content": "Hello", "tags": []}, headers=headers
        )
        assert created.status_code == 201, created.text
        return int(created.json()["id"])

    def websocket(self, path: str, ticket: str) -> ClientConnection:
        url = f"wss://localhost:{HTTPS_PORT}{path}?ticket={ticket}"
        return connect(url, ssl=self.ssl, open_timeout=10)


class StreamReader(threading.Thread):
    """Holds one SSE stream open through Caddy and queues (event, data)."""

    def __init__(self, client: Client, ticket: str) -> None:
        super().__init__(daemon=True)
        self.client, self.ticket = client, ticket
        self.events: queue.Queue[tuple[str, dict]] = queue.Queue()
        self.request_id = ""
        self.response: httpx.Response | None = None

    def run(self) -> None:
        try:
            with (
                httpx.Client(
                    base_url=BASE, verify=self.client.ssl, timeout=httpx.Timeout(10, read=60)
                ) as http,
                http.stream("GET", f"/api/notifications/sse?ticket={self.ticket}") as response,
            ):
                self.response = response
                self.request_id = response.headers.get("x-request-id", "")
                if response.status_code != 200:
                    self.events.put(("error", {"status": response.status_code}))
                    return
                name = "message"
                for line in response.iter_lines():
                    if line.startswith("event:"):
                        name = line.split(":", 1)[1].strip()
                    elif line.startswith("data:"):
                        self.events.put((name, json.loads(line[5:])))
                    elif not line:
                        name = "message"
        except Exception as exc:  # closed by close(), or a failure the waiter reports
            self.events.put(("closed", {"exception": repr(exc)}))

    def wait_for(self, event: str, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                name, data = self.events.get(timeout=left)
            except queue.Empty:
                break
            if name == event:
                return data
            assert name not in ("error", "closed"), data
        raise AssertionError(f"no {event!r} SSE event within {timeout:.0f} s")

    def close(self) -> None:
        if self.response is not None:
            with contextlib.suppress(Exception):
                self.response.close()
        self.join(timeout=5)


def expect(conn: ClientConnection, type_: str, timeout: float = 10) -> dict:
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        message = json.loads(conn.recv(timeout=left))
        if message["type"] == type_:
            return dict(message)
    raise AssertionError(f"no {type_!r} WebSocket message within {timeout:.0f} s")


def holders(marker: str) -> list[int]:
    """How often `marker` is in each replica's log (a stream's access line comes at its end)."""
    return [logs(service).count(marker) for service in ("app1", "app2")]


# --- the checks ---------------------------------------------------------------------------------


def main() -> int:
    caddyfile = (ROOT / "Caddyfile").read_text()
    marker = "# e2e: global options are inserted after this line\n"
    assert marker in caddyfile
    (WORK / "Caddyfile").write_text(
        caddyfile.replace(marker, marker + "\tlocal_certs\n\tskip_install_trust\n")
    )
    (WORK / "override.yaml").write_text(
        "# Test override: Caddy's internal CA, not Let's Encrypt (ports: PUBLISH_*).\n"
        "services:\n  caddy:\n    volumes:\n"
        f"      - {WORK / 'Caddyfile'}:/etc/caddy/Caddyfile:ro\n"
    )
    report = Report()
    print(
        f"==> deploy-smoke: project {PROJECT}, https://localhost:{HTTPS_PORT} ({' '.join(COMPOSE)})"
    )
    compose("down", "-v", "--remove-orphans", check=False)
    try:
        run_checks(report)
    except BaseException as exc:
        print(f"  FAIL {exc}", file=sys.stderr)
        for service in ("migrate", "app1", "app2", "redis", "postgres", "caddy"):
            print(f"--- last log lines of {service} ---", file=sys.stderr)
            for line in logs(service).splitlines()[-15:]:
                print(line[:240], file=sys.stderr)
        return 1
    finally:
        if os.environ.get("KEEP") == "1":
            print(f"==> KEEP=1: the stack stays up (COMPOSE_PROJECT_NAME={PROJECT})")
        else:
            compose("down", "-v", "--remove-orphans", check=False)
            shutil.rmtree(WORK, ignore_errors=True)
    took = time.monotonic() - report.started
    print(f"==> deploy-smoke: {len(report.passed)} checks passed in {took:.0f} s")
    return 0


def run_checks(report: Report) -> None:  # one linear story, top to bottom
    with report.check("image built with the engine's builder, stack started (`up -d --build`)"):
        compose("up", "-d", "--build")

    with report.check("migrate ran once and exited 0; both app replicas healthy") as notes:
        wait_until(
            "app1 and app2 healthy", lambda: health("app1") == health("app2") == "healthy", 120
        )
        runs = containers("migrate", all_=True)
        assert len(runs) == 1, f"{len(runs)} migrate containers"
        assert inspect(runs[0], "{{.State.ExitCode}} {{.RestartCount}}") == "0 0"
        applied = [line for line in logs("migrate").splitlines() if "applied" in line]
        assert applied, logs("migrate")
        assert all("applied" not in logs(s) for s in ("app1", "app2")), "an app migrated"
        notes.append(applied[0].split("|", 1)[-1].strip()[:80])
        # What docs/deploy.md tells an operator to look at: `ps -a` (v2 hides exited ones
        # without -a). v1 prints "Exit 0", v2 "Exited (0)".
        listing = compose("ps", "-a").stdout.splitlines()
        [migrate] = [line for line in listing if "migrate" in line]
        assert re.search(r"Exit(ed)? \(?0\)?", migrate), listing
        for service in ("app1", "app2", "postgres", "redis"):
            assert any(service in line and "(healthy)" in line for line in listing), listing

    with report.check(
        "Redis refuses clients without the password (ACL file from a secret), publishes no port"
    ):
        anonymous = compose("exec", "-T", "redis", "redis-cli", "ping", check=False)
        assert "NOAUTH" in anonymous.stdout + anonymous.stderr, anonymous.stdout
        assert not inspect(containers("redis")[0], "{{json .NetworkSettings.Ports}}").strip("{}")

    ca = WORK / "caddy-root.crt"
    with report.check("HTTPS through Caddy (its internal CA); /readyz reports Redis connected"):

        def fetch_ca() -> bool:
            path = "/data/caddy/pki/authorities/local/root.crt"
            ca.write_text(compose("exec", "-T", "caddy", "cat", path).stdout)
            return "BEGIN CERTIFICATE" in ca.read_text()

        wait_until("Caddy's root certificate", fetch_ca, 30)
        client = Client(ca)
        wait_until(
            "/readyz through Caddy", lambda: client.http.get("/readyz").status_code == 200, 30
        )
        for service in ("app1", "app2"):
            assert replica_readiness(service) == (
                200,
                {"status": "ok", "checks": {"database": "ok", "redis": "ok"}},
            ), service
        body = client.http.get("/readyz").json()
        assert body == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}, body
        redirect = httpx.get(f"http://127.0.0.1:{HTTP_PORT}/readyz", headers={"Host": "localhost"})
        assert redirect.status_code == 308, redirect.status_code

    with report.check("register / login (author, l1_approver, viewer)"):
        _, author = client.account()
        _, reviewer = client.account(role="l1_approver")
        _, viewer = client.account()

    with report.check("submit, SSE on both replicas, approve") as notes:
        readers = []
        for _ in range(2):
            reader = StreamReader(client, client.ticket(reviewer, "sse"))
            reader.start()
            # Subscribed before the next opens: least_conn puts the second on the other replica.
            reader.wait_for("ready", timeout=15)
            readers.append(reader)
        sent = time.monotonic()
        blog_id = client.post_blog(author, "Deploy smoke")
        for reader in readers:
            assert reader.wait_for("blog.submitted", timeout=10)["subject"]["id"] == blog_id
        notes.append(f"event on both streams after {time.monotonic() - sent:.2f} s")
        approved = client.http.post(f"/api/blogs/{blog_id}/approve", headers=reviewer)
        assert approved.status_code == 200, approved.text
        assert client.http.get(f"/api/blogs/{blog_id}").json()["status"] == "approved"
        for reader in readers:
            reader.close()
        # Access lines of streams are written when they end: one stream on each replica, so the
        # event raised through one replica reached a stream held on the other.
        ids = [reader.request_id for reader in readers]
        wait_until(
            "both streams logged", lambda: sum(holders(ids[0])) + sum(holders(ids[1])) == 2, 10
        )
        assert {tuple(holders(i)) for i in ids} == {(1, 0), (0, 1)}, [holders(i) for i in ids]
        notes.append("streams held on app1 and app2")

    with report.check("a WebSocket comment crosses replicas") as notes:
        path = f"/api/blogs/{blog_id}/ws"
        with client.websocket(path, client.ticket(viewer, "ws")) as watching:
            expect(watching, "presence")
            with client.websocket(path, client.ticket(author, "ws")) as sending:
                expect(sending, "presence")
                sending.send(
                    json.dumps({"type": "comment.create", "client_id": "c1", "body": "hi"})
                )
                ack = expect(sending, "comment.ack")
                created = expect(watching, "comment.created")
        assert created["comment"]["id"] == ack["comment"]["id"]
        marker = f'"path": "{path}"'
        wait_until("both sockets logged", lambda: sum(holders(marker)) == 2, 10)
        assert holders(marker) == [1, 1], holders(marker)
        notes.append("sockets on app1 and app2")

    with report.check("`stop app1` drains in under 10 s while app2 serves") as notes:
        statuses: list[int] = []
        done = threading.Event()

        def hammer() -> None:
            with httpx.Client(base_url=BASE, verify=client.ssl, timeout=10) as http:
                while not done.is_set():
                    try:
                        statuses.append(http.get("/api/blogs").status_code)
                    except httpx.HTTPError:
                        statuses.append(0)
                    time.sleep(0.05)

        thread = threading.Thread(target=hammer, daemon=True)
        thread.start()
        # Two open streams, one on each replica (least_conn): app1's must end with `reconnect`.
        streams = []
        for _ in range(2):
            reader = StreamReader(client, client.ticket(reviewer, "sse"))
            reader.start()
            reader.wait_for("ready", timeout=15)
            streams.append(reader)
        time.sleep(1)
        began = time.monotonic()
        compose("stop", "app1")
        stop_took = time.monotonic() - began
        time.sleep(1)
        done.set()
        thread.join()
        assert stop_took < 10, f"stop took {stop_took:.1f} s"
        reasons = []
        for reader in streams:
            with contextlib.suppress(AssertionError):
                reasons.append(reader.wait_for("reconnect", timeout=0.5)["reason"])
            reader.close()
        assert reasons == ["shutdown"], f"reconnect frames: {reasons}"
        failed = [s for s in statuses if s != 200]
        assert statuses and not failed, (
            f"{len(failed)} of {len(statuses)} requests failed: {failed}"
        )
        notes.append(
            f"stop took {stop_took:.1f} s, app1's SSE stream got `reconnect: shutdown`, "
            f"{len(statuses)} requests meanwhile all 200"
        )
        compose("start", "app1")
        wait_until("app1 healthy again", lambda: health("app1") == "healthy", 60)

    with report.check(
        "Redis stopped: degraded (body and metric), still serving via Caddy"
    ) as notes:
        compose("stop", "redis")
        for service in ("app1", "app2"):
            wait_until(
                f"{service} reports Redis unreachable",
                lambda s=service: (
                    replica_readiness(s)  # type: ignore[misc]
                    == (
                        200,
                        {
                            "status": "degraded",
                            "checks": {"database": "ok", "redis": "unreachable"},
                        },
                    )
                ),
                30,
            )
        assert client.http.get("/readyz").json()["status"] == "degraded"
        assert client.http.get("/api/blogs").status_code == 200
        assert client.http.get(f"/api/blogs/{blog_id}").status_code == 200
        client.post_blog(author, "Posted while Redis is down")
        assert health("app1") == health("app2") == "healthy"
        assert "\nblog_api_redis_up 0.0" in scrape_metrics("app1")
        notes.append("both replicas degraded and healthy; GET and POST answered")

    with report.check("Redis back: both replicas report it connected"):
        compose("start", "redis")
        for service in ("app1", "app2"):
            wait_until(
                f"{service} reports Redis ok",
                lambda s=service: replica_readiness(s)[1]["checks"]["redis"] == "ok",  # type: ignore[misc]
                60,
            )
        assert client.http.get("/readyz").json()["status"] == "ok"
        assert "\nblog_api_redis_up 1.0" in scrape_metrics("app1")

    with report.check("/metrics: 404 through Caddy, every worker's counts on the network"):
        assert client.http.get("/metrics").status_code == 404
        # Each replica sums its own workers; Caddy spread the POSTs over both (and app1 was
        # restarted above, which starts its counts again), so look at the two together.
        text = scrape_metrics("app1") + scrape_metrics("app2")
        for name in (
            'blog_api_http_requests_total{method="POST",route="/api/blogs",status="201"}',
            "blog_api_events_published_total",
            "blog_api_outbox_backlog",
            "blog_api_sse_connections",
        ):
            assert name in text, name

    with report.check("PostgreSQL stopped: Docker marks the app unhealthy, then healthy again"):
        test = json.loads(inspect(containers("app2")[0], "{{json .Config.Healthcheck.Test}}"))
        assert test[0] == "CMD", test
        assert health("app2") == "healthy", health("app2")
        compose("stop", "postgres")
        status, _ = replica_readiness("app2")
        assert status == 503, status
        # Docker's own verdict, from the image's HEALTHCHECK (3 failures 10 s apart).
        wait_until("Docker reports app2 unhealthy", lambda: health("app2") == "unhealthy", 90)
        compose("start", "postgres")
        wait_until("app2 ready again", lambda: replica_readiness("app2")[0] == 200, 60)
        wait_until("Docker reports app2 healthy", lambda: health("app2") == "healthy", 60)


if __name__ == "__main__":
    sys.exit(main())
