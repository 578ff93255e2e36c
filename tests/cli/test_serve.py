"""`blog-api serve`: several Uvicorn workers, a prompt exit on SIGTERM, the WebSocket size limit."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.cli.conftest import CliDb
from tests.comments.wsclient import ws_connect
from tests.conftest import PASSWORD, ROOT, run_cli
from tests.harness import free_port


def test_several_workers_need_redis(cli_db: CliDb) -> None:
    result = run_cli("serve", "--workers", "2", env=cli_db.env)
    assert result.returncode == 1
    assert "several workers need REDIS_URL" in result.stderr


@pytest.mark.redis
def test_serve_with_two_workers_answers_and_stops_within_ten_seconds_on_sigterm(
    cli_db: CliDb, redis_url: str, tmp_path
) -> None:
    import os

    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "blog_api.cli", "serve", "--port", str(port), "--workers", "2"],
        cwd=ROOT,
        env={**os.environ, **cli_db.env, "REDIS_URL": redis_url},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "serve did not become ready"
            time.sleep(0.1)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=10)
        assert time.monotonic() - started < 10
        assert code == 0, (tmp_path / "serve.log").read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()


async def test_serve_refuses_websocket_messages_over_the_limit_in_the_protocol(
    cli_db: CliDb, tmp_path
) -> None:
    """Uvicorn gets WS_MAX_MESSAGE_BYTES as its `ws_max_size`: an oversized frame is refused
    before it is buffered, with the protocol's reason, not the app's ("message over N bytes")."""
    env = {**os.environ, **cli_db.env, "WS_MAX_MESSAGE_BYTES": "2048"}
    created = run_cli(
        "create-admin", "--email", "root@example.com", "--username", "root",
        env={**env, "BLOG_API_ADMIN_PASSWORD": PASSWORD},
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "blog_api.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            deadline = time.monotonic() + 20
            while True:
                try:
                    if (await http.get("/readyz")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert proc.poll() is None, (tmp_path / "serve.log").read_text()
                assert time.monotonic() < deadline, "serve did not become ready"
                await asyncio.sleep(0.1)

            async def token(email: str) -> str:
                resp = await http.post(
                    "/api/auth/login", json={"email": email, "password": PASSWORD}
                )
                return str(resp.json()["access_token"])

            await http.post(
                "/api/auth/register",
                json={"email": "alice@example.com", "username": "alice", "password": PASSWORD},
            )
            alice = {"Authorization": f"Bearer {await token('alice@example.com')}"}
            admin = {"Authorization": f"Bearer {await token('root@example.com')}"}
            post = (
                await http.post("/api/blogs", json={"title": "T", "content": "C"}, headers=alice)
            ).json()
            approved = await http.post(f"/api/blogs/{post['id']}/approve", headers=admin)
            assert approved.status_code == 200, approved.text

        url = f"ws://127.0.0.1:{port}/api/blogs/{post['id']}/ws"
        async with ws_connect(url, token=alice["Authorization"].split()[1]) as ws:
            await ws.join()
            await ws.send('{"type": "typing", "pad": "' + "x" * 4000 + '"}')
            code, reason = await ws.closed()

        assert code == 1009
        assert reason is not None and reason.endswith("exceeds limit of 2048 bytes"), reason
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_serve_refuses_the_demo_client_where_it_is_not_shipped(
    cli_db: CliDb, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """As in the container image, which leaves examples/ out: one line, no traceback."""
    from typer.testing import CliRunner

    import blog_api.main
    from blog_api.cli import app
    from blog_api.core.config import get_settings

    for name, value in {**cli_db.env, "DEMO_SPA_ENABLED": "true"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(blog_api.main, "DEMO_SPA_DIR", tmp_path / "no-such-dir")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["serve"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "DEMO_SPA_ENABLED is on but the reference client is not here" in result.output
