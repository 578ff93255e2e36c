"""The reference web client (examples/spa/) in a real browser: Debian's Chromium driven by
pytest-playwright, against two `blog-api serve` workers on PostgreSQL and a private Redis.

The page and the API are on different origins, so CORS is real: the SPA is served by the
workers' `/demo/` (DEMO_SPA_ENABLED) at `http://127.0.0.1:<port>`, and it calls the API at
`http://localhost:<port>` (CORS_ORIGINS lists the first). Both go through one small round-robin
TCP proxy in front of the two workers, as Caddy would balance them: each browser connection lands
on either worker, and a killed worker's connections are taken over by the other.

Only the plugin's fixtures drive the browser (`new_context`, `page`); this file overrides
`browser_type_launch_args` (Debian's Chromium, no sandbox as root) and starts the services. The
tests are plain sync tests: the workers are subprocesses, so no event loop is needed here.
They bring their own services, so they run once, in the SQLite pass; a missing Chromium is a skip
worded "Chromium unavailable" (a failure under CI=true, tests/conftest.py).

Mail is written as files (no SMTP_HOST) to the workers' MAIL_DIR, where `SpaStack.mailed_link`
finds the links, which point at the page (FRONTEND_URL = the page's address + "#", as
examples/spa/README.md recommends). The workers know one OpenID Connect provider, the tests'
own (tests/accounts/oidc_provider.py), running in a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import uvicorn

from tests.accounts.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider
from tests.conftest import IN_CI, PASSWORD, ROOT
from tests.harness import (
    Cluster,
    Worker,
    free_port,
    fresh_database,
    once_per_suite,
    start_worker,
    two_workers,
)
from tests.smtp import text_body

CHROMIUM = Path("/usr/lib/chromium/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "browser"


@pytest.hookimpl(trylast=True)  # after pytest's own reordering by (session) parameters
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The browser tests (marker `browser`, set in each module) run after every other test.

    Why last: Playwright's sync API keeps its own event loop registered as the running loop of
    the main thread from its first use until the session ends (the plugin's `playwright`
    fixture is session-scoped), and pytest-asyncio cannot start a test's loop while another one
    is running ("Runner.run() cannot be called from a running event loop").
    """
    here = Path(__file__).parent
    browser = [item for item in items if here in Path(str(item.fspath)).parents]
    others = [item for item in items if here not in Path(str(item.fspath)).parents]
    items[:] = others + browser


# --- the browser ------------------------------------------------------------------------------


def chromium_binary() -> str | None:
    """Debian's Chromium, installed with apt-get when missing and possible (CI runs as root)."""
    if CHROMIUM.exists():
        return str(CHROMIUM)
    apt = shutil.which("apt-get")
    if apt and hasattr(os, "geteuid") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = [apt, "install", "-y", "-q", "chromium"]
        for cmds in ([install], [[apt, "update", "-q"], install]):
            for cmd in cmds:
                subprocess.run(cmd, env=env, capture_output=True, timeout=600, check=False)
            if CHROMIUM.exists():
                return str(CHROMIUM)
    return None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch Debian's Chromium (Playwright's own browser download is not used)."""
    once_per_suite()
    path = chromium_binary()
    if path is None:
        reason = f"Chromium unavailable: {CHROMIUM} is missing (apt-get install chromium)"
        if IN_CI:
            pytest.fail(f"CI=true: {reason}")
        pytest.skip(reason)
    args = list(browser_type_launch_args.get("args", []))
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses to sandbox as root
    return {**browser_type_launch_args, "executable_path": path, "args": args}


@pytest.fixture
def shot() -> Callable[[Any, str], Path]:
    """Save a screenshot of a page as a test artefact (test-artifacts/browser/<name>.png)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


# --- a round-robin TCP proxy in front of the workers ------------------------------------------


