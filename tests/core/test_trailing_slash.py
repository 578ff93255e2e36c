"""Paths answer the same with and without a trailing slash, without a redirect."""

from __future__ import annotations

from fastapi import FastAPI
from httpx import AsyncClient

from tests.conftest import Actor


async def test_the_reference_request_creates_a_pending_post(
    client: AsyncClient, user: Actor
) -> None:
    response = await client.post(
        "/api/blogs/", json={"title": "Test", "content": "Hello"}, headers=user.headers
    )

    assert response.status_code == 201
    assert response.json()["status"] == "pending"


async def test_a_list_answers_with_and_without_the_slash(client: AsyncClient, user: Actor) -> None:
    plain = await client.get("/api/feature-requests", headers=user.headers)
    slashed = await client.get("/api/feature-requests/", headers=user.headers)

    assert plain.status_code == slashed.status_code == 200
    assert slashed.json() == plain.json()


async def test_an_unknown_path_with_a_slash_is_a_404_problem(client: AsyncClient) -> None:
    response = await client.get("/api/nothing-here/")

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_each_path_appears_once_in_openapi(app: FastAPI) -> None:
    paths = list(app.openapi()["paths"])

    assert [p for p in paths if p != "/" and p.endswith("/")] == []
    assert len({p.rstrip("/") for p in paths}) == len(paths)
