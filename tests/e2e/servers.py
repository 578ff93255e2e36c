"""Real processes for end-to-end tests: Uvicorn app servers and Caddy in front of them.

Reusable by any e2e test (SSE across upstreams, WebSockets across workers): start a `Stack` with
`start_stack(...)` and talk to `stack.https_url` through Caddy, or to one upstream directly.

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
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
CADDYFILE = ROOT / "Caddyfile"
E2E_MARKER = "# e2e: global options are inserted after this line"
E2E_GLOBAL_OPTIONS = ("local_certs", "skip_install_trust")
STARTUP_TIMEOUT = 20.0


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


def free_port() -> int:
    """A TCP port that was free a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def e2e_caddyfile_text() -> str:
    """The real Caddyfile with the e2e-only global options added after the marker line."""
    text = CADDYFILE.read_text()
    assert E2E_MARKER in text, "the Caddyfile lost its e2e marker line"
    extra = "".join(f"\n\t{option}" for option in E2E_GLOBAL_OPTIONS)
    return text.replace(E2E_MARKER, E2E_MARKER + extra, 1)


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


def _wait_until(check: object, proc: Proc, what: str, timeout: float = STARTUP_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if not proc.alive():
            raise RuntimeError(f"{proc.name} exited early:\n{proc.log()[-4000:]}")
        try:
            if check():  # type: ignore[operator]
                return
        except Exception as exc:  # not up yet
            last = exc
        time.sleep(0.1)
    raise RuntimeError(f"{what} not ready after {timeout}s ({last!r}):\n{proc.log()[-4000:]}")


def app_env(
    *, database_url: str, redis_url: str, secret_key: str, media_root: Path, **extra: str
) -> dict[str, str]:
    """Environment of an app process: the given backends, cheap hashing, no rate limits."""
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
        LOG_JSON="true",
    )
    env.update(extra)
    return env


def start_uvicorn(name: str, env: dict[str, str], log_dir: Path, port: int | None = None) -> Proc:
    """Start one app server (`python -m uvicorn --factory blog_api.main:app_factory`)."""
    port = port or free_port()
    log_path = log_dir / f"{name}.log"
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "blog_api.main:app_factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--proxy-headers",
        "--forwarded-allow-ips",
        env.get("TRUSTED_PROXIES", "127.0.0.1"),
        "--timeout-graceful-shutdown",
        "5",
    ]
    with log_path.open("wb") as log:
        popen = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    proc = Proc(name, popen, log_path, port)
    _wait_until(
        lambda: httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200,
        proc,
        f"{name} on port {port}",
    )
    return proc


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
    """Caddy in front of several app servers, all on free localhost ports."""

    caddy: Caddy
    apps: list[Proc]
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
    """Start `upstreams` app servers with `env` and Caddy in front; stop them all afterwards."""
    work_dir.mkdir(parents=True, exist_ok=True)
    media_root = Path(env["MEDIA_ROOT"])
    media_root.mkdir(parents=True, exist_ok=True)
    apps: list[Proc] = []
    caddy: Caddy | None = None
    try:
        for index in range(upstreams):
            apps.append(start_uvicorn(f"app{index + 1}", env, work_dir))
        caddy = start_caddy([p.port for p in apps], work_dir, media_root=media_root)
        yield Stack(caddy, apps, work_dir, env)
    finally:
        if caddy is not None:
            caddy.proc.stop()
        for proc in apps:
            proc.stop()