class Proxy:
    """Forwards each TCP connection to the next upstream that accepts it (round robin).

    Runs its own event loop in a thread. When an upstream dies, its connections are closed on
    the client side too, so the browser sees the drop; new connections go to the live upstream.
    """

    def __init__(self, port: int, upstreams: list[int]) -> None:
        self.port = port
        self.upstreams = upstreams
        self._next = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._servers: list[asyncio.base_events.Server] = []
        self._thread = threading.Thread(target=self._run, name="spa-proxy", daemon=True)

    def start(self) -> Proxy:
        self._thread.start()
        assert self._ready.wait(10), "proxy did not start"
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        for host in ("127.0.0.1", "::1"):  # "localhost" may resolve to either
            with contextlib.suppress(OSError):
                server = self._loop.run_until_complete(
                    asyncio.start_server(self._handle, host, self.port)
                )
                self._servers.append(server)
        self._ready.set()
        self._loop.run_forever()
        for server in self._servers:
            server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream = None
        for _ in self.upstreams:
            port = self.upstreams[self._next % len(self.upstreams)]
            self._next += 1
            try:
                upstream = await asyncio.open_connection("127.0.0.1", port)
                break
            except OSError:
                continue
        if upstream is None:
            writer.close()
            return
        up_reader, up_writer = upstream

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                with contextlib.suppress(Exception):
                    dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


# --- an OpenID Connect provider --------------------------------------------------------------


class ProviderThread:
    """The tests' OpenID provider (signs in whoever `provider.user` says) on a real socket, in a
    thread of its own: the workers are other processes and the browser goes there too."""

    def __init__(self) -> None:
        self.provider = Provider()
        port = free_port()
        self.provider.issuer = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(
            self.provider.app(), host="127.0.0.1", port=port, lifespan="off", log_level="warning"
        )
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self.server.run, name="oidc-provider", daemon=True)

    def start(self) -> ProviderThread:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "OIDC provider did not start"
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(10)

    def setting(self) -> str:
        """OIDC_PROVIDERS for the workers."""
        return json.dumps(
            [
                {
                    "name": "test",
                    "label": "Test ID",
                    "issuer": self.provider.issuer,
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                }
            ]
        )


# --- the stack: two workers, the proxy, accounts ----------------------------------------------

_LINK = re.compile(r"https?://\S+?(?:verify-email|reset-password)\?token=[A-Za-z0-9_-]+")


