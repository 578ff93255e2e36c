"""Interactive API documentation (`/docs` Swagger UI, `/redoc` ReDoc) that works offline.

FastAPI's built-in pages load their JavaScript and CSS from a CDN, so `/docs` is blank without
internet access (a train, an air-gapped network, a locked-down corporate proxy). The assets come
from the `fastapi-offline` package instead, which vendors current Swagger UI 5 and ReDoc 2 bundles
and nothing else; the app serves them itself under `DOCS_ASSETS_URL`, same origin as the pages, so
they also load under a `default-src 'self'` Content-Security-Policy (the pages' one inline script
is FastAPI's Swagger UI initialiser; ReDoc needs none).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import HTMLResponse

DOCS_URL = "/docs"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"
REDOC_URL = "/redoc"
DOCS_ASSETS_URL = "/docs/assets"

# Swagger UI's default `validatorUrl` would send the document to validator.swagger.io (and show
# a badge loaded from there): no third-party requests from the docs pages.
SWAGGER_UI_PARAMETERS = {"validatorUrl": None}


def assets_directory() -> Path:
    """Where `fastapi-offline` keeps the bundles (swagger-ui-bundle.js, swagger-ui.css,
    redoc.standalone.js, favicon.png)."""
    return Path(str(files("fastapi_offline") / "static"))


def install_docs(app: FastAPI) -> None:
    """Serve `/docs`, its OAuth2 redirect page and `/redoc`, with locally served assets.

    Create the app with `docs_url=None, redoc_url=None` so FastAPI's CDN pages are not added.
    """
    assert app.docs_url is None and app.redoc_url is None, "disable FastAPI's CDN pages"
    app.mount(DOCS_ASSETS_URL, StaticFiles(directory=assets_directory()), name="docs-assets")

    def _root(request: Request) -> str:
        # Behind a proxy mounting the API under a prefix, the browser must ask for prefixed URLs.
        return str(request.scope.get("root_path", "")).rstrip("/")

    @app.get(DOCS_URL, include_in_schema=False)
    async def swagger_ui_html(request: Request) -> HTMLResponse:
        root = _root(request)
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=f"{root}{OAUTH2_REDIRECT_URL}",
            swagger_js_url=f"{root}{DOCS_ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_ASSETS_URL}/favicon.png",
            swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
        )

    @app.get(OAUTH2_REDIRECT_URL, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get(REDOC_URL, include_in_schema=False)
    async def redoc_html(request: Request) -> HTMLResponse:
        root = _root(request)
        return get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{DOCS_ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{DOCS_ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )
