"""What client generators need from the OpenAPI document beyond the schemas: stable, readable
operation ids, the response headers the API sets, and a pointer to the real-time API.

- **operationId** is the endpoint function's name (`list_blogs`, `create_blog`), set through
  FastAPI's `generate_unique_id_function` (FastAPI's default, `create_blog_api_blogs_post`,
  changes with the path and reads badly in generated clients). Renaming an endpoint function
  renames its operation; `add_contract` refuses duplicates.
- **Response headers**: `Location`, `ETag` and `Idempotent-Replayed` are declared on exactly the
  operations whose code sets them (`RESPONSE_HEADERS`, keyed by operation id; an id missing from
  the document is an error, so a renamed endpoint cannot silently lose its headers), and
  `Retry-After` on every 429 and 503 problem (`core/errors.py` gives each one).
- **Real time**: the WebSocket route and the SSE events are not describable in OpenAPI; the
  document's description and its `x-asyncapi` extension point to `/asyncapi.json`.

Kept apart from core/openapi.py (error responses), which wraps `app.openapi` first.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from blog_api.core.idempotency import REPLAY_HEADER

ASYNCAPI_URL = "/asyncapi.json"
OPERATION_ID = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
_METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}

HEADERS: dict[str, dict[str, Any]] = {
    "Location": {
        "description": "Path of the created resource.",
        "schema": {"type": "string", "examples": ["/api/blogs/42"]},
    },
    "ETag": {
        "description": "Version of the post: send it back in `If-Match` (edit, review) or "
        "`If-None-Match` (304 when unchanged).",
        "schema": {"type": "string", "examples": ['"42.3"']},
    },
    REPLAY_HEADER: {
        "description": "`true` when this is the stored answer to an earlier request with the "
        "same `Idempotency-Key` (nothing was created again); absent otherwise.",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "Last-Modified": {
        "description": "When the newest change the document shows was made (absent when empty): "
        "send it back in `If-Modified-Since`.",
        "schema": {"type": "string", "examples": ["Sat, 05 Dec 2026 09:00:00 GMT"]},
    },
    "Retry-After": {
        "description": "Seconds to wait before retrying.",
        "schema": {"type": "integer", "minimum": 0, "examples": [30]},
    },
}

# operationId -> status -> headers that the endpoint's code sets on that response (grep for
# `headers["Location"]`, `etag(`, `REPLAY_HEADER`). Retry-After is added to every 429/503 instead.
RESPONSE_HEADERS: dict[str, dict[str, tuple[str, ...]]] = {
    "register": {"201": ("Location",)},
    "create_blog": {"201": ("Location", "ETag", REPLAY_HEADER)},
    "get_blog": {"200": ("ETag",), "304": ("ETag",)},
    "get_blog_by_slug": {"200": ("ETag",), "304": ("ETag",)},
    "update_blog": {"200": ("ETag",)},
    "approve_blog": {"200": ("ETag",)},
    "reject_blog": {"200": ("ETag",)},
    "reschedule_blog": {"200": ("ETag",)},
    # Feeds and the sitemap: validators for conditional GETs (feeds/router.py).
    **{
        op: {"200": ("ETag", "Last-Modified"), "304": ("ETag", "Last-Modified")}
        for op in ("atom_feed", "rss_feed", "tag_atom_feed", "tag_rss_feed", "sitemap")
    },
    "propose_revision": {"201": ("Location",)},
    # 200 is the retry with the same client_id: it points at the first comment too.
    "create_comment": {"201": ("Location",), "200": ("Location",)},
    "upload_image": {"201": ("Location",)},
    "create_feature_request": {"201": ("Location",)},
    "create_webhook_endpoint": {"201": ("Location",)},
}
RETRY_AFTER_STATUSES = ("429", "503")

REALTIME_NOTE = (
    "\n\nReal time: `GET /api/notifications/sse` (Server-Sent Events) and the WebSocket "
    "`/api/blogs/{blog_id}/ws` (live comments, presence, typing; not listed below, since OpenAPI "
    f"cannot describe WebSockets) are described message by message in the AsyncAPI 3.0 document "
    f"at [{ASYNCAPI_URL}]({ASYNCAPI_URL})."
)


def operation_id(route: APIRoute) -> str:
    """`generate_unique_id_function` for the app: the endpoint function's name."""
    return route.name


def add_contract(schema: dict[str, Any]) -> dict[str, Any]:
    """Check operation ids; declare response headers; point to the AsyncAPI document."""
    seen: dict[str, str] = {}
    operations: dict[str, dict[str, Any]] = {}
    for path, path_item in schema.get("paths", {}).items():
        for method, operation in path_item.items():
            if method not in _METHODS:
                continue
            op_id = operation.get("operationId", "")
            where = f"{method.upper()} {path}"
            if not OPERATION_ID.match(op_id):
                raise RuntimeError(f"{where}: operationId {op_id!r} is not snake_case")
            if op_id in seen:
                raise RuntimeError(f"{where}: operationId {op_id!r} is also {seen[op_id]}")
            seen[op_id] = where
            operations[op_id] = operation
            for status in RETRY_AFTER_STATUSES:
                if status in operation.get("responses", {}):
                    _declare(operation, status, "Retry-After")
    for op_id, by_status in RESPONSE_HEADERS.items():
        if op_id not in operations:
            raise RuntimeError(f"RESPONSE_HEADERS names {op_id!r}, which is not an operation")
        for status, names in by_status.items():
            for name in names:
                _declare(operations[op_id], status, name)
    info = schema.setdefault("info", {})
    info["description"] = info.get("description", "") + REALTIME_NOTE
    schema["x-asyncapi"] = {
        "url": ASYNCAPI_URL,
        "description": "AsyncAPI 3.0 document of the SSE stream and the comments WebSocket.",
    }
    return schema


def _declare(operation: dict[str, Any], status: str, name: str) -> None:
    responses = operation.setdefault("responses", {})
    if status not in responses:
        raise RuntimeError(f"{operation['operationId']}: no {status} response to add {name} to")
    responses[status].setdefault("headers", {})[name] = dict(HEADERS[name])


def install_openapi_contract(app: FastAPI) -> None:
    """Wrap `app.openapi` (after `install_openapi_fixes`) to add the contract once, cached."""
    original = app.openapi
    finished: list[dict[str, Any]] = []  # the document already completed (it is cached)

    def openapi() -> dict[str, Any]:
        schema = original()
        if not finished or finished[0] is not schema:
            finished[:] = [add_contract(schema)]
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
