"""The OpenAPI document names operations well and declares the response headers the API sets."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from blog_api.core.errors import ServiceUnavailable, TooManyRequests
from blog_api.drafts.redis_store import RedisDraftStore
from tests.conftest import Actor
from tests.realtime.test_runtime import closed_port_url

SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
WATCHED = ("Location", "ETag", "Last-Modified", "Retry-After", "Idempotent-Replayed")
METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}


def operations(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                out[f"{method.upper()} {path}"] = op
    return out


def declared(doc: dict[str, Any], op_id: str, status: int) -> set[str]:
    for op in operations(doc).values():
        if op["operationId"] == op_id:
            return set(op["responses"].get(str(status), {}).get("headers", {}))
    raise AssertionError(f"no operation {op_id}")


def check_headers(doc: dict[str, Any], op_id: str, response: httpx.Response) -> None:
    """Every watched header the API sent is declared on that operation and status."""
    sent = {name for name in WATCHED if name in response.headers}
    missing = sent - declared(doc, op_id, response.status_code)
    assert not missing, f"{op_id} {response.status_code} sends undeclared {missing}"


async def test_operation_ids_are_unique_readable_snake_case(app: FastAPI) -> None:
    ids = [op.get("operationId") for op in operations(app.openapi()).values()]
    assert all(isinstance(i, str) and SNAKE_CASE.match(i) for i in ids), ids
    assert len(ids) == len(set(ids))
    # Derived from the endpoint function, not from the path (FastAPI's default).
    by_route = {route: op["operationId"] for route, op in operations(app.openapi()).items()}
    assert by_route["GET /api/blogs"] == "list_blogs"
    assert by_route["POST /api/blogs"] == "create_blog"
    assert by_route["GET /api/blogs/{blog_id}"] == "get_blog"
    assert by_route["POST /api/blogs/{blog_id}/comments"] == "create_comment"
    assert by_route["GET /api/notifications/sse"] == "notifications_stream"


def test_a_duplicate_operation_id_is_refused() -> None:
    from blog_api.core.openapi_contract import add_contract

    op = {"operationId": "same", "responses": {"200": {"description": "ok"}}}
    doc = {"info": {}, "paths": {"/a": {"get": dict(op)}, "/b": {"get": dict(op)}}}
    with pytest.raises(RuntimeError, match="also GET /a"):
        add_contract(doc)


async def test_headers_are_declared_on_exactly_the_operations_that_set_them(
    app: FastAPI,
) -> None:
    doc = app.openapi()
    where: dict[str, set[str]] = {name: set() for name in WATCHED}
    for op in operations(doc).values():
        for status, response in op["responses"].items():
            for name in response.get("headers", {}):
                where[name].add(f"{op['operationId']} {status}")
    assert where["Location"] == {
        "register 201",
        "create_blog 201",
        "propose_revision 201",
        "create_comment 201",
        "create_comment 200",
        "upload_image 201",
        "create_feature_request 201",
        # The redirect back to the SPA after an OpenID Connect sign-in.
        "oidc_callback 302",
        "create_webhook_endpoint 201",
    }
    assert where["ETag"] == {
        "create_blog 201",
        "get_blog 200",
        "get_blog 304",
        "get_blog_by_slug 200",
        "get_blog_by_slug 304",
        "update_blog 200",
        "approve_blog 200",
        "reject_blog 200",
        "reschedule_blog 200",
        *(
            f"{op} {status}"
            for op in ("atom_feed", "rss_feed", "tag_atom_feed", "tag_rss_feed", "sitemap")
            for status in (200, 304)
        ),
    }
    assert where["Idempotent-Replayed"] == {"create_blog 201"}
    retry_after = {
        f"{op['operationId']} {status}"
        for op in operations(doc).values()
        for status in op["responses"]
        if status in ("429", "503")
    }
    assert retry_after and where["Retry-After"] == retry_after
    assert "create_blog 429" in retry_after and "readyz 503" in retry_after


async def test_openapi_points_to_the_asyncapi_document(app: FastAPI) -> None:
    doc = app.openapi()
    assert doc["x-asyncapi"]["url"] == "/asyncapi.json"
    assert "/api/blogs/{blog_id}/ws" in doc["info"]["description"]
    assert "/asyncapi.json" in doc["info"]["description"]


async def test_every_operation_that_needs_the_database_documents_503(app: FastAPI) -> None:
    doc = app.openapi()
    without = {
        f"{method.upper()} {path}"
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if "503" not in op["responses"]
    }
    assert without == {"GET /healthz"}  # /asyncapi.json is not in the document


def test_every_429_and_503_problem_carries_retry_after() -> None:
    assert int(TooManyRequests("slow down").headers["Retry-After"]) > 0
    assert int(ServiceUnavailable("backend down").headers["Retry-After"]) > 0
    from blog_api.realtime.router import TooManyStreams

    assert "Retry-After" in TooManyStreams("another tab?").headers


async def test_real_responses_send_only_declared_headers(
    app: FastAPI, client: AsyncClient, user: Actor, approver: Actor
) -> None:
    doc = app.openapi()
    body = {"title": "Headers", "content": "Hello"}
    keyed = user.headers | {"Idempotency-Key": "k-1"}

    created = await client.post("/api/blogs", json=body, headers=keyed)
    assert created.status_code == 201
    assert "Location" in created.headers and "ETag" in created.headers
    check_headers(doc, "create_blog", created)

    replayed = await client.post("/api/blogs", json=body, headers=keyed)
    assert replayed.headers["Idempotent-Replayed"] == "true"
    check_headers(doc, "create_blog", replayed)

    blog_id = created.json()["id"]
    read = await client.get(f"/api/blogs/{blog_id}", headers=user.headers)
    assert "ETag" in read.headers
    check_headers(doc, "get_blog", read)
    fresh = await client.get(
        f"/api/blogs/{blog_id}", headers=user.headers | {"If-None-Match": read.headers["ETag"]}
    )
    assert fresh.status_code == 304
    check_headers(doc, "get_blog", fresh)

    approved = await client.post(f"/api/blogs/{blog_id}/approve", headers=approver.headers)
    check_headers(doc, "approve_blog", approved)
    comment = await client.post(
        f"/api/blogs/{blog_id}/comments",
        json={"body": "Hi", "client_id": "c1"},
        headers=user.headers,
    )
    assert comment.status_code == 201 and "Location" in comment.headers
    check_headers(doc, "create_comment", comment)
    again = await client.post(
        f"/api/blogs/{blog_id}/comments",
        json={"body": "Hi", "client_id": "c1"},
        headers=user.headers,
    )
    assert again.status_code == 200
    check_headers(doc, "create_comment", again)

    request = await client.post(
        "/api/feature-requests",
        json={"title": "Dark mode please", "description": "For night owls."},
        headers=user.headers,
    )
    assert request.status_code == 201, request.text
    check_headers(doc, "create_feature_request", request)


class TestRateLimited:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"rate_limit_enabled": True, "rate_limit_blog_submit": "1/minute"}

    async def test_a_429_sends_the_declared_retry_after(
        self, app: FastAPI, client: AsyncClient, user: Actor
    ) -> None:
        for expected in (201, 429):
            resp = await client.post(
                "/api/blogs", json={"title": "T", "content": "x"}, headers=user.headers
            )
            assert resp.status_code == expected
        assert int(resp.headers["Retry-After"]) >= 1
        check_headers(app.openapi(), "create_blog", resp)


async def test_a_503_sends_the_declared_retry_after(
    app: FastAPI, client: AsyncClient, user: Actor
) -> None:
    store = RedisDraftStore.from_url(closed_port_url(), ttl=timedelta(days=30))
    app.state.draft_store = store  # only the drafts backend is unreachable
    try:
        resp = await client.get("/api/session/drafts", headers=user.headers)
    finally:
        await store.aclose()
    assert resp.status_code == 503
    assert int(resp.headers["Retry-After"]) >= 1
    check_headers(app.openapi(), "list_drafts", resp)
