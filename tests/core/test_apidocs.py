"""`/docs` and `/redoc` work offline: every asset they reference is served by the app itself."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from httpx import AsyncClient

# What each asset must be served as (the browser refuses a script served as text/plain under
# `X-Content-Type-Options: nosniff`, which the Caddyfile sets).
EXPECTED_TYPES = {
    ".js": ("text/javascript", "application/javascript"),
    ".css": ("text/css",),
    ".png": ("image/png",),
}


class _AssetLinks(HTMLParser):
    """Collect every URL the page makes the browser fetch (scripts, styles, icons, images)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("src", "href", "spec-url"):
            if values.get(name):
                self.urls.append(str(values[name]))


def _asset_urls(html: str) -> list[str]:
    parser = _AssetLinks()
    parser.feed(html)
    # Swagger UI's initialiser names the OpenAPI document in JavaScript, not in an attribute.
    parser.urls += re.findall(r"url: '([^']+)'", html)
    return parser.urls


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_docs_pages_reference_only_same_origin_assets_that_load(
    client: AsyncClient, page: str
) -> None:
    response = await client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text

    # No absolute URL at all (no CDN, no Google Fonts, no favicon from fastapi.tiangolo.com).
    assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html, re.IGNORECASE), html
    urls = _asset_urls(html)
    assert urls, "the page references no assets?"
    for url in urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc and url.startswith("/"), url
        asset = await client.get(url)
        assert asset.status_code == 200, url
        suffix = "." + parts.path.rsplit(".", 1)[-1]
        if url == "/openapi.json":
            assert asset.headers["content-type"].startswith("application/json")
        else:
            media_type = asset.headers["content-type"].split(";")[0].strip()
            assert media_type in EXPECTED_TYPES[suffix], (url, media_type)
            assert len(asset.content) > 1000  # a real bundle, not an empty placeholder


async def test_docs_pages_load_the_bundles_they_need(client: AsyncClient) -> None:
    swagger = _asset_urls((await client.get("/docs")).text)
    redoc = _asset_urls((await client.get("/redoc")).text)

    assert any(u.endswith("/swagger-ui-bundle.js") for u in swagger)
    assert any(u.endswith("/swagger-ui.css") for u in swagger)
    assert any(u.endswith("/redoc.standalone.js") for u in redoc)
    assert "/openapi.json" in swagger and "/openapi.json" in redoc


async def test_swagger_oauth2_redirect_page_is_served(client: AsyncClient) -> None:
    response = await client.get("/docs/oauth2-redirect")

    assert response.status_code == 200
    assert "oauth2" in response.text.lower()


DOCS_PATHS = ["/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"]


@pytest.mark.parametrize("path", DOCS_PATHS)
async def test_docs_are_served_when_enabled(client: AsyncClient, path: str) -> None:
    # The test settings are development ones, where DOCS_ENABLED defaults to true.
    assert (await client.get(path)).status_code == 200
