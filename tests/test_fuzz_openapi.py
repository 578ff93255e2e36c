"""Property-based fuzzing of the whole HTTP API from its own OpenAPI document (schemathesis).

For every documented operation, schemathesis generates requests from the operation's schema, both
valid ones (positive mode) and ones that break it (negative mode: wrong types, out-of-range numbers,
missing fields...). Each generated request is sent three times: anonymously, as a user and as an
admin. Every response must:
- not be a 5xx (`not_a_server_error`);
- carry a status the operation documents (`status_code_conformance`) with the documented content type
  and body schema (`content_type_conformance`, `response_schema_conformance`);
- be a 4xx when the request broke the schema (`negative_data_rejection`).

Why not `schemathesis.openapi.from_asgi(...)`: its transport runs the app in an event loop of its own
thread, while the conftest fixtures (one app per test on a clean database, actors with tokens) live
in pytest's session loop. So the schema is loaded from the app's real `/openapi.json`, schemathesis
generates and validates, and each request is sent with the test's httpx client in the session loop
(Hypothesis runs in a worker thread and hands requests over with `run_coroutine_threadsafe`).

The run is bounded (`FUZZ_MAX_EXAMPLES` examples per operation, derandomized so a failure
reproduces; `FUZZ_SEED=<n>` explores other examples, reproducibly) and runs in both passes of
scripts/test: the PostgreSQL pass is where NUL characters used to turn into 500s. Streaming endpoints (SSE; WebSockets are not in the document)
are left to their own tests.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import Actor, MakeActor
from tests.media.images import image_bytes

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "12"))
# Unset: the same examples every run. A number: other examples, reproducible with that number.
SEED = os.environ.get("FUZZ_SEED")
# Streams never end by themselves; their behaviour is tested in tests/realtime and tests/comments.
STREAMING = {("GET", "/api/notifications/sse")}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
BASE_URL = "http://test"
# A request that breaks the schema must get a 4xx; besides schemathesis' list, ours may also say
# 412 (If-Match) or 413 (body over the size limit).
CONFIG_DICT: dict[str, Any] = {
    "checks": {
        "negative_data_rejection": {
            "expected-statuses": [
                *("400", "401", "403", "404", "405", "406", "409", "412", "413", "415"),
                *("422", "428", "429", "5xx"),
            ]
        }
    }
}
CONFIG = SchemathesisConfig.from_dict(CONFIG_DICT)


def _document() -> dict[str, Any]:
    """The app's OpenAPI document (the same for every test app; generating it takes 0.25 s)."""
    from pathlib import Path
    from tempfile import TemporaryDirectory

    from blog_api.main import create_app
    from tests.conftest import make_settings

    with TemporaryDirectory() as tmp:
        return create_app(make_settings(Path(tmp))).openapi()


DOCUMENT = _document()
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)
OPERATIONS = [
    (method.upper(), path)
    for path, item in DOCUMENT["paths"].items()
    for method in item
    if (method.upper(), path) not in STREAMING
]


def _path_parameters(path: str) -> list[str]:
    return re.findall(r"{(\w+)}", path)


