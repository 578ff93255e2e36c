"""One rule for public reads: a token that does not authenticate is ignored, not refused.

An SPA holding an expired or garbled access token must still show the public site; routes that
need a caller keep answering 401.
"""

from __future__ import annotations

import time

import pytest
from httpx import AsyncClient
from joserfc import jwt
from joserfc.jwk import OctKey

from tests.blogs.conftest import CreatePost
from tests.conftest import Actor


def _expired_token(app, user: Actor) -> str:
    old = int(time.time()) - 3600
    settings = app.state.settings
    claims = {
        "sub": str(user.id),
        "role": "user",
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": old,
        "exp": old + 60,
        "jti": "x" * 32,
    }
    return jwt.encode({"alg": "HS256"}, claims, OctKey.import_key(settings.secret_key.encode()))


@pytest.fixture
def stale_tokens(app, user: Actor) -> dict[str, str]:
    return {"garbage": "not.a.jwt", "expired": _expired_token(app, user)}


@pytest.mark.parametrize("kind", ["garbage", "expired"])
@pytest.mark.parametrize(
    "path",
    [
        "/api/blogs",
        "/api/blogs/{id}",
        "/api/blogs/by-slug/{slug}",
        "/api/blogs/{id}/comments",
        "/api/blogs/{id}/revisions",
        "/api/tags",
    ],
)
async def test_public_read_with_a_stale_token_is_the_anonymous_answer(
    client: AsyncClient,
    create_post: CreatePost,
    user: Actor,
    approver: Actor,
    stale_tokens: dict[str, str],
    kind: str,
    path: str,
) -> None:
    post = await create_post(user, status="approved", reviewer=approver, tags=["news"])
    url = path.format(id=post["id"], slug=post["slug"])
    anonymous = await client.get(url)
    stale = await client.get(url, headers={"Authorization": f"Bearer {stale_tokens[kind]}"})
    assert anonymous.status_code == 200, anonymous.text
    assert stale.status_code == 200, stale.text
    assert stale.json() == anonymous.json()


async def test_a_stale_token_does_not_reveal_its_owners_pending_post(
    client: AsyncClient, create_post: CreatePost, user: Actor, stale_tokens: dict[str, str]
) -> None:
    post = await create_post(user)  # pending: visible to its author only
    resp = await client.get(
        f"/api/blogs/{post['id']}", headers={"Authorization": f"Bearer {stale_tokens['expired']}"}
    )
    assert resp.status_code == 404


@pytest.mark.parametrize("query", ["mine=true", "status=pending"])
async def test_views_that_need_a_caller_still_answer_401_to_a_stale_token(
    client: AsyncClient, stale_tokens: dict[str, str], query: str
) -> None:
    resp = await client.get(
        f"/api/blogs?{query}", headers={"Authorization": f"Bearer {stale_tokens['garbage']}"}
    )
    assert resp.status_code == 401
    assert "valid access token" in resp.json()["detail"]


async def test_protected_routes_still_answer_401_to_a_stale_token(
    client: AsyncClient, stale_tokens: dict[str, str]
) -> None:
    resp = await client.get(
        "/api/auth/me", headers={"Authorization": f"Bearer {stale_tokens['expired']}"}
    )
    assert resp.status_code == 401
    assert resp.headers["www-authenticate"] == "Bearer"
