"""Outbound requests refuse internal addresses unless WEBHOOK_ALLOW_PRIVATE is set."""

from __future__ import annotations

import asyncio
import ipaddress
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from httpx import AsyncClient

from blog_api.webhooks.outbound import RefusedDestination, forbidden_address, resolve_checked
from tests.conftest import Actor
from tests.webhooks.conftest import SETTINGS
from tests.webhooks.receiver import Receiver


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {**SETTINGS, "webhook_allow_private": False}


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "224.0.0.1",
    ],
)
def test_internal_addresses_are_forbidden(address: str) -> None:
    assert forbidden_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert not forbidden_address(ipaddress.ip_address(address))


async def test_a_name_resolving_to_loopback_is_refused() -> None:
    with pytest.raises(RefusedDestination, match="private, loopback or link-local"):
        await resolve_checked("localhost", 80, allow_private=False)
    assert forbidden_address(await resolve_checked("localhost", 80, allow_private=True))


class _RefusingExecutor(ThreadPoolExecutor):
    def submit(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a webhook lookup used the loop's default executor")


async def test_lookups_keep_off_the_threads_that_resolve_the_database() -> None:
    """A slow resolver for an endpoint's domain must not hold the loop's default executor, which
    also resolves the database's and Redis's hosts when a pool opens a connection."""
    loop = asyncio.get_running_loop()
    loop.set_default_executor(_RefusingExecutor(max_workers=1))
    try:
        assert forbidden_address(await resolve_checked("localhost", 80, allow_private=True))
    finally:
        loop.set_default_executor(ThreadPoolExecutor())


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://10.0.0.5:8080/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://user:pw@example.com/hook",
    ],
)
async def test_registering_an_internal_url_is_refused(
    client: AsyncClient, admin: Actor, url: str
) -> None:
    resp = await client.post(
        "/api/webhooks/endpoints",
        json={"url": url, "event_types": ["blog.submitted"]},
        headers=admin.headers,
    )
    assert resp.status_code == 422, resp.text
    assert resp.json()["type"].endswith("/webhook-url-refused")


async def test_a_host_name_that_resolves_inside_gets_no_request(
    client: AsyncClient, user: Actor, admin: Actor, receiver: Receiver
) -> None:
    # A name passes registration; the address check at sending time stops it.
    resp = await client.post(
        "/api/webhooks/endpoints",
        json={"url": f"http://localhost:{receiver.port}/hook", "event_types": ["blog.submitted"]},
        headers=admin.headers,
    )
    assert resp.status_code == 201
    endpoint_id = resp.json()["id"]
    resp = await client.post(
        "/api/blogs", json={"title": "x", "content": "y"}, headers=user.headers
    )
    assert resp.status_code == 201
    url = f"/api/webhooks/endpoints/{endpoint_id}/deliveries"
    for _ in range(100):
        items = (await client.get(url, headers=admin.headers)).json()["items"]
        if items and items[0]["attempts"] >= 1:
            break
        await asyncio.sleep(0.05)
    assert items[0]["last_error"].startswith("refused: localhost resolves to")
    assert items[0]["response_status"] is None
    assert receiver.received == []
