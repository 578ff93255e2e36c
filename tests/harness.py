"""The one multi-process test harness: real app workers, a private Redis, a private PostgreSQL
cluster and Caddy, all on free localhost ports.

Workers start the way operators start them, `blog-api serve --host 127.0.0.1 --port <free>` with the
settings in the environment (`app_env`), and count as started once `/readyz` answers 200. A test can
`kill()` one (SIGKILL: a crash), `stop()` it (SIGTERM: a deploy) and `restart()` it on the same
port. Databases are brought to the current schema with `blog-api migrate` (`migrate`).

`RedisServer` and `PostgresCluster` are private servers owned by the test that starts them, so a
test may kill, stop or restart them without touching the shared services other tests use.

Used by the e2e tests (tests/e2e, tests/realtime/test_e2e.py, tests/comments/test_ws_workers.py,
tests/blogs/test_public_cache_workers.py) and the fault-injection tests (tests/faults).

The Caddy configuration is the real top-level Caddyfile with exactly two lines added to its global
options (`local_certs`, `skip_install_trust`: certificates from Caddy's internal CA instead of Let's
Encrypt, nothing installed in the system trust store); ports, upstreams and the media folder come
from the same environment variables production uses.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.conftest import IN_CI, IS_POSTGRES

ROOT = Path(__file__).resolve().parents[1]
CADDYFILE = ROOT / "Caddyfile"
E2E_MARKER = "# e2e: global options are inserted after this line"
E2E_GLOBAL_OPTIONS = ("local_certs", "skip_install_trust")
STARTUP_TIMEOUT = 30.0
# Seconds a stopping worker waits for open requests (`blog-api serve --graceful-timeout`): the
# tests that SIGTERM a worker assert it exits well before that bound.
GRACEFUL_TIMEOUT = 5


def free_port() -> int:
    """A TCP port that was free a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def once_per_suite() -> None:
    """Skip in the PostgreSQL pass: for tests that bring their own services (a database of their
    own, a private Redis or PostgreSQL), so the second pass would repeat exactly the same work."""
    if IS_POSTGRES:
        pytest.skip("independent of the pass's backend; runs in the SQLite pass")


def require_binary(name: str, service: str) -> str:
    """Path of `name`; a skip worded as a missing service (a failure under CI=true) otherwise."""
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{service} unavailable: `{name}` is not installed")
    return found


def _wait_until(
    check: Callable[[], bool], proc: Proc, what: str, timeout: float = STARTUP_TIMEOUT
) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if not proc.alive():
            raise RuntimeError(f"{proc.name} exited early:\n{proc.log()[-4000:]}")
        try:
            if check():
                return
        except Exception as exc:  # not up yet
            last = exc
        time.sleep(0.05)
    raise RuntimeError(f"{what} not ready after {timeout}s ({last!r}):\n{proc.log()[-4000:]}")


@dataclass
class Proc:
    """A started server process and where its output goes."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    port: int

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int:
        """Send `sig` and wait; SIGKILL if it does not exit within `timeout`. Returns the code."""
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=5)
        return int(self.popen.returncode)

    def kill(self) -> int:
        """SIGKILL, as a crash or the OOM killer would."""
        return self.stop(signal.SIGKILL)


# --- app workers ------------------------------------------------------------------------------


def app_env(
    *, database_url: str, redis_url: str, secret_key: str, media_root: Path, **extra: str
) -> dict[str, str]:
    """Environment of an app worker: the given backends, cheap hashing, no rate limits.

    The test run's own variables (TEST_*, PYTEST_*) are left out so a worker sees only these.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "PYTEST_"))}
    env.update(
        ENVIRONMENT="development",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        SECRET_KEY=secret_key,
        PASSWORD_HASH_PROFILE="fast",
        RATE_LIMIT_ENABLED="false",
        TRUSTED_PROXIES="127.0.0.1",
        MEDIA_ROOT=str(media_root),
        # Mail without SMTP is written as files: next to the media, not in the repository's var/.
        MAIL_DIR=str(media_root.parent / "mail"),
        LOG_JSON="true",
        CORS_ORIGINS="",
    )
    env.update(extra)
    return env


