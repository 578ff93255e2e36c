"""App factory and lifespan: database, event bus and stream reader live for the app's lifetime."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, status
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from tortoise.contrib.fastapi import RegisterTortoise

from blog_api import __version__
from blog_api.accounts.oidc import OidcRegistry
from blog_api.accounts.reset_requests import install_reset_requests
from blog_api.accounts.router import router as accounts_router
from blog_api.auth.router import router as auth_router
from blog_api.blogs.cache import PUBLIC_CACHE_PREFIXES, install_public_cache
from blog_api.blogs.router import router as blogs_router
from blog_api.blogs.router import tags_router as blog_tags_router
from blog_api.blogs.scheduler import install_scheduler
from blog_api.comments.live import install_live_comments
from blog_api.comments.router import router as comments_router
from blog_api.comments.ws import ws_router as comments_ws_router
from blog_api.core.apidocs import install_docs
from blog_api.core.config import Environment, Settings, get_settings
from blog_api.core.db import ensure_sqlite_parent, tortoise_config
from blog_api.core.errors import install_error_handlers
from blog_api.core.handoff import HandoffMiddleware
from blog_api.core.health import router as health_router
from blog_api.core.idempotency import install_idempotency_purge
from blog_api.core.metrics import mark_worker_dead
from blog_api.core.metrics import router as metrics_router
from blog_api.core.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from blog_api.core.openapi import install_openapi_fixes
from blog_api.core.openapi_contract import install_openapi_contract, operation_id
from blog_api.core.pagination import set_cursor_key
from blog_api.core.ratelimit import install_rate_limiter
from blog_api.core.response_cache import ResponseCache, ResponseCacheMiddleware
from blog_api.core.security import TokenService
from blog_api.core.validation import refuse_nul_characters
from blog_api.drafts.dependencies import install_draft_store
from blog_api.drafts.router import router as drafts_router
from blog_api.feature_requests.router import router as feature_requests_router
from blog_api.feeds.clock import install_feed_clock
from blog_api.feeds.router import router as feeds_router
from blog_api.mail.runtime import install_mail
from blog_api.media.router import router as media_router
from blog_api.realtime.asyncapi import router as asyncapi_router
from blog_api.realtime.router import router as notifications_router
from blog_api.realtime.runtime import install_realtime
from blog_api.users.router import router as users_router
from blog_api.webhooks.dispatcher import install_webhooks
from blog_api.webhooks.router import router as webhooks_router

# The reference web client (docs: examples/spa/README.md), served at /demo/ with DEMO_SPA_ENABLED.
DEMO_SPA_DIR = Path(__file__).resolve().parents[1] / "examples" / "spa"

OPENAPI_TAGS = [
    {"name": "auth", "description": "Accounts, login and token rotation."},
    {"name": "users", "description": "Account administration (admins)."},
    {"name": "blogs", "description": "Posts, the review workflow, revisions and tags."},
    {"name": "comments", "description": "Comments on posts (live: WS /api/blogs/{id}/ws)."},
    {"name": "media", "description": "Image uploads for posts."},
    {"name": "feature-requests", "description": "Feature requests, votes and admin triage."},
    {"name": "drafts", "description": "Autosaved drafts of the current user."},
    {"name": "notifications", "description": "Live events (SSE), stream tickets, notifications."},
    {"name": "feeds", "description": "Atom and RSS feeds of published posts; the sitemap."},
    {"name": "webhooks", "description": "Outbound webhooks: endpoints, delivery log (admins)."},
    {"name": "health", "description": "Liveness and readiness probes."},
]

ROUTERS = [
    health_router,
    auth_router,
    accounts_router,
    users_router,
    blogs_router,
    blog_tags_router,
    comments_router,
    comments_ws_router,
    media_router,
    feature_requests_router,
    drafts_router,
    notifications_router,
    asyncapi_router,
    metrics_router,
    feeds_router,
    webhooks_router,
]


def create_app(settings: Settings | None = None, *, generate_schemas: bool = False) -> FastAPI:
    """Build the ASGI app for `settings` (the environment's by default).

    `generate_schemas` is for in-memory test databases only; real databases are migrated by
    `blog-api migrate`, never at worker start-up.
    """
    settings = settings or get_settings()
    ensure_sqlite_parent(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(
                RegisterTortoise(
                    app,
                    config=tortoise_config(settings.database_url),
                    generate_schemas=generate_schemas,
                )
            )
            stack.callback(mark_worker_dead)
            for hook in app.state.lifespan_hooks:
                await stack.enter_async_context(hook(app))
            yield

    app = FastAPI(
        title="blog_api",
        version=__version__,
        description="Blog platform API: auth, approval workflow, real-time notifications.",
        openapi_tags=OPENAPI_TAGS,
        lifespan=lifespan,
        # /docs and /redoc are served with local assets by install_docs (core/apidocs.py); all
        # three (and /openapi.json) only with DOCS_ENABLED (default: development only).
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json" if settings.docs_enabled else None,
        # NUL characters are refused for every route in one place (422): core/validation.py.
        dependencies=[Depends(refuse_nul_characters)],
        # operationId = endpoint function name (`create_blog`): core/openapi_contract.py.
        generate_unique_id_function=operation_id,
    )
    # Trailing slashes are removed before routing (RequestContextMiddleware), never redirected.
    app.router.redirect_slashes = False
    app.state.settings = settings
    set_cursor_key(settings.effective_secret_key())
    app.state.tokens = TokenService(
        settings.effective_secret_key(),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        lifetime_seconds=round(settings.access_token_minutes * 60),
    )
    app.state.lifespan_hooks = []
    app.state.oidc = OidcRegistry.from_settings(settings)
    install_realtime(app)
    install_feed_clock(app)
    install_mail(app)
    install_reset_requests(app)  # after the mail queue: it stops first and still has it
    install_live_comments(app)
    install_scheduler(app, poll_seconds=settings.publish_poll_seconds)
    install_webhooks(app)
    install_rate_limiter(app, settings)
    install_draft_store(app, settings)
    install_idempotency_purge(app)
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    if settings.docs_enabled:
        install_docs(app)
    if settings.environment is Environment.development:
        settings.media_root.mkdir(parents=True, exist_ok=True)
        app.mount(settings.media_url.rstrip("/"), StaticFiles(directory=settings.media_root))
    if settings.demo_spa_enabled:
        install_demo_spa(app)

    # Order matters: the outermost middleware is added last.
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_body_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
    )
    if settings.public_cache_entries:
        # Inside CORS and the request context (their headers are per request), in front of
        # the routes: a stored public answer is served before any routing or dependency.
        cache = ResponseCache(
            max_entries=settings.public_cache_entries, max_age=settings.public_cache_seconds
        )
        app.state.response_cache = cache
        install_public_cache(app, cache)
        app.add_middleware(ResponseCacheMiddleware, cache=cache, prefixes=PUBLIC_CACHE_PREFIXES)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "If-Match",
                "If-None-Match",
                "If-Modified-Since",
                "Idempotency-Key",
                "Last-Event-ID",
                "X-Request-ID",
            ],
            expose_headers=[
                "ETag",
                "Last-Modified",
                "Location",
                "X-Request-ID",
                "Retry-After",
                "Idempotent-Replayed",
            ],
        )
    app.add_middleware(RequestContextMiddleware)
    # Outermost: SSE streams and WebSockets live here once open (core/handoff.py).
    app.add_middleware(HandoffMiddleware)
    install_openapi_fixes(app)
    install_openapi_contract(app)
    return app


def install_demo_spa(app: FastAPI) -> None:
    """Serve examples/spa/ under /demo/ (DEMO_SPA_ENABLED): plain ES modules, nothing to build.

    `/demo` and `/demo/` are the same path here (trailing slashes are removed before routing),
    and the page's relative URLs need a base inside the folder, so both redirect to its
    index.html.
    """

    async def demo_entry() -> RedirectResponse:
        return RedirectResponse("/demo/index.html", status_code=status.HTTP_307_TEMPORARY_REDIRECT)

    app.add_api_route("/demo", demo_entry, methods=["GET"], include_in_schema=False)
    app.mount("/demo", StaticFiles(directory=DEMO_SPA_DIR), name="demo")


def app_factory() -> FastAPI:
    """Entry point for `uvicorn --factory blog_api.main:app_factory`."""
    from blog_api.core.logging import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level, json_lines=settings.log_json)
    app = create_app(settings)
    app.state.lifespan_hooks.append(freeze_startup_objects)
    return app


@asynccontextmanager
async def freeze_startup_objects(_app: FastAPI) -> AsyncIterator[None]:
    """After start-up, exclude everything allocated so far from the cyclic garbage collector.

    A worker's modules, app, routes and pools (hundreds of thousands of objects) live until it
    exits, yet every full collection walked them all again: a pause of tens of milliseconds that
    every live connection waited through. `gc.freeze()` moves them to a permanent generation;
    collections then walk only what requests and connections allocate. Last of the lifespan
    hooks, so that it runs after everything else has started; worker processes only (tests build
    many apps in one process and must be able to collect them).
    """
    gc.collect()
    gc.freeze()
    yield
