"""One problem+json shape for every error, 413 for big bodies, 500 without internals."""

from __future__ import annotations

import logging

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance", "request_id"}


async def test_unknown_route_is_problem_404(client: AsyncClient) -> None:
    resp = await client.get("/api/nope")
    assert resp.status_code == 404
    assert resp.headers["content-type"] == "application/problem+json"
    assert PROBLEM_KEYS <= set(resp.json())
    assert resp.json()["instance"] == "/api/nope"


async def test_wrong_method_is_problem_405(client: AsyncClient) -> None:
    resp = await client.delete("/api/auth/me")
    assert resp.status_code == 405
    assert resp.json()["status"] == 405


async def test_validation_error_lists_fields(client: AsyncClient) -> None:
    resp = await client.post("/api/auth/register", json={"email": "x"})
    assert resp.status_code == 422
    locs = [e["loc"] for e in resp.json()["errors"]]
    assert ["body", "username"] in locs and ["body", "password"] in locs


async def test_wrong_json_type_is_422_not_500(client: AsyncClient) -> None:
    resp = await client.post("/api/auth/register", json=["a", "list"])
    assert resp.status_code == 422


async def test_body_over_limit_is_413(client: AsyncClient, app) -> None:
    big = "x" * (app.state.settings.max_body_bytes + 10)
    resp = await client.post(
        "/api/auth/register", content=big, headers={"content-type": "application/json"}
    )
    assert resp.status_code == 413
    assert resp.json()["title"] == "Payload too large"


async def test_streamed_body_over_limit_is_413(client: AsyncClient, app) -> None:
    limit = app.state.settings.max_body_bytes

    async def chunks():
        for _ in range(limit // 1000 + 5):
            yield b"x" * 1000

    resp = await client.post(
        "/api/auth/register", content=chunks(), headers={"content-type": "application/json"}
    )
    assert resp.status_code == 413


async def test_request_id_is_returned_and_adopted(client: AsyncClient) -> None:
    resp = await client.get("/healthz", headers={"X-Request-ID": "abcdef1234567890"})
    assert resp.headers["x-request-id"] == "abcdef1234567890"
    generated = await client.get("/healthz", headers={"X-Request-ID": "bad id\n"})
    assert generated.headers["x-request-id"] != "bad id\n"


async def test_unhandled_error_is_500_with_request_id_and_no_internals(
    app: FastAPI, caplog
) -> None:
    @app.get("/boom-test")
    async def boom() -> None:
        raise RuntimeError("secret internal detail")

    transport = ASGITransport(app=app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://test") as c:
        with caplog.at_level(logging.ERROR, logger="blog_api.errors"):
            resp = await c.get("/boom-test")
    assert resp.status_code == 500
    body = resp.json()
    assert "secret internal detail" not in resp.text
    assert body["request_id"] == resp.headers["x-request-id"]
    record = next(r for r in caplog.records if r.name == "blog_api.errors")
    assert record.request_id == body["request_id"]
    assert record.exc_info is not None


async def test_openapi_lists_security_and_problem_schema(client: AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert "OAuth2PasswordBearer" in spec["components"]["securitySchemes"]
    assert "Problem" in spec["components"]["schemas"]
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            assert op.get("summary"), f"{method} {path} has no summary"
            assert op.get("tags"), f"{method} {path} has no tag"
    me = spec["paths"]["/api/auth/me"]["get"]
    assert "401" in me["responses"]


async def test_health_and_readiness(client: AsyncClient) -> None:
    assert (await client.get("/healthz")).json()["status"] == "ok"
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"] == "ok"


async def test_openapi_documents_every_error_as_problem(client: AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            for status, response in op["responses"].items():
                if status.startswith(("4", "5")):
                    schema = response["content"]["application/problem+json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Problem"}, (
                        method,
                        path,
                        status,
                    )
            if "requestBody" in op:
                assert {"400", "413", "422"} <= set(op["responses"]), (method, path)


def _shape(resp) -> tuple[list[str], str]:
    """Key order and the serialisation of a problem body, values aside."""
    import json

    body = resp.json()
    return list(body), json.dumps({k: None for k in body}, separators=(",", ":"))


async def test_a_413_is_written_like_every_other_problem(client: AsyncClient, app) -> None:
    big = "x" * (app.state.settings.max_body_bytes + 10)
    too_big = await client.post(
        "/api/blogs", content=big, headers={"content-type": "application/json"}
    )
    not_found = await client.get("/api/nope")
    assert too_big.status_code == 413
    assert too_big.headers["content-type"] == not_found.headers["content-type"]
    assert _shape(too_big)[0] == _shape(not_found)[0]
    # Same bytes as the app's own JSON rendering: compact, no spaces after separators.
    assert '", "' not in too_big.text and '": ' not in too_big.text


async def test_one_wording_for_a_body_that_is_not_json(client: AsyncClient, user) -> None:
    answers = [
        await client.post(
            path, content=b'{"a": 1,', headers={"content-type": "application/json", **user.headers}
        )
        for path in ("/api/auth/login", "/api/auth/register", "/api/blogs")
    ]
    assert {r.status_code for r in answers} == {400}
    assert len({r.json()["detail"] for r in answers}) == 1
    errors = [r.json()["errors"] for r in answers]
    assert errors[0] == errors[1] == errors[2]
    assert errors[0][0]["msg"].startswith("body is not valid JSON: ")


async def test_content_length_of_non_ascii_digits_is_not_a_500() -> None:
    # Header values are latin-1: "²" (0xB2) passes `str.isdigit()` and then breaks `int()`.
    # The body limit must treat it as no usable length (and let the body count decide).
    from blog_api.core.middleware import BodySizeLimitMiddleware

    seen: list[int] = []

    async def endpoint(scope, receive, send) -> None:
        message = await receive()
        seen.append(len(message["body"]))
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive():
        return {"type": "http.request", "body": b"{}", "more_body": False}

    sent: list[dict] = []

    async def send(message) -> None:
        sent.append(message)

    middleware = BodySizeLimitMiddleware(endpoint, max_body_bytes=100, max_upload_bytes=100)
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "headers": [(b"content-length", "²".encode("latin-1"))],
    }
    await middleware(scope, receive, send)
    assert sent[0]["status"] == 204
    assert seen == [2]


async def test_unreachable_database_is_503_with_retry_after_not_500(app: FastAPI, caplog) -> None:
    import asyncpg

    @app.get("/db-down-test")
    async def db_down() -> None:
        try:
            raise ConnectionRefusedError(111, "Connection refused")
        except ConnectionRefusedError as exc:  # as the driver raises it: wrapped, or not
            raise asyncpg.exceptions.CannotConnectNowError("shutting down") from exc

    transport = ASGITransport(app=app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://test") as c:
        with caplog.at_level(logging.WARNING, logger="blog_api.errors"):
            resp = await c.get("/db-down-test")
    assert resp.status_code == 503
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.headers["retry-after"]
    assert resp.json()["request_id"] == resp.headers["x-request-id"]
    assert "shutting down" not in resp.text and "asyncpg" not in resp.text
    record = next(r for r in caplog.records if r.name == "blog_api.errors")
    assert record.levelno == logging.WARNING and record.exc_info is None
