"""Cursors are signed: one the API did not issue is a 422 before its values reach a query.

Each case below was a 500 with unsigned cursors (integer overflow, a string where an id goes,
NUL in a tag name on PostgreSQL).
"""

from __future__ import annotations

import base64
import json

import pytest
from httpx import AsyncClient

from tests.conftest import Actor, MakeActor


def client_made(values: dict) -> str:
    """A cursor in the shape the API issues, but made (and signed by nobody) by a client."""
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    ("path", "values"),
    [
        ("/api/users", {"id": "abc"}),
        ("/api/users", {"id": None}),
        ("/api/users", {"id": 10**30}),
        ("/api/media", {"id": 10**30}),
        ("/api/notifications", {"id": 10**30}),
        ("/api/feature-requests?sort=newest", {"id": 10**30}),
        ("/api/tags", {"name": "a\x00"}),
    ],
)
async def test_cursor_made_by_a_client_is_422(
    client: AsyncClient, admin: Actor, path: str, values: dict
) -> None:
    for cursor in (client_made(values), client_made(values) + ".AAAAAAAAAAAAAAAAAAAAAA"):
        sep = "&" if "?" in path else "?"
        resp = await client.get(f"{path}{sep}cursor={cursor}", headers=admin.headers)

        assert resp.status_code == 422, resp.text
        assert resp.json()["title"] == "Invalid cursor"


async def test_issued_cursor_with_changed_values_is_422(
    client: AsyncClient, admin: Actor, make_actor: MakeActor
) -> None:
    await make_actor()
    await make_actor()
    page = (await client.get("/api/users?limit=1", headers=admin.headers)).json()
    payload, signature = page["next_cursor"].split(".")
    assert json.loads(base64.urlsafe_b64decode(payload + "==")) == {"id": page["items"][0]["id"]}

    tampered = client_made({"id": 10**30}) + "." + signature
    resp = await client.get(f"/api/users?cursor={tampered}", headers=admin.headers)

    assert resp.status_code == 422
    assert resp.json()["title"] == "Invalid cursor"


async def test_issued_cursor_pages_on(
    client: AsyncClient, admin: Actor, make_actor: MakeActor
) -> None:
    await make_actor()
    first = (await client.get("/api/users?limit=1", headers=admin.headers)).json()
    second = await client.get(
        "/api/users", params={"limit": 1, "cursor": first["next_cursor"]}, headers=admin.headers
    )

    assert second.status_code == 200
    assert second.json()["items"][0]["id"] > first["items"][0]["id"]
