"""Through Caddy with TLS in front of two app processes on PostgreSQL and Redis.

Caddy runs the real Caddyfile (plus `local_certs`) on free localhost ports; see tests/harness.py.
"""

from __future__ import annotations

import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.harness import Stack, start_stack

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis]

PASSWORD = "Correct-horse-42"


@pytest.fixture(scope="module")
def stack(
    caddy_bin: str, e2e_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """One stack shared by the tests that leave it as they found it."""
    with start_stack(e2e_env, tmp_path_factory.mktemp("stack")) as running:
        yield running


@pytest.fixture
def fresh_stack(caddy_bin: str, e2e_env: dict[str, str], tmp_path: Path) -> Iterator[Stack]:
    """A stack of its own, for tests that break it."""
    with start_stack(e2e_env, tmp_path / "stack") as running:
        yield running


def _register(client: httpx.Client) -> dict[str, str]:
    name = f"e2e{uuid.uuid4().hex[:10]}"
    body = {"email": f"{name}@example.com", "username": name, "password": PASSWORD}
    created = client.post("/api/auth/register", json=body)
    assert created.status_code == 201, created.text
    login = client.post("/api/auth/login", json={"email": body["email"], "password": PASSWORD})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def test_https_answers_with_a_certificate_from_caddys_ca(stack: Stack) -> None:
    with stack.client() as client:
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}
    assert response.http_version in ("HTTP/1.1", "HTTP/2")


def test_http_redirects_to_https(stack: Stack) -> None:
    response = httpx.get(f"{stack.caddy.http_url}/api/auth/me", follow_redirects=False)
    assert response.status_code == 308
    # Caddy treats https_port as an internal port (production publishes it as 443), so the
    # redirect names the standard port: the only way the test differs from production.
    assert response.headers["location"] == "https://localhost/api/auth/me"


def test_security_headers_present(stack: Stack) -> None:
    with stack.client() as client:
        headers = client.get("/healthz").headers
    assert headers["strict-transport-security"].startswith("max-age=31536000")
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "camera=()" in headers["permissions-policy"]
    assert "server" not in headers


def test_the_reference_spa_is_served_by_caddy_on_the_api_origin(stack: Stack) -> None:
    with stack.client() as client:
        moved = client.get("/demo")
        page = client.get("/demo/")
        script = client.get("/demo/js/app.js")
    assert moved.status_code == 308 and moved.headers["location"] == "/demo/"
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert 'src="js/app.js"' in page.text
    assert "connect-src 'self'" in page.headers["content-security-policy"]
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]


def test_request_id_from_caddy_reaches_the_app_and_the_client(stack: Stack) -> None:
    with stack.client() as client:
        response = client.get("/healthz")
    request_id = response.headers["x-request-id"]
    assert uuid.UUID(request_id)  # Caddy's {http.request.uuid}, adopted by the app
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        if any(request_id in app.log() for app in stack.apps):
            return
        time.sleep(0.05)
    pytest.fail(f"request id {request_id} not in any app log:\n{stack.logs()}")


def test_json_is_compressed(stack: Stack) -> None:
    with stack.client() as client:
        response = client.get("/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.json()["openapi"]


def test_media_is_served_from_disk_by_caddy(stack: Stack) -> None:
    media_root = Path(stack.env["MEDIA_ROOT"])
    (media_root / "ab").mkdir(parents=True, exist_ok=True)
    (media_root / "ab" / "pixel.txt").write_text("served by caddy")
    with stack.client() as client:
        response = client.get("/media/ab/pixel.txt")
    assert response.status_code == 200
    assert response.text == "served by caddy"
    assert "sandbox" in response.headers["content-security-policy"]
    # The apps run in development mode, which also mounts /media/: prove Caddy answered.
    assert not any("/media/ab/pixel.txt" in app.log() for app in stack.apps)


def test_requests_are_spread_over_both_upstreams(stack: Stack) -> None:
    with stack.client() as client:
        ids = [client.get("/healthz").headers["x-request-id"] for _ in range(20)]
    time.sleep(0.3)  # let the access log lines reach the files
    # Caddy's own health checks (on /readyz) reach the apps too: count only our requests' ids.
    served = [sum(request_id in app.log() for request_id in ids) for app in stack.apps]
    assert sum(served) == 20 and all(count > 0 for count in served), served


def test_killed_upstream_is_routed_around(fresh_stack: Stack) -> None:
    with fresh_stack.client() as client:
        headers = _register(client)
        fresh_stack.apps[0].stop(signal.SIGKILL)
        assert not fresh_stack.apps[0].alive()
        statuses = [client.get("/api/auth/me", headers=headers).status_code for _ in range(30)]
    assert statuses == [200] * 30, fresh_stack.logs()
