"""Authorization matrix: every route of the app, every kind of caller, proved through HTTP.

The table below has one row per route (method and path, WebSocket paths and static mounts
included), and `test_every_route_has_exactly_one_row` compares it with the app's own route
table: a new route without a row, or a row for a route that no longer exists, fails.

Each row names a scenario (the state the route acts on, built fresh for every caller so that
one caller's success cannot change what the next one sees) and the status each caller gets:

- `anonymous`: no credentials;
- `owner`: the `user` who created the resource in the scenario (for a route without a resource,
  just a user; for `/api/users/{user_id}`, that user themself);
- `other`: another `user`;
- `approver`: an `l1_approver`; `admin`: an `admin` (neither owns anything here).

404 where the resource exists but is not the caller's to see is deliberate (existence is not
revealed); 403 where the caller may see it but not act on it. WebSocket rows say 101 for an
accepted socket and the close code otherwise; the SSE stream and the WebSocket are opened on a
live in-process server (their responses never end).

`TestWhenReviewersMustUseTwoFactor` runs the same table with REQUIRE_2FA_FOR_REVIEWERS on and
the approver and admin without two-factor: each route must answer them as it answers `other`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from httpx import AsyncClient
from starlette.routing import Mount, WebSocketRoute
from websockets.exceptions import InvalidStatus

from blog_api.users.models import Role
from tests.auth.test_reviewer_two_factor import enrol
from tests.comments.wsclient import serve_in_process, ws_connect
from tests.conftest import PASSWORD, Actor, MakeActor, auth
from tests.media.images import image_bytes

ROLES = ("anonymous", "owner", "other", "approver", "admin")
WS_ACCEPTED = 101


@dataclass(frozen=True)
class Expect:
    """Statuses for anonymous, owner, other, approver, admin (in that order)."""

    anonymous: int
    owner: int
    other: int
    approver: int
    admin: int

    def of(self, role: str) -> int:
        return int(getattr(self, role))


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Optional routes switched on, so that the table covers them too."""
    return {"demo_spa_enabled": True}


def every(status: int) -> Expect:
    return Expect(status, status, status, status, status)


def users(status: int) -> Expect:
    """Any authenticated caller gets `status`; anonymous 401."""
    return Expect(401, status, status, status, status)


@dataclass(frozen=True)
class Row:
    scenario: str
    expect: Expect
    body: Any = None  # the JSON body, when the scenario's default is not the one to send


