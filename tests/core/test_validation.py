"""Input rules for every route: NUL characters are a 422 (PostgreSQL cannot store them: they
used to be 500s), and numbers and flags in JSON bodies must have their JSON type."""

from __future__ import annotations

import pytest
from httpx import AsyncClient

from tests.conftest import PASSWORD, Actor
from tests.media.images import image_bytes

NUL_ERROR = {"msg": "must not contain NUL characters", "type": "string_nul"}


def nul_errors(resp_json: dict) -> list[list[str | int]]:
    """The locations of the NUL errors of a problem response."""
    return [e["loc"] for e in resp_json["errors"] if {k: e[k] for k in NUL_ERROR} == NUL_ERROR]


async def test_nul_in_a_json_field_is_a_422_and_nothing_is_stored(
    client: AsyncClient, user: Actor
) -> None:
    body = {"title": "Dark\x00 mode", "description": "Easier on the eyes."}
    resp = await client.post("/api/feature-requests", json=body, headers=user.headers)

    assert resp.status_code == 422
    assert resp.headers["content-type"] == "application/problem+json"
    assert nul_errors(resp.json()) == [["body", "title"]]
    listed = await client.get("/api/feature-requests", headers=user.headers)
    assert listed.json()["items"] == []


async def test_nul_deep_in_a_json_body_is_located(client: AsyncClient, user: Actor) -> None:
    body = {"title": "Tags", "content": "Body", "tags": ["python", "we\x00b"]}
    resp = await client.post("/api/blogs", json=body, headers=user.headers)

    assert resp.status_code == 422
    assert nul_errors(resp.json()) == [["body", "tags", 1]]


async def test_nul_in_a_form_field_is_a_422(client: AsyncClient, user: Actor) -> None:
    form = {"username": f"{user.user.email}\x00", "password": PASSWORD}
    resp = await client.post("/api/auth/login", data=form)

    assert resp.status_code == 422
    assert nul_errors(resp.json()) == [["body", "username"]]


async def test_nul_in_a_query_parameter_is_a_422(client: AsyncClient) -> None:
    resp = await client.get("/api/blogs", params={"cursor": "abc\x00"})

    assert resp.status_code == 422
    assert nul_errors(resp.json()) == [["query", "cursor"]]


async def test_nul_in_a_path_parameter_is_a_422(client: AsyncClient, user: Actor) -> None:
    resp = await client.get("/api/session/drafts/a%00b", headers=user.headers)

    assert resp.status_code == 422
    assert nul_errors(resp.json()) == [["path", "key"]]


async def test_query_parameters_a_route_does_not_read_are_ignored(client: AsyncClient) -> None:
    resp = await client.get("/healthz", params={"unused": "\x00"})

    assert resp.status_code == 200


async def test_uploaded_files_may_contain_nul_bytes(client: AsyncClient, user: Actor) -> None:
    png = image_bytes("PNG")
    assert b"\x00" in png
    resp = await client.post(
        "/api/media", files={"file": ("a.png", png, "image/png")}, headers=user.headers
    )

    assert resp.status_code == 201


DEEP_JSON = b"[" * 100_000 + b"]" * 100_000  # json.loads raises RecursionError, not ValueError


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/api/feature-requests", "application/json"),
        ("/api/feature-requests", "text/plain"),  # FastAPI leaves it alone; the NUL check did not
        ("/api/media", "application/json"),  # a form route
        ("/api/auth/login", "application/json"),  # reads its body itself
    ],
)
async def test_json_nested_too_deep_is_a_4xx_not_a_500(
    client: AsyncClient, user: Actor, path: str, content_type: str
) -> None:
    resp = await client.post(
        path, content=DEEP_JSON, headers={**user.headers, "content-type": content_type}
    )

    assert resp.status_code in (400, 422), resp.text
    assert resp.headers["content-type"] == "application/problem+json"


# --- numbers and flags in JSON bodies keep their JSON type ---------------------------------------
# Pydantic's lax mode read `true` as 1, "7" as 7 and "yes" as true, which the documented schema
# forbids; a draft's `"revision": false` even meant revision 0, "create only if absent".


