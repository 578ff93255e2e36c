"""Feed documents: Atom 1.0 (RFC 4287), RSS 2.0 and a sitemap, built with ElementTree (every text
and attribute escaped by the serializer), plus their validators for conditional GETs.

Content is the post's stored `content_html`, the output of the one safe markdown renderer
(`blogs/rendering.py`), embedded as escaped HTML the way both formats expect it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime

# Only ever used to build XML; nothing untrusted is parsed with it.
from xml.etree import ElementTree as ET

from blog_api.blogs import service as blogs_service
from blog_api.blogs.models import Blog

ATOM_NS = "http://www.w3.org/2005/Atom"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
DC_NS = "http://purl.org/dc/elements/1.1/"
# The sitemap protocol's limit for one file.
SITEMAP_MAX_URLS = 50_000
ATOM_TYPE = "application/atom+xml; charset=utf-8"
RSS_TYPE = "application/rss+xml; charset=utf-8"
XML_TYPE = "application/xml; charset=utf-8"

# Prefixes for the foreign elements of RSS (registration is process-wide and idempotent).
ET.register_namespace("atom", ATOM_NS)
ET.register_namespace("dc", DC_NS)


@dataclass(frozen=True)
class Site:
    """Where the feeds point: the public site's base URL and how a post's page is addressed."""

    base_url: str
    post_path: str
    title: str

    def post_url(self, slug: str) -> str:
        return self.base_url.rstrip("/") + self.post_path.format(slug=slug)

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path


@dataclass(frozen=True)
class Document:
    """A built document with its validators."""

    body: bytes
    media_type: str
    etag: str
    last_modified: datetime | None

    def not_modified(self, *, if_none_match: str | None, if_modified_since: str | None) -> bool:
        """RFC 9110 section 13.2.2: If-None-Match wins; If-Modified-Since only without it."""
        if if_none_match is not None:
            tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
            return "*" in tags or self.etag in tags
        if if_modified_since is None or self.last_modified is None:
            return False
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError, IndexError):
            return False  # an unparsable date is ignored, as the RFC asks
        if since.tzinfo is None:
            since = since.replace(tzinfo=timezone.utc)
        return self.last_modified.replace(microsecond=0) <= since

    def headers(self) -> dict[str, str]:
        headers = {"ETag": self.etag, "Cache-Control": "public, max-age=60"}
        if self.last_modified is not None:
            headers["Last-Modified"] = http_date(self.last_modified)
        return headers


def http_date(moment: datetime) -> str:
    """An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`)."""
    return format_datetime(moment.astimezone(timezone.utc), usegmt=True)


def _document(root: ET.Element, media_type: str, last_modified: datetime | None) -> Document:
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    digest = hashlib.sha256(body).hexdigest()[:32]
    return Document(
        body=body, media_type=media_type, etag=f'"{digest}"', last_modified=last_modified
    )


def _not_before(document: Document, removed_at: datetime | None) -> Document:
    """`document` with a Last-Modified no earlier than the last removal of a post from the
    feeds (`feeds/clock.py`): a post that left cannot date the change itself. The body, and so
    the ETag, stay as they are."""
    if removed_at is None:
        return document
    last = document.last_modified
    return replace(document, last_modified=removed_at if last is None else max(last, removed_at))


def _changed(post: Blog) -> datetime:
    # A revision approval changes `updated_at`; `published_at` never moves.
    assert post.published_at is not None
    return max(post.updated_at, post.published_at)


def _last_modified(posts: list[Blog]) -> datetime | None:
    return max((_changed(p) for p in posts), default=None)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrib)
    if text is not None:
        element.text = text
    return element


def atom(posts: list[Blog], *, site: Site, self_path: str, tag: str | None) -> Document:
    """An Atom 1.0 feed of `posts` (newest first)."""
    # Unqualified names under a default namespace declared on the root (ElementTree's
    # `default_namespace` refuses the unqualified attributes Atom uses).
    feed = ET.Element("feed", {"xmlns": ATOM_NS})
    title = f"{site.title}: {tag}" if tag else site.title
    _sub(feed, "title", title)
    _sub(feed, "id", site.url(self_path))
    _sub(feed, "link", rel="self", href=site.url(self_path), type="application/atom+xml")
    _sub(feed, "link", rel="alternate", href=site.url("/"), type="text/html")
    updated = _last_modified(posts) or datetime(1970, 1, 1, tzinfo=timezone.utc)
    _sub(feed, "updated", updated.isoformat())
    _sub(feed, "generator", "blog_api")
    for post in posts:
        assert post.published_at is not None
        entry = _sub(feed, "entry")
        _sub(entry, "title", post.title)
        url = site.post_url(post.slug)
        _sub(entry, "id", url)
        _sub(entry, "link", rel="alternate", href=url, type="text/html")
        _sub(entry, "published", post.published_at.isoformat())
        _sub(entry, "updated", _changed(post).isoformat())
        author = _sub(entry, "author")
        _sub(author, "name", post.author.username)
        for name in sorted(t.name for t in post.tags):
            _sub(entry, "category", term=name)
        _sub(entry, "summary", post.excerpt)
        _sub(entry, "content", post.content_html, type="html")
    return _document(feed, ATOM_TYPE, _last_modified(posts))


def rss(posts: list[Blog], *, site: Site, self_path: str, tag: str | None) -> Document:
    """An RSS 2.0 feed of `posts` (newest first)."""
    root = ET.Element("rss", {"version": "2.0"})
    channel = _sub(root, "channel")
    _sub(channel, "title", f"{site.title}: {tag}" if tag else site.title)
    _sub(channel, "link", site.url("/"))
    _sub(channel, "description", f"Newest posts of {site.title}")
    _sub(
        channel,
        f"{{{ATOM_NS}}}link",
        rel="self",
        href=site.url(self_path),
        type="application/rss+xml",
    )
    last = _last_modified(posts)
    if last is not None:
        _sub(channel, "lastBuildDate", http_date(last))
    _sub(channel, "generator", "blog_api")
    for post in posts:
        assert post.published_at is not None
        item = _sub(channel, "item")
        _sub(item, "title", post.title)
        url = site.post_url(post.slug)
        _sub(item, "link", url)
        _sub(item, "guid", url, isPermaLink="true")
        _sub(item, "pubDate", http_date(post.published_at))
        # RSS's <author> must be an e-mail address; the username goes in Dublin Core's creator.
        _sub(item, f"{{{DC_NS}}}creator", post.author.username)
        for name in sorted(t.name for t in post.tags):
            _sub(item, "category", name)
        _sub(item, "description", post.content_html)
    return _document(root, RSS_TYPE, last)


def sitemap(locations: list[tuple[str, datetime]], *, site: Site) -> Document:
    """A sitemap (sitemaps.org 0.9) of the public posts."""
    root = ET.Element("urlset", {"xmlns": SITEMAP_NS})
    for slug, updated in locations:
        url = _sub(root, "url")
        _sub(url, "loc", site.post_url(slug))
        _sub(url, "lastmod", updated.astimezone(timezone.utc).isoformat())
    last = max((updated for _, updated in locations), default=None)
    return _document(root, XML_TYPE, last)


async def build_feed(
    kind: str,
    *,
    site: Site,
    self_path: str,
    limit: int,
    tag: str | None,
    removed_at: datetime | None = None,
) -> Document:
    """The Atom (`kind="atom"`) or RSS feed of the newest public posts, of one tag or all.

    `removed_at`: when a post last left the feeds (a floor for Last-Modified).
    """
    posts = await blogs_service.newest_public(limit=limit, tag=tag)
    build = atom if kind == "atom" else rss
    return _not_before(build(posts, site=site, self_path=self_path, tag=tag), removed_at)


async def build_sitemap(*, site: Site, removed_at: datetime | None = None) -> Document:
    """The sitemap of the newest public posts (at most one file's worth)."""
    locations = await blogs_service.public_locations(limit=SITEMAP_MAX_URLS)
    return _not_before(sitemap(locations, site=site), removed_at)