# Paths as the route table spells them (`{notification_id:int}` included).
MATRIX: dict[tuple[str, str], Row] = {
    # --- operations and documents ---------------------------------------------------------
    ("GET", "/healthz"): Row("none", every(200)),
    ("GET", "/readyz"): Row("none", every(200)),
    ("GET", "/openapi.json"): Row("none", every(200)),
    ("GET", "/asyncapi.json"): Row("none", every(200)),
    # Not a role's business: off unless METRICS_ENABLED, then by address/token (tests/core).
    ("GET", "/metrics"): Row("none", every(404)),
    ("GET", "/docs"): Row("none", every(200)),
    ("GET", "/docs/oauth2-redirect"): Row("none", every(200)),
    ("GET", "/redoc"): Row("none", every(200)),
    ("MOUNT", "/docs/assets"): Row("docs_asset", every(200)),
    ("MOUNT", "/media"): Row("media_file", every(200)),
    # The reference web client (DEMO_SPA_ENABLED, on for this module): public static files.
    ("GET", "/demo"): Row("none", every(307)),
    ("MOUNT", "/demo"): Row("demo_file", every(200)),
    # --- auth: the body is the credential, the bearer header changes nothing --------------
    ("POST", "/api/auth/register"): Row("new_account", every(201)),
    ("POST", "/api/auth/login"): Row("owner_credentials", every(200)),
    ("POST", "/api/auth/refresh"): Row("owner_refresh_token", every(200)),
    ("POST", "/api/auth/logout"): Row("owner_refresh_token", every(204)),
    ("GET", "/api/auth/me"): Row("none", users(200)),
    # Account flows: a mailed token, or an address, is the credential; or the caller's own account.
    ("POST", "/api/auth/email/verify"): Row("verify_token", every(200)),
    ("POST", "/api/auth/email/verify/resend"): Row("none", users(202)),
    ("PUT", "/api/auth/me/email"): Row("new_email", users(200)),
    ("POST", "/api/auth/password/forgot"): Row("owner_email", every(202)),
    ("POST", "/api/auth/password/reset"): Row("reset_token", every(204)),
    ("POST", "/api/auth/login/second-factor"): Row("second_factor", every(200)),
    ("POST", "/api/auth/2fa/totp/enrol"): Row("none", users(201)),
    # OpenID Connect: public by design (the browser carries no token through a provider). No
    # provider is configured here: start and callback answer 404 to everyone; a made-up login
    # code is refused for everyone (tests/accounts/test_oidc.py covers the configured flow).
    ("GET", "/api/auth/oidc/providers"): Row("none", every(200)),
    ("POST", "/api/auth/oidc/{provider}/start"): Row("oidc_provider", every(404)),
    ("GET", "/api/auth/oidc/{provider}/callback"): Row("oidc_provider", every(404)),
    ("POST", "/api/auth/oidc/exchange"): Row("oidc_login_code", every(400)),
    # Each caller's own state: no enrolment pending (the enrol rows come later in the run), and
    # two-factor off, so an authenticated caller gets 409 and never touches anyone else's.
    ("POST", "/api/auth/2fa/totp/confirm"): Row("totp_code", users(409)),
    ("POST", "/api/auth/2fa/totp/disable"): Row("totp_code", users(409)),
    # --- users: admins only ---------------------------------------------------------------
    ("GET", "/api/users"): Row("none", Expect(401, 403, 403, 403, 200)),
    ("GET", "/api/users/{user_id}"): Row("owner_account", Expect(401, 403, 403, 403, 200)),
    ("PATCH", "/api/users/{user_id}"): Row("owner_account", Expect(401, 403, 403, 403, 200)),
    # --- blogs ------------------------------------------------------------------------------
    ("GET", "/api/blogs"): Row("none", every(200)),
    ("POST", "/api/blogs"): Row("new_post", users(201)),
    # A pending post: its author and the reviewers see it, nobody else knows it exists.
    ("GET", "/api/blogs/by-slug/{slug}"): Row("pending_post", Expect(404, 200, 404, 200, 200)),
    ("GET", "/api/blogs/{blog_id}"): Row("pending_post", Expect(404, 200, 404, 200, 200)),
    ("PUT", "/api/blogs/{blog_id}"): Row(
        "pending_post", Expect(401, 200, 404, 403, 403), {"title": "New", "content": "Text"}
    ),
    ("DELETE", "/api/blogs/{blog_id}"): Row("pending_post", Expect(401, 204, 404, 403, 204)),
    ("POST", "/api/blogs/{blog_id}/approve"): Row("pending_post", Expect(401, 403, 403, 200, 200)),
    ("POST", "/api/blogs/{blog_id}/reject"): Row(
        "pending_post", Expect(401, 403, 403, 200, 200), {"reason": "Not yet"}
    ),
    ("GET", "/api/blogs/{blog_id}/reviews"): Row("pending_post", Expect(401, 200, 404, 200, 200)),
    ("POST", "/api/blogs/{blog_id}/revisions"): Row(
        "approved_post", Expect(401, 201, 403, 403, 403), {"title": "New", "content": "Text"}
    ),
    ("GET", "/api/blogs/{blog_id}/revisions"): Row("approved_post", every(200)),
    # A pending proposal for an approved post: as visible as a pending post.
    ("GET", "/api/blogs/{blog_id}/revisions/{revision_id}"): Row(
        "proposed_revision", Expect(404, 200, 404, 200, 200)
    ),
    ("POST", "/api/blogs/{blog_id}/revisions/{revision_id}/approve"): Row(
        "proposed_revision", Expect(401, 403, 403, 200, 200)
    ),
    ("POST", "/api/blogs/{blog_id}/revisions/{revision_id}/reject"): Row(
        "proposed_revision", Expect(401, 403, 403, 200, 200)
    ),
    ("GET", "/api/blogs/{blog_id}/revisions/{revision_id}/diff/{other_id}"): Row(
        "proposed_revision", Expect(404, 200, 404, 200, 200)
    ),
    # A scheduled post: its author and the reviewers may move its time.
    ("PUT", "/api/blogs/{blog_id}/schedule"): Row(
        "scheduled_post", Expect(401, 200, 404, 200, 200), {"publish_at": "2098-01-01T09:00:00Z"}
    ),
    ("GET", "/api/tags"): Row("none", every(200)),
    # --- feeds: public documents ---------------------------------------------------------------
    ("GET", "/feed.xml"): Row("none", every(200)),
    ("GET", "/rss.xml"): Row("none", every(200)),
    ("GET", "/tags/{tag}/feed.xml"): Row("tag", every(200)),
    ("GET", "/tags/{tag}/rss.xml"): Row("tag", every(200)),
    ("GET", "/sitemap.xml"): Row("none", every(200)),
    # --- webhooks: admins only ----------------------------------------------------------------
    ("POST", "/api/webhooks/endpoints"): Row(
        "none",
        Expect(401, 403, 403, 403, 201),
        {"url": "https://webhooks.invalid/hook", "event_types": ["blog.published"]},
    ),
    ("GET", "/api/webhooks/endpoints"): Row("none", Expect(401, 403, 403, 403, 200)),
    ("GET", "/api/webhooks/endpoints/{endpoint_id}"): Row(
        "webhook_endpoint", Expect(401, 403, 403, 403, 200)
    ),
    ("PATCH", "/api/webhooks/endpoints/{endpoint_id}"): Row(
        "webhook_endpoint", Expect(401, 403, 403, 403, 200), {"description": "Matrix"}
    ),
    ("DELETE", "/api/webhooks/endpoints/{endpoint_id}"): Row(
        "webhook_endpoint", Expect(401, 403, 403, 403, 204)
    ),
    ("GET", "/api/webhooks/endpoints/{endpoint_id}/deliveries"): Row(
        "webhook_endpoint", Expect(401, 403, 403, 403, 200)
    ),
    ("POST", "/api/webhooks/deliveries/{delivery_id}/replay"): Row(
        "webhook_delivery", Expect(401, 403, 403, 403, 202)
    ),
    # --- comments -----------------------------------------------------------------------------
    ("GET", "/api/blogs/{blog_id}/comments"): Row("approved_post", every(200)),
    ("POST", "/api/blogs/{blog_id}/comments"): Row(
        "approved_post", users(201), {"body": "A comment"}
    ),
    ("PATCH", "/api/comments/{comment_id}"): Row("comment", Expect(401, 200, 403, 403, 403)),
    ("DELETE", "/api/comments/{comment_id}"): Row("comment", Expect(401, 204, 403, 204, 204)),
    ("WS", "/api/blogs/{blog_id}/ws"): Row("approved_post", Expect(4401, *(WS_ACCEPTED,) * 4)),
    # --- media ----------------------------------------------------------------------------------
    ("POST", "/api/media"): Row("new_image", users(201)),
    ("GET", "/api/media"): Row("none", users(200)),
    ("GET", "/api/media/{image_id}"): Row("image", Expect(401, 200, 404, 404, 200)),
    ("DELETE", "/api/media/{image_id}"): Row("image", Expect(401, 204, 404, 404, 204)),
    # --- feature requests -------------------------------------------------------------------
    ("GET", "/api/feature-requests"): Row("none", users(200)),
    ("POST", "/api/feature-requests"): Row("new_feature_request", users(201)),
    ("GET", "/api/feature-requests/{feature_request_id}"): Row("feature_request", users(200)),
    # The author's field (title): only the author; an admin triages but does not retitle.
    ("PATCH", "/api/feature-requests/{feature_request_id}"): Row(
        "feature_request", Expect(401, 200, 403, 403, 403)
    ),
    ("POST", "/api/feature-requests/{feature_request_id}/vote"): Row("feature_request", users(200)),
    ("DELETE", "/api/feature-requests/{feature_request_id}/vote"): Row(
        "feature_request", users(200)
    ),
    # --- drafts: every caller has their own namespace ------------------------------------------
    ("GET", "/api/session/draft"): Row("none", users(200)),
    ("POST", "/api/session/draft"): Row("draft_body", users(200)),
    ("GET", "/api/session/drafts"): Row("none", users(200)),
    ("GET", "/api/session/drafts/{key}"): Row("named_draft", Expect(401, 200, 404, 404, 404)),
    ("PUT", "/api/session/drafts/{key}"): Row("named_draft", users(200)),
    ("DELETE", "/api/session/drafts/{key}"): Row("named_draft", users(204)),
    # --- notifications ----------------------------------------------------------------------
    ("GET", "/api/notifications/sse"): Row("none", users(200)),
    ("POST", "/api/notifications/ticket"): Row("ticket_body", users(201)),
    ("GET", "/api/notifications"): Row("none", users(200)),
    ("GET", "/api/notifications/unread-count"): Row("none", users(200)),
    ("POST", "/api/notifications/read"): Row("none", users(200), {}),
    ("PATCH", "/api/notifications/{notification_id:int}"): Row(
        "notification", Expect(401, 200, 404, 404, 404)
    ),
}