async def test_draft_revision_false_is_not_revision_zero(client: AsyncClient, user: Actor) -> None:
    body = {"title": "Draft", "revision": False}
    resp = await client.put("/api/session/drafts/mine", json=body, headers=user.headers)

    assert resp.status_code == 422
    assert [e["loc"] for e in resp.json()["errors"]] == [["body", "revision"]]
    missing = await client.get("/api/session/drafts/mine", headers=user.headers)
    assert missing.status_code == 404


async def test_image_id_given_as_a_string_is_a_422(client: AsyncClient, user: Actor) -> None:
    body = {"title": "Post", "content": "Body", "image_ids": ["1"]}
    resp = await client.post("/api/blogs", json=body, headers=user.headers)

    assert resp.status_code == 422
    assert [e["loc"] for e in resp.json()["errors"]] == [["body", "image_ids", 0]]


async def test_comment_parent_id_true_is_a_422(
    client: AsyncClient, user: Actor, admin: Actor
) -> None:
    post = await client.post(
        "/api/blogs", json={"title": "Post", "content": "Body"}, headers=user.headers
    )
    await client.post(f"/api/blogs/{post.json()['id']}/approve", headers=admin.headers)
    first = await client.post(
        f"/api/blogs/{post.json()['id']}/comments", json={"body": "One"}, headers=user.headers
    )
    assert first.json()["id"] == 1  # so lax mode would have made `true` a reply to it

    resp = await client.post(
        f"/api/blogs/{post.json()['id']}/comments",
        json={"body": "Reply", "parent_id": True},
        headers=user.headers,
    )

    assert resp.status_code == 422
    assert [e["loc"] for e in resp.json()["errors"]] == [["body", "parent_id"]]


async def test_mark_read_up_to_id_true_is_a_422(client: AsyncClient, user: Actor) -> None:
    resp = await client.post(
        "/api/notifications/read", json={"up_to_id": True}, headers=user.headers
    )

    assert resp.status_code == 422
    assert [e["loc"] for e in resp.json()["errors"]] == [["body", "up_to_id"]]


async def test_notification_read_flag_as_a_number_is_a_422(
    client: AsyncClient, user: Actor
) -> None:
    resp = await client.patch("/api/notifications/1", json={"read": 1}, headers=user.headers)

    assert resp.status_code == 422
    assert [e["loc"] for e in resp.json()["errors"]] == [["body", "read"]]


async def test_user_is_active_as_a_string_is_a_422(
    client: AsyncClient, user: Actor, admin: Actor
) -> None:
    resp = await client.patch(
        f"/api/users/{user.id}", json={"is_active": "no"}, headers=admin.headers
    )

    assert resp.status_code == 422
    assert [e["loc"] for e in resp.json()["errors"]] == [["body", "is_active"]]
    me = await client.get("/api/auth/me", headers=user.headers)
    assert me.status_code == 200  # still active


# JSON Schema (so the OpenAPI document) counts 7.0 as an integer: it is one here too, while 7.5,
# true and "7" stay refused. Found by schemathesis' positive_data_acceptance check.


async def test_an_integral_float_is_an_integer_in_a_json_body(
    client: AsyncClient, user: Actor
) -> None:
    first = await client.put(
        "/api/session/drafts/mine", json={"title": "A", "revision": 0.0}, headers=user.headers
    )
    again = await client.put(
        "/api/session/drafts/mine",
        json={"title": "B", "revision": float(first.json()["revision"])},
        headers=user.headers,
    )
    marked = await client.post(
        "/api/notifications/read", json={"up_to_id": 12.0}, headers=user.headers
    )

    assert first.status_code in (200, 201), first.text
    assert again.status_code == 200, again.text
    assert again.json()["title"] == "B"
    assert marked.status_code == 200, marked.text


async def test_a_fractional_number_is_not_an_integer(client: AsyncClient, user: Actor) -> None:
    resp = await client.put(
        "/api/session/drafts/mine", json={"title": "A", "revision": 0.5}, headers=user.headers
    )

    assert resp.status_code == 422
    assert [e["loc"] for e in resp.json()["errors"]] == [["body", "revision"]]