def mails_to(mail_dir: Path, address: str) -> list[EmailMessage]:
    """The mails written to `mail_dir` for `address`, oldest first (files are named by time)."""
    found = []
    for path in sorted(mail_dir.glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(message, EmailMessage)
        if message["To"] == address:
            found.append(message)
    return found


def _run_async(coro: Any) -> Any:
    # A thread of its own: these fixtures are sync and must not touch the test loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


@dataclass
class SpaStack:
    """Where the SPA and the API are, and helpers to prepare accounts."""

    cluster: Cluster
    proxy: Proxy
    database_url: str
    port: int
    oidc: Provider
    extra: list[Worker] = field(default_factory=list)

    @property
    def spa_origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def spa_url(self) -> str:
        return f"{self.spa_origin}/demo/index.html"

    @property
    def api_url(self) -> str:
        return f"http://localhost:{self.port}"

    def api(self) -> httpx.Client:
        """A client straight to a live worker (not through the browser)."""
        worker = next(w for w in self.cluster.workers if w.alive())
        return httpx.Client(base_url=worker.url, timeout=10)

    def account(self, username: str, *, role: str = "user") -> str:
        """Register `username` (its email is returned; password PASSWORD) with `role`."""
        email = f"{username}@example.com"
        with self.api() as client:
            res = client.post(
                "/api/auth/register",
                json={"email": email, "username": username, "password": PASSWORD},
            )
            assert res.status_code == 201, res.text
        if role != "user":
            # Roles are given by admins; the database is quicker than an admin account here.
            async def promote() -> None:
                conn = await asyncpg.connect(self.database_url.replace("postgres", "postgresql", 1))
                try:
                    await conn.execute("UPDATE users SET role=$1 WHERE email=$2", role, email)
                finally:
                    await conn.close()

            _run_async(promote())
        return email

    def login(self, email: str) -> dict[str, Any]:
        with self.api() as client:
            res = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
            assert res.status_code == 200, res.text
            return dict(res.json())

    def mailed_link(self, address: str, subject: str, *, after: int = 0) -> str:
        """The link in the newest mail to `address` whose subject has `subject`, once there
        are more than `after` such mails (the queue sends a moment after the request)."""
        mail_dir = Path(self.cluster.env["MAIL_DIR"])
        deadline = time.monotonic() + 10
        while True:
            mails = [m for m in mails_to(mail_dir, address) if subject in str(m["Subject"])]
            if len(mails) > after:
                match = _LINK.search(text_body(mails[-1]))
                assert match, text_body(mails[-1])
                return match.group(0)
            assert time.monotonic() < deadline, f"no mail {subject!r} to {address}"
            time.sleep(0.1)

    def mail_count(self, address: str, subject: str) -> int:
        mails = mails_to(Path(self.cluster.env["MAIL_DIR"]), address)
        return sum(subject in str(m["Subject"]) for m in mails)

    def extra_worker(self, name: str, **env: str) -> Worker:
        """A third worker on the same database and Redis with `env` changed; it serves the SPA
        itself (127.0.0.1) and the API (localhost) on its own port, and its mails link there."""
        port = free_port()
        worker_env = {
            **self.cluster.env,
            "CORS_ORIGINS": f"http://127.0.0.1:{port}",
            "FRONTEND_URL": f"http://127.0.0.1:{port}/demo/#",
            **env,
        }
        worker = start_worker(name, worker_env, self.cluster.log_dir, port=port)
        self.extra.append(worker)
        return worker


def spa_config(api_url: str) -> str:
    """examples/spa/config.js pointing the page at the API's origin."""
    return f'export const API_BASE = "{api_url}";\n'


def route_config(context: Any, api_url: str) -> None:
    """Serve config.js with the API's origin to this browser context (the only file changed)."""
    context.route(
        "**/demo/config.js",
        lambda route: route.fulfill(
            status=200, content_type="text/javascript", body=spa_config(api_url)
        ),
    )


@pytest.fixture(scope="session")
def spa_stack(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SpaStack]:
    """Two workers on a database of their own and a private Redis, behind the proxy."""
    once_per_suite()
    database_url = _run_async(fresh_database(postgres_url, "browser"))
    workdir = tmp_path_factory.mktemp("browser")
    port = free_port()
    provider = ProviderThread().start()
    try:
        with two_workers(
            database_url,
            workdir,
            CORS_ORIGINS=f"http://127.0.0.1:{port}",
            DEMO_SPA_ENABLED="true",
            SSE_RETRY_MS="500",
            # Mailed links and the end of a provider sign-in open the page, as hash routes.
            FRONTEND_URL=f"http://127.0.0.1:{port}/demo/#",
            OIDC_PROVIDERS=provider.setting(),
        ) as cluster:
            proxy = Proxy(port, [cluster.a.port, cluster.b.port]).start()
            stack = SpaStack(
                cluster=cluster,
                proxy=proxy,
                database_url=database_url,
                port=port,
                oidc=provider.provider,
            )
            try:
                yield stack
            finally:
                proxy.stop()
                for worker in stack.extra:
                    worker.stop()
    finally:
        provider.stop()


@pytest.fixture(scope="session")
def short_token_worker(spa_stack: SpaStack) -> Worker:
    """A third worker whose access tokens live 6 seconds (`SpaStack.extra_worker`)."""
    return spa_stack.extra_worker("short-token", ACCESS_TOKEN_MINUTES="0.1")


@pytest.fixture(scope="session")
def verified_posting_worker(spa_stack: SpaStack) -> Worker:
    """A worker with REQUIRE_VERIFIED_EMAIL_TO_POST on, as in deploy/compose.yaml."""
    return spa_stack.extra_worker("verified-posting", REQUIRE_VERIFIED_EMAIL_TO_POST="true")


def wait_port_free(port: int) -> None:
    """Nothing listens on `port` any more (a killed worker's socket is gone)."""
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        raise AssertionError(f"port {port} still answers")