async def _seed(
    client: httpx.AsyncClient, user: Actor, admin: Actor, target: Actor
) -> dict[str, Any]:
    """A little of everything; returns path parameters that name real rows.

    Half of the generated requests use these, so bodies and queries reach the services instead of
    stopping at a 404 for a random id.
    """

    async def call(method: str, url: str, actor: Actor, **kwargs: Any) -> Any:
        resp = await client.request(method, url, headers=actor.headers, **kwargs)
        assert resp.status_code < 300, resp.text
        return resp.json() if resp.content else {}

    post = await call(
        "POST", "/api/blogs", user, json={"title": "One", "content": "Body", "tags": ["python"]}
    )
    post = await call("POST", f"/api/blogs/{post['id']}/approve", admin)
    await call("POST", "/api/blogs", user, json={"title": "Two", "content": "Pending"})
    revision = await call(
        "POST", f"/api/blogs/{post['id']}/revisions", user, json={"title": "One", "content": "New"}
    )
    revisions = await call("GET", f"/api/blogs/{post['id']}/revisions", user)
    comment = await call("POST", f"/api/blogs/{post['id']}/comments", user, json={"body": "Hi"})
    feature = await call(
        "POST", "/api/feature-requests", user, json={"title": "Dark", "description": "x"}
    )
    image = await call(
        "POST", "/api/media", user, files={"file": ("a.png", image_bytes("PNG"), "image/png")}
    )
    await call("PUT", "/api/session/drafts/new", user, json={"title": "Draft"})
    notifications = await call("GET", "/api/notifications", user)
    endpoint = await call(
        "POST",
        "/api/webhooks/endpoints",
        admin,
        # `.invalid` never resolves: no delivery leaves the machine.
        json={"url": "https://webhooks.invalid/hook", "event_types": ["blog.submitted"]},
    )
    from blog_api.webhooks.models import WebhookDelivery

    delivery = await WebhookDelivery.create(
        endpoint_id=endpoint["id"],
        dedupe_key="fuzz",
        message_id="msg_1-0",
        event_id="1-0",
        event_key="1-0",
        event_type="blog.submitted",
        payload="{}",
        status="succeeded",
        next_attempt_at=datetime.now(timezone.utc),
    )
    return {
        "user_id": target.id,
        "blog_id": post["id"],
        "slug": post["slug"],
        "revision_id": revision["id"],
        "other_id": revisions["items"][-1]["id"],
        "comment_id": comment["id"],
        "feature_request_id": feature["id"],
        "image_id": image["id"],
        "key": "new",
        # No OpenID provider is configured in the fuzz app: a well-formed name, answered 404.
        "provider": "example",
        "tag": "python",
        "endpoint_id": endpoint["id"],
        "delivery_id": delivery.id,
        "notification_id": notifications["items"][0]["id"],
    }


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
async def test_generated_requests_get_documented_non_5xx_answers(
    method: str, path: str, app: FastAPI, make_actor: MakeActor, admin: Actor
) -> None:
    # Unlike the shared `client`, this one turns an unhandled exception into the 500 a real
    # server sends, so schemathesis reports it with the request that caused it.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        await _fuzz(method, path, client, make_actor, admin)


async def _fuzz(
    method: str, path: str, client: httpx.AsyncClient, make_actor: MakeActor, admin: Actor
) -> None:
    user = await make_actor(name="fuzzer")
    target = await make_actor(name="target")
    known = await _seed(client, user, admin, target)
    operation = SCHEMA[path][method]
    callers: dict[str, dict[str, str]] = {
        "anonymous": {},
        "user": user.headers,
        "admin": admin.headers,
    }
    loop = asyncio.get_running_loop()

    def send(kwargs: dict[str, Any]) -> httpx.Response:
        # requests does the serialization schemathesis prepared for (JSON, forms, multipart).
        request_keys = ("method", "url", "headers", "params", "cookies", "json", "data", "files")
        prepared = requests.Request(**{k: kwargs[k] for k in request_keys if k in kwargs}).prepare()
        body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
        headers = {k: v for k, v in prepared.headers.items() if k.lower() != "content-length"}
        client.cookies.clear()  # each request stands alone, whatever an earlier one set
        future = asyncio.run_coroutine_threadsafe(
            client.request(
                prepared.method or "GET", prepared.url or "", headers=headers, content=body
            ),
            loop,
        )
        return future.result(timeout=60)

    real_rows = {name: known[name] for name in _path_parameters(path)}
    strategy = st.one_of(
        *(
            operation.as_strategy(generation_mode=mode, path_parameters=fixed)
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
            for fixed in ([None, real_rows] if real_rows else [None])
        )
    )

    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=SEED is None,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(case=strategy)
    def fuzz(case: schemathesis.Case) -> None:
        for role, headers in callers.items():
            kwargs = case.as_transport_kwargs(base_url=BASE_URL, headers=headers)
            response = send(kwargs)
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except KeyboardInterrupt:
                raise
            except BaseException as exc:  # schemathesis raises a BaseExceptionGroup of failures
                raise AssertionError(f"as {role}: {exc}") from exc

    if SEED is not None:
        fuzz = seed(int(SEED))(fuzz)
    await asyncio.to_thread(fuzz)


async def test_served_document_is_the_fuzzed_one(client: httpx.AsyncClient) -> None:
    assert (await client.get("/openapi.json")).json() == DOCUMENT


def test_every_schema_reference_in_the_document_resolves() -> None:
    # A dangling $ref is silently skipped by generators: the login's JSON body never got fuzzed.
    document = DOCUMENT
    text = json.dumps(document)
    refs = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', text))

    assert refs - set(document["components"]["schemas"]) == set()
