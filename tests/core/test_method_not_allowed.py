"""A 405 lists in `Allow` every method the path serves, and an undeclared method is a 405."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from tests.conftest import Actor


def _allow(value: str) -> set[str]:
    return {method.strip() for method in value.split(",")}


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        # Starlette used to answer from the first route that matched: `allow: GET` here.
        ("DELETE", "/api/blogs", {"GET", "POST"}),
        ("PATCH", "/api/blogs/1", {"GET", "PUT", "DELETE"}),
        ("PUT", "/api/comments/1", {"PATCH", "DELETE"}),
        ("GET", "/api/feature-requests/1/vote", {"POST", "DELETE"}),
        ("OPTIONS", "/api/session/drafts/current", {"GET", "PUT", "DELETE"}),
        ("PUT", "/api/media/", {"GET", "POST"}),  # the same with a trailing slash
    ],
)
async def test_allow_lists_every_method_of_the_path(
    client: AsyncClient, user: Actor, method: str, path: str, allowed: set[str]
) -> None:
    response = await client.request(method, path, headers=user.headers)

    assert response.status_code == 405
    assert _allow(response.headers["allow"]) == allowed
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 405


@pytest.mark.parametrize("path", ["/read", "/ticket", "/unread-count"])
async def test_an_undeclared_method_next_to_a_parameter_route_is_a_405(
    client: AsyncClient, user: Actor, path: str
) -> None:
    # PATCH /api/notifications/{notification_id} used to take "read" for an id: a 422.
    response = await client.patch(f"/api/notifications{path}", headers=user.headers, json={})

    assert response.status_code == 405
    assert "PATCH" not in _allow(response.headers["allow"])


async def test_allow_matches_the_openapi_document_for_every_path(
    app: FastAPI, client: AsyncClient, user: Actor
) -> None:
    for path, item in app.openapi()["paths"].items():
        # Any value fits: a 405 does not depend on the row existing.
        concrete = re.sub(r"{(\w+)}", lambda m: "current" if m[1] == "key" else "1", path)
        documented = {method.upper() for method in item}
        unused = sorted({"GET", "POST", "PUT", "PATCH", "DELETE"} - documented)
        if not unused:
            continue
        response = await client.request(unused[0], concrete, headers=user.headers)

        assert response.status_code == 405, (path, unused[0])
        assert _allow(response.headers["allow"]) == documented, path