def migrate(database_url: str) -> None:
    """Bring `database_url` to the current schema with `blog-api migrate`."""
    from tests.conftest import run_cli

    result = run_cli("migrate", env={"DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr


async def fresh_database(postgres_url: str, suffix: str) -> str:
    """A new, migrated database `<name of postgres_url's>_<suffix>` next to it; returns its URL.

    Its own, so app processes outside the tests' truncations see only what the test made.
    """
    import asyncpg

    base, _, name = postgres_url.rpartition("/")
    db_name = f"{name.split('?')[0]}_{suffix}"
    admin = await asyncpg.connect(f"{base}/postgres".replace("postgres://", "postgresql://", 1))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{db_name}"')
    finally:
        await admin.close()
    url = f"{base}/{db_name}"
    migrate(url)
    return url


@dataclass
class Worker(Proc):
    """One `blog-api serve` process; `restart()` brings it back on the same port."""

    env: dict[str, str] = field(default_factory=dict)
    log_dir: Path = Path(".")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def ready(self) -> bool:
        """`/readyz` answers 200 now."""
        try:
            return httpx.get(self.url + "/readyz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def restart(self, *, kill: bool = False) -> Worker:
        """Stop (SIGTERM, or SIGKILL with `kill`) and start again on the same port, ready."""
        self.stop(signal.SIGKILL if kill else signal.SIGTERM)
        fresh = start_worker(self.name, self.env, self.log_dir, port=self.port)
        self.popen = fresh.popen
        return self


def start_worker(
    name: str,
    env: dict[str, str],
    log_dir: Path,
    *,
    port: int | None = None,
    wait: bool = True,
    args: Sequence[str] = (),
) -> Worker:
    """Start `blog-api serve` on a free (or the given) port; with `wait`, until `/readyz` is 200.

    `args` go to `serve` as well (e.g. `--workers 2`).
    """
    port = port or free_port()
    log_path = log_dir / f"{name}.log"
    cmd = [
        sys.executable,
        "-m",
        "blog_api.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--graceful-timeout",
        str(GRACEFUL_TIMEOUT),
        *args,
    ]
    with log_path.open("ab") as log:
        popen = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    worker = Worker(name, popen, log_path, port, env=env, log_dir=log_dir)
    if wait:
        _wait_until(worker.ready, worker, f"{name} on port {port}")
    return worker


@contextlib.contextmanager
def running_workers(env: dict[str, str], log_dir: Path, count: int = 2) -> Iterator[list[Worker]]:
    """`count` workers sharing `env` (so the same database and Redis), stopped on exit.

    They start concurrently (the slow part is each one importing the app) and are waited for
    together.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    workers: list[Worker] = []
    try:
        for index in range(count):
            workers.append(start_worker(f"app{index + 1}", env, log_dir, wait=False))
        for worker in workers:
            _wait_until(worker.ready, worker, f"{worker.name} on port {worker.port}")
        yield workers
    finally:
        for worker in workers:
            worker.stop()


# --- a private Redis --------------------------------------------------------------------------


class RedisServer:
    """A private `redis-server` on a free port, owned by the test: kill it, restart it.

    With `persist=True` it writes an append-only file, so a restart keeps the stream (and its
    epoch); without, a restart is a new, empty Redis.
    """

    def __init__(self, workdir: Path, *, persist: bool = False) -> None:
        self.binary = require_binary("redis-server", "Redis")
        self.port = free_port()
        self.workdir = workdir
        self.persist = persist
        self.proc: Proc | None = None
        workdir.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, *, persist: bool | None = None) -> RedisServer:
        """Start on this server's port (again, after a kill: same address, same URL)."""
        if persist is not None:
            self.persist = persist
        if not self.persist:
            for leftover in ("appendonlydir", "dump.rdb"):
                path = self.workdir / leftover
                shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(True)
        cmd = [
            self.binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "yes" if self.persist else "no",
            "--appendfsync",
            "always",
            "--dir",
            str(self.workdir),
        ]
        log_path = self.workdir / "redis.log"
        with log_path.open("ab") as log:
            popen = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        self.proc = Proc("redis", popen, log_path, self.port)

        def answers() -> bool:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")

        _wait_until(answers, self.proc, f"redis-server on port {self.port}", timeout=10)
        return self

    def kill(self) -> None:
        """SIGKILL: nothing is saved beyond what the append-only file already holds."""
        if self.proc is not None:
            self.proc.kill()
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop()
            self.proc = None


# --- a private PostgreSQL cluster ------------------------------------------------------------


def _postgres_bin(name: str) -> str:
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
    if candidates:
        return str(candidates[0])
    return require_binary(name, "PostgreSQL")


class PostgresCluster:
    """A private PostgreSQL cluster (`initdb` + `pg_ctl`) in a temporary folder on a free port.

    Root may not run PostgreSQL, so as root the server runs as the `postgres` system user (the
    folder is given to it). `stop()`/`start()` simulate a database outage that never touches the
    shared server.
    """

    def __init__(self) -> None:
        self.initdb = _postgres_bin("initdb")
        self.pg_ctl = _postgres_bin("pg_ctl")
        self.port = free_port()
        self.workdir = Path(tempfile.mkdtemp(prefix="blog-api-pg-"))
        self.data = self.workdir / "data"
        self.as_user: list[str] = []
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            self.as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.workdir, "postgres")
        self._run(
            self.initdb,
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
        )

    def _run(self, *args: str) -> None:
        result = subprocess.run(
            [*self.as_user, *args], capture_output=True, text=True, timeout=120, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {result.stdout}\n{result.stderr}")

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> PostgresCluster:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.workdir}"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        log = self.workdir / "postgres.log"
        self._run(self.pg_ctl, "-D", str(self.data), "-l", str(log), "-o", options, "-w", "start")
        return self

    def stop(self, mode: str = "fast") -> None:
        """`pg_ctl stop -m fast`: clients are disconnected, as in a failover or restart."""
        self._run(self.pg_ctl, "-D", str(self.data), "-m", mode, "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def create_database(self, name: str) -> str:
        """A new database on this cluster; returns its URL."""
        import asyncio

        import asyncpg

        async def create() -> None:
            conn = await asyncpg.connect(self.url().replace("postgres://", "postgresql://", 1))
            try:
                await conn.execute(f'CREATE DATABASE "{name}"')
            finally:
                await conn.close()

        from concurrent.futures import ThreadPoolExecutor

        # A thread: the caller may be inside the session's event loop.
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(asyncio.run, create()).result()
        return self.url(name)

    def destroy(self) -> None:
        with contextlib.suppress(Exception):
            if self.running():
                self.stop("immediate")
        shutil.rmtree(self.workdir, ignore_errors=True)


# --- Caddy ------------------------------------------------------------------------------------


class CaddyMissing(RuntimeError):
    """Caddy is not installed and could not be installed."""


def caddy_binary() -> str:
    """Path of the `caddy` binary, installing the Debian package when possible (CI runs as root)."""
    found = shutil.which("caddy")
    if found:
        return found
    apt = shutil.which("apt-get")
    if apt and hasattr(os, "geteuid") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = [apt, "install", "-y", "-q", "caddy"]
        # Try with the current package lists first; refresh them only if that fails.
        for cmds in ([install], [[apt, "update", "-q"], install]):
            for cmd in cmds:
                subprocess.run(cmd, env=env, capture_output=True, timeout=300, check=False)
            found = shutil.which("caddy")
            if found:
                return found
    raise CaddyMissing(
        "Caddy unavailable: install the Debian package `caddy` (apt-get install caddy)"
    )


def caddy_or_skip() -> str:
    """The Caddy binary; a skip without it, a failure under CI=true."""
    try:
        return caddy_binary()
    except CaddyMissing as exc:
        if IN_CI:
            pytest.fail(f"CI=true: {exc}")
        pytest.skip(str(exc))


def e2e_caddyfile_text() -> str:
    """The real Caddyfile with the e2e-only global options added after the marker line."""
    text = CADDYFILE.read_text()
    assert E2E_MARKER in text, "the Caddyfile lost its e2e marker line"
    extra = "".join(f"\n\t{option}" for option in E2E_GLOBAL_OPTIONS)
    return text.replace(E2E_MARKER, E2E_MARKER + extra, 1)


@dataclass
class Caddy:
    proc: Proc
    http_port: int
    https_port: int
    ca_root: Path

    @property
    def https_url(self) -> str:
        return f"https://localhost:{self.https_port}"

    @property
    def http_url(self) -> str:
        return f"http://localhost:{self.http_port}"

    def ssl_context(self) -> ssl.SSLContext:
        """Trusts exactly Caddy's internal CA (no verify=False)."""
        return ssl.create_default_context(cafile=str(self.ca_root))


def start_caddy(
    upstreams: list[int], work_dir: Path, *, media_root: Path, health_interval: str = "1s"
) -> Caddy:
    """Run Caddy with the test Caddyfile on free ports in front of `upstreams` (local ports)."""
    binary = caddy_binary()
    config = work_dir / "Caddyfile"
    config.write_text(e2e_caddyfile_text())
    http_port, https_port = free_port(), free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        # Caddy keeps its internal CA and certificates under these; never the user's real ones.
        "HOME": str(work_dir),
        "XDG_DATA_HOME": str(work_dir / "data"),
        "XDG_CONFIG_HOME": str(work_dir / "config"),
        "DOMAIN": "localhost",
        "ACME_EMAIL": "e2e@example.com",
        "HTTP_PORT": str(http_port),
        "HTTPS_PORT": str(https_port),
        "CADDY_ADMIN": "off",
        "UPSTREAMS": " ".join(f"127.0.0.1:{p}" for p in upstreams),
        "MEDIA_ROOT": str(media_root),
        "SPA_ROOT": str(ROOT / "examples" / "spa"),
        "HEALTH_INTERVAL": health_interval,
    }
    log_path = work_dir / "caddy.log"
    with log_path.open("wb") as log:
        popen = subprocess.Popen(
            [binary, "run", "--config", str(config), "--adapter", "caddyfile"],
            cwd=work_dir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    proc = Proc("caddy", popen, log_path, https_port)
    ca_root = work_dir / "data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"
    caddy = Caddy(proc, http_port, https_port, ca_root)

    def ready() -> bool:
        if not ca_root.exists():
            return False
        with httpx.Client(verify=caddy.ssl_context(), timeout=2) as client:
            return client.get(f"{caddy.https_url}/healthz").status_code == 200

    _wait_until(ready, proc, "caddy")
    return caddy


@dataclass
class Stack:
    """Caddy in front of several app workers, all on free localhost ports."""

    caddy: Caddy
    apps: list[Worker]
    work_dir: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def https_url(self) -> str:
        return self.caddy.https_url

    def client(self, **kwargs: object) -> httpx.Client:
        """An HTTPS client through Caddy that trusts Caddy's internal CA."""
        kwargs.setdefault("timeout", 10)
        return httpx.Client(
            base_url=self.https_url,
            verify=self.caddy.ssl_context(),
            **kwargs,  # type: ignore[arg-type]
        )

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.log()[-3000:]}" for p in [*self.apps, self.caddy.proc])


@contextlib.contextmanager
def start_stack(env: dict[str, str], work_dir: Path, *, upstreams: int = 2) -> Iterator[Stack]:
    """Start `upstreams` app workers with `env` and Caddy in front; stop them all afterwards."""
    work_dir.mkdir(parents=True, exist_ok=True)
    media_root = Path(env["MEDIA_ROOT"])
    media_root.mkdir(parents=True, exist_ok=True)
    with running_workers(env, work_dir, upstreams) as apps:
        caddy = start_caddy([p.port for p in apps], work_dir, media_root=media_root)
        try:
            yield Stack(caddy, apps, work_dir, env)
        finally:
            caddy.proc.stop()


# --- two workers and a private Redis ----------------------------------------------------------


@dataclass
class Cluster:
    """Workers A and B on one database and one private Redis (which a test may kill)."""

    a: Worker
    b: Worker
    redis: RedisServer
    env: dict[str, str]
    log_dir: Path

    @property
    def workers(self) -> list[Worker]:
        return [self.a, self.b]

    def logs(self) -> str:
        return "\n".join(f"--- {w.name}\n{w.log()[-3000:]}" for w in self.workers)


@contextlib.contextmanager
def two_workers(
    database_url: str, workdir: Path, *, persist_redis: bool = False, **extra_env: str
) -> Iterator[Cluster]:
    """Workers A and B on `database_url` and a private Redis, all stopped on exit."""
    import secrets

    redis = RedisServer(workdir / "redis", persist=persist_redis).start()
    env = app_env(
        database_url=database_url,
        redis_url=redis.url,
        secret_key=secrets.token_urlsafe(48),
        media_root=workdir / "media",
        **extra_env,
    )
    try:
        with running_workers(env, workdir, 2) as (a, b):
            yield Cluster(a=a, b=b, redis=redis, env=env, log_dir=workdir)
    finally:
        redis.stop()


# --- people on running workers ----------------------------------------------------------------


async def login_on(http: httpx.AsyncClient, url: str, email: str) -> dict[str, str]:
    """Bearer headers of `email` (password `PASSWORD`), logged in on the worker at `url`."""
    from tests.conftest import PASSWORD

    resp = await http.post(url + "/api/auth/login", json={"email": email, "password": PASSWORD})
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


async def admin_at(
    http: httpx.AsyncClient, url: str, env: dict[str, str], name: str
) -> dict[str, str]:
    """A new admin made by `blog-api create-admin` (as an operator would) with the workers'
    `env`, logged in on the worker at `url`."""
    from tests.conftest import PASSWORD, run_cli

    email = f"{name}{os.getpid()}@example.com"
    made = run_cli(
        "create-admin",
        "--email",
        email,
        "--username",
        f"{name}{os.getpid()}",
        env={**env, "BLOG_API_ADMIN_PASSWORD": PASSWORD},
    )
    assert made.returncode == 0, made.stderr
    return await login_on(http, url, email)


async def admin_on(http: httpx.AsyncClient, cluster: Cluster, name: str) -> dict[str, str]:
    """`admin_at` worker A of `cluster`."""
    return await admin_at(http, cluster.a.url, cluster.env, name)


async def user_on(http: httpx.AsyncClient, url: str, name: str) -> dict[str, str]:
    """A new user registered through the API on `url`, logged in there."""
    from tests.conftest import PASSWORD

    email = f"{name}@example.com"
    resp = await http.post(
        url + "/api/auth/register",
        json={"email": email, "username": name, "password": PASSWORD},
    )
    assert resp.status_code == 201, resp.text
    return await login_on(http, url, email)


async def submit_post(
    http: httpx.AsyncClient, url: str, headers: dict[str, str], title: str
) -> int:
    """Submit a post on the worker at `url` (its `blog.submitted` goes to every admin); its id."""
    resp = await http.post(
        url + "/api/blogs", json={"title": title, "content": "text", "tags": []}, headers=headers
    )
    assert resp.status_code == 201, resp.text
    return int(resp.json()["id"])