def route_table(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route of the app: HTTP methods (HEAD aside), `WS` for WebSocket
    routes, `MOUNT` for mounted apps (static files)."""
    keys: set[tuple[str, str]] = set()
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        path = context.path
        if not path:
            continue
        if isinstance(route, Mount):
            keys.add(("MOUNT", path))
        elif isinstance(route, WebSocketRoute) or type(route).__name__ == "APIWebSocketRoute":
            keys.add(("WS", path))
        else:
            keys.update((method, path) for method in context.methods or () if method != "HEAD")
    return keys


def test_every_route_has_exactly_one_row(app: FastAPI) -> None:
    table = route_table(app)
    assert sorted(table - MATRIX.keys()) == [], "routes without a row in MATRIX"
    assert sorted(MATRIX.keys() - table) == [], "rows for routes the app does not have"


def test_a_new_route_without_a_row_is_noticed(app: FastAPI) -> None:
    @app.get("/api/matrix-probe")
    async def matrix_probe() -> dict[str, str]:
        return {}

    @app.websocket("/api/matrix-probe/ws")
    async def matrix_probe_socket(websocket: Any) -> None: ...

    assert route_table(app) - MATRIX.keys() == {
        ("GET", "/api/matrix-probe"),
        ("WS", "/api/matrix-probe/ws"),
    }


# --- scenarios ------------------------------------------------------------------------------


@dataclass
class Call:
    """What a scenario prepared: path parameters and the request's body."""

    params: dict[str, Any] = field(default_factory=dict)
    json: Any = None
    files: Any = None
    url: str | None = None  # a full path, for mounts


@dataclass
class Scenarios:
    client: AsyncClient
    owner: Actor
    approver: Actor
    settings: Any = None  # the app's, for scenarios that call services

    async def _ok(self, response: httpx.Response) -> Any:
        assert response.is_success, response.text
        return response.json() if response.content else None

    async def post(self, status: str = "pending") -> dict[str, Any]:
        title = f"Matrix {uuid.uuid4().hex[:8]}"
        body = {"title": title, "content": "Body"}
        post = await self._ok(
            await self.client.post("/api/blogs", json=body, headers=self.owner.headers)
        )
        if status == "approved":
            post = await self._ok(
                await self.client.post(
                    f"/api/blogs/{post['id']}/approve", headers=self.approver.headers
                )
            )
        return dict(post)

    async def none(self) -> Call:
        return Call()

    async def demo_file(self) -> Call:
        return Call(url="/demo/js/app.js")

    async def docs_asset(self) -> Call:
        return Call(url="/docs/assets/swagger-ui.css")

    async def media_file(self) -> Call:
        image = (await self.image()).params["image_id"]
        meta = await self._ok(
            await self.client.get(f"/api/media/{image}", headers=self.owner.headers)
        )
        return Call(url=str(meta["url"]))

    async def new_account(self) -> Call:
        name = f"m{uuid.uuid4().hex[:10]}"
        return Call(json={"email": f"{name}@example.com", "username": name, "password": PASSWORD})

    async def owner_credentials(self) -> Call:
        return Call(json={"email": self.owner.user.email, "password": PASSWORD})

    async def owner_refresh_token(self) -> Call:
        tokens = await self._ok(
            await self.client.post(
                "/api/auth/login", json={"email": self.owner.user.email, "password": PASSWORD}
            )
        )
        return Call(json={"refresh_token": tokens["refresh_token"]})

    async def verify_token(self) -> Call:
        from datetime import timedelta

        from blog_api.accounts.models import TokenPurpose
        from blog_api.accounts.service import issue_token
        from blog_api.core.db import transaction

        # Another account's link: the owner stays unverified for the resend row.
        account = await self._throwaway()
        async with transaction() as conn:
            token = await issue_token(
                account.id,
                TokenPurpose.verify_email,
                timedelta(hours=1),
                conn=conn,
                email=account.email,
            )
        return Call(json={"token": token})

    async def new_email(self) -> Call:
        return Call(json={"email": f"m{uuid.uuid4().hex[:10]}@example.com", "password": PASSWORD})

    async def owner_email(self) -> Call:
        return Call(json={"email": self.owner.user.email})

    async def _throwaway(self) -> Any:
        from blog_api.auth import service as auth_service
        from blog_api.auth.schemas import RegisterRequest

        name = f"t{uuid.uuid4().hex[:10]}"
        data = RegisterRequest(email=f"{name}@example.com", username=name, password=PASSWORD)
        return await auth_service.register(data, settings=self.settings)

    async def reset_token(self) -> Call:
        from datetime import timedelta

        from blog_api.accounts.models import TokenPurpose
        from blog_api.accounts.service import issue_token
        from blog_api.core.db import transaction

        account = await self._throwaway()
        async with transaction() as conn:
            token = await issue_token(
                account.id, TokenPurpose.reset_password, timedelta(minutes=5), conn=conn
            )
        return Call(json={"token": token, "password": "Brand-new-pass-31"})

    async def second_factor(self) -> Call:
        from datetime import datetime, timezone

        import pyotp

        from blog_api.accounts import twofactor
        from blog_api.accounts.models import TotpCredential

        account = await self._throwaway()
        secret = pyotp.random_base32()
        await TotpCredential.create(
            user_id=account.id, secret=secret, confirmed_at=datetime.now(timezone.utc)
        )
        account.totp_enabled = True
        await account.save()
        challenge = await twofactor.start_second_factor(account, settings=self.settings)
        return Call(
            json={
                "second_factor_token": challenge.second_factor_token,
                "code": pyotp.TOTP(secret).now(),
            }
        )

    async def oidc_provider(self) -> Call:
        return Call(params={"provider": "example"})

    async def oidc_login_code(self) -> Call:
        return Call(json={"login_code": "c" * 43, "login_binding": "b" * 43})

    async def totp_code(self) -> Call:
        return Call(json={"code": "123456"})

    async def owner_account(self) -> Call:
        # PATCH sends what the account already has: an admin's success changes nothing.
        return Call(params={"user_id": self.owner.id}, json={"is_active": True})

    async def new_post(self) -> Call:
        return Call(json={"title": f"New {uuid.uuid4().hex[:8]}", "content": "Body"})

    async def pending_post(self) -> Call:
        post = await self.post()
        return Call(params={"blog_id": post["id"], "slug": post["slug"]})

    async def scheduled_post(self) -> Call:
        post = await self.post()
        await self._ok(
            await self.client.post(
                f"/api/blogs/{post['id']}/approve",
                json={"publish_at": "2099-01-01T09:00:00Z"},
                headers=self.approver.headers,
            )
        )
        return Call(params={"blog_id": post["id"]})

    async def webhook_endpoint(self) -> Call:
        # Made through the service: only admins register endpoints, and no scenario actor is one.
        from blog_api.webhooks.models import WebhookEndpoint

        endpoint = await WebhookEndpoint.create(
            owner_id=self.owner.id,
            url="https://webhooks.invalid/hook",
            event_types=["blog.published"],
            secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        )
        return Call(params={"endpoint_id": endpoint.id})

    async def webhook_delivery(self) -> Call:
        from datetime import datetime, timezone

        from blog_api.webhooks.models import WebhookDelivery

        endpoint_id = (await self.webhook_endpoint()).params["endpoint_id"]
        delivery = await WebhookDelivery.create(
            endpoint_id=endpoint_id,
            dedupe_key=f"matrix:{uuid.uuid4().hex}",
            message_id="msg_1-0",
            event_id="1-0",
            event_key="1-0",
            event_type="blog.published",
            payload="{}",
            status="succeeded",
            next_attempt_at=datetime.now(timezone.utc),
        )
        return Call(params={"delivery_id": delivery.id})

    async def tag(self) -> Call:
        return Call(params={"tag": "python"})

    async def approved_post(self) -> Call:
        post = await self.post("approved")
        return Call(params={"blog_id": post["id"]})

    async def proposed_revision(self) -> Call:
        post = await self.post("approved")
        url = f"/api/blogs/{post['id']}/revisions"
        proposal = await self._ok(
            await self.client.post(
                url, json={"title": "Better", "content": "Better text"}, headers=self.owner.headers
            )
        )
        history = await self._ok(await self.client.get(url))
        return Call(
            params={
                "blog_id": post["id"],
                "revision_id": proposal["id"],
                "other_id": history["items"][0]["id"],
            },
            json={"reason": "Not yet"},
        )

    async def comment(self) -> Call:
        post = await self.post("approved")
        comment = await self._ok(
            await self.client.post(
                f"/api/blogs/{post['id']}/comments",
                json={"body": "first"},
                headers=self.owner.headers,
            )
        )
        return Call(params={"comment_id": comment["id"]}, json={"body": "edited"})

    async def new_image(self) -> Call:
        return Call(files={"file": ("x.png", image_bytes("PNG"), "image/png")})

    async def image(self) -> Call:
        # A distinct image each time (content-addressed files are shared otherwise).
        data = image_bytes("PNG", (16 + len(uuid.uuid4().hex) % 7, 16))
        uploaded = await self._ok(
            await self.client.post(
                "/api/media",
                files={"file": ("x.png", data, "image/png")},
                headers=self.owner.headers,
            )
        )
        return Call(params={"image_id": uploaded["id"]})

    async def new_feature_request(self) -> Call:
        return Call(json={"title": f"Idea {uuid.uuid4().hex}", "description": "Please."})

    async def feature_request(self) -> Call:
        body = {"title": f"Idea {uuid.uuid4().hex}", "description": "Please."}
        created = await self._ok(
            await self.client.post("/api/feature-requests", json=body, headers=self.owner.headers)
        )
        return Call(
            params={"feature_request_id": created["id"]},
            json={"title": f"Retitled {uuid.uuid4().hex}"},
        )

    async def draft_body(self) -> Call:
        return Call(json={"title": "Draft", "content": "Words"})

    async def named_draft(self) -> Call:
        key = f"k{uuid.uuid4().hex[:12]}"
        await self._ok(
            await self.client.put(
                f"/api/session/drafts/{key}",
                json={"title": "Draft", "content": "Words"},
                headers=self.owner.headers,
            )
        )
        return Call(params={"key": key}, json={"title": "Draft", "content": "More words"})

    async def ticket_body(self) -> Call:
        return Call(json={"purpose": "sse"})

    async def notification(self) -> Call:
        await self.post("approved")  # the author is notified of the approval
        listed = await self._ok(
            await self.client.get("/api/notifications", headers=self.owner.headers)
        )
        return Call(params={"notification_id": listed["items"][0]["id"]}, json={"read": True})


# --- requests -------------------------------------------------------------------------------

_PARAM = re.compile(r"{(\w+)(?::\w+)?}")


def _fill(path: str, params: dict[str, Any]) -> str:
    return _PARAM.sub(lambda m: str(params[m.group(1)]), path)


async def _stream_status(base: str, path: str, headers: dict[str, str]) -> int:
    """The status of a response that never ends (SSE), read on the live server."""
    async with (
        httpx.AsyncClient(base_url=base, timeout=10) as live,
        live.stream("GET", path, headers=headers) as response,
    ):
        return response.status_code


async def _socket_status(base: str, path: str, actor: Actor | None) -> int:
    """101 if the WebSocket is accepted (and stays open after a join), else its close code."""
    url = base.replace("http://", "ws://") + path
    try:
        async with ws_connect(url, token=actor.token if actor else None) as ws:
            try:
                await ws.join()
            except Exception:
                code, _ = await ws.closed()
                return code or 1006
            return WS_ACCEPTED
    except InvalidStatus as exc:
        return int(exc.response.status_code)


@pytest.fixture
async def live_base(app: FastAPI) -> AsyncIterator[str]:
    async with serve_in_process(app) as url:
        yield url.replace("ws://", "http://")


@pytest.fixture
def callers(
    user: Actor, other_user: Actor, approver: Actor, admin: Actor
) -> dict[str, Actor | None]:
    return {
        "anonymous": None,
        "owner": user,
        "other": other_user,
        "approver": approver,
        "admin": admin,
    }


async def _statuses(
    app: FastAPI,
    client: AsyncClient,
    live_base: str,
    callers: dict[str, Actor | None],
    approver: Actor,
) -> list[tuple[str, str, str, int, str | None]]:
    """(method, path, caller, status, problem type) of every row for every caller; `approver`
    puts the scenarios' posts in their states (approve, schedule)."""
    owner = callers["owner"]
    assert owner is not None
    scenarios = Scenarios(client, owner, approver, app.state.settings)
    answers = []
    for (method, path), row in sorted(MATRIX.items()):
        for role in ROLES:
            actor = callers[role]
            call: Call = await getattr(scenarios, row.scenario)()
            target = call.url or _fill(path, call.params)
            problem: str | None = None
            if method == "WS":
                status = await _socket_status(live_base, target, actor)
            elif path == "/api/notifications/sse":
                status = await _stream_status(live_base, target, auth(actor))
            else:
                response = await client.request(
                    "GET" if method == "MOUNT" else method,
                    target,
                    headers=auth(actor),
                    json=row.body if row.body is not None else call.json,
                    files=call.files,
                )
                status = response.status_code
                if response.headers.get("content-type") == "application/problem+json":
                    problem = str(response.json()["type"]).rsplit("/", 1)[-1]
            answers.append((method, path, role, status, problem))
    return answers


async def test_every_route_answers_every_caller_as_the_matrix_says(
    app: FastAPI,
    client: AsyncClient,
    live_base: str,
    callers: dict[str, Actor | None],
    approver: Actor,
) -> None:
    wrong = [
        f"{method} {path} as {role}: {status}, expected {MATRIX[method, path].expect.of(role)}"
        for method, path, role, status, _ in await _statuses(
            app, client, live_base, callers, approver
        )
        if status != MATRIX[method, path].expect.of(role)
    ]
    assert not wrong, "\n" + "\n".join(wrong)


class TestWhenReviewersMustUseTwoFactor:
    """REQUIRE_2FA_FOR_REVIEWERS on, the approver and the admin without two-factor: every route
    answers them as it answers `other` (a plain user), and a route reserved to a role (behind
    `require_role`) that would admit theirs says why: 403 `second-factor-enrolment-required`."""

    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"demo_spa_enabled": True, "require_2fa_for_reviewers": True}

    @staticmethod
    def role_routes(app: FastAPI) -> set[tuple[str, str]]:
        """(method, path) of the routes behind `require_role` (`Approver`, `Admin`)."""

        def gated(dependant: Any) -> bool:
            return any(
                getattr(d.call, "__qualname__", "").startswith("require_role.") or gated(d)
                for d in dependant.dependencies
            )

        return {
            (method, context.path)
            for context in iter_route_contexts(app.routes)
            if isinstance(context.original_route, APIRoute)
            and gated(context.original_route.dependant)
            for method in context.methods or ()
        }

    @staticmethod
    def expected(
        method: str, path: str, role: str, role_routes: set[tuple[str, str]]
    ) -> tuple[int, str | None]:
        """The status for `role` with the setting on, and the problem type it must carry
        (None: not checked)."""
        expect = MATRIX[method, path].expect
        if role not in ("approver", "admin"):
            return expect.of(role), None
        if (method, path) in role_routes and expect.of(role) < 300:
            return 403, "second-factor-enrolment-required"
        return expect.other, None

    async def test_every_route_answers_reviewers_without_it_as_a_plain_user(
        self,
        app: FastAPI,
        client: AsyncClient,
        live_base: str,
        callers: dict[str, Actor | None],
        make_actor: MakeActor,
    ) -> None:
        # The scenarios' posts are approved and scheduled by an approver who has enrolled.
        enrolled = await make_actor(Role.l1_approver, "erin")
        await enrol(client, enrolled)
        role_routes = self.role_routes(app)
        assert ("GET", "/api/users") in role_routes
        wrong = []
        for method, path, role, status, problem in await _statuses(
            app, client, live_base, callers, enrolled
        ):
            want_status, want_problem = self.expected(method, path, role, role_routes)
            if status != want_status or (want_problem and problem != want_problem):
                wrong.append(
                    f"{method} {path} as {role}: {status} {problem}, "
                    f"expected {want_status} {want_problem or ''}"
                )
        assert not wrong, "\n" + "\n".join(wrong)
