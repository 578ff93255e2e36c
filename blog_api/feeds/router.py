"""`/feed.xml` (Atom), `/rss.xml` (RSS 2.0), their per-tag forms and `/sitemap.xml` (public)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request, Response, status

from blog_api.auth.dependencies import SettingsDep
from blog_api.core.config import Settings
from blog_api.core.errors import problem_responses
from blog_api.feeds import service as feeds_service
from blog_api.feeds.clock import removed_at
from blog_api.feeds.service import ATOM_TYPE, RSS_TYPE, XML_TYPE, Document, Site

router = APIRouter(tags=["feeds"])

TagQuery = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=64,
        pattern=r"^[^\x00]*$",
        description="Only posts with this tag (as in `GET /api/blogs?tag=`).",
    ),
]
TagPath = Annotated[
    str, Path(min_length=1, max_length=64, pattern=r"^[^\x00/]+$", description="A tag.")
]
IfNoneMatch = Annotated[
    str | None,
    Header(alias="If-None-Match", max_length=1024, description="ETag you have: 304 if fresh."),
]
IfModifiedSince = Annotated[
    str | None,
    Header(
        alias="If-Modified-Since",
        max_length=64,
        description="Last-Modified you have: 304 if nothing changed since (ignored with "
        "If-None-Match).",
    ),
]


def _responses(media_type: str, what: str) -> dict[int | str, dict[str, Any]]:
    # ETag and Last-Modified are declared by core/openapi_contract.py (RESPONSE_HEADERS).
    example = '<?xml version="1.0" encoding="utf-8"?>\n...'
    return {
        200: {
            "description": what,
            "content": {
                media_type.split(";")[0]: {"schema": {"type": "string"}, "example": example}
            },
        },
        304: {"description": "Not modified (If-None-Match / If-Modified-Since)."},
        **problem_responses(422),
    }


def _site(settings: Settings, request: Request) -> Site:
    # Without SITE_URL, links point at the host the reader fetched the feed from.
    return Site(
        base_url=settings.site_url or str(request.base_url),
        post_path=settings.site_post_path,
        title=settings.site_title,
    )


def _answer(document: Document, if_none_match: str | None, if_modified_since: str | None) -> Any:
    if document.not_modified(if_none_match=if_none_match, if_modified_since=if_modified_since):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=document.headers())
    return Response(document.body, media_type=document.media_type, headers=document.headers())


async def _feed(
    kind: str,
    request: Request,
    settings: Settings,
    tag: str | None,
    if_none_match: str | None,
    if_modified_since: str | None,
) -> Any:
    document = await feeds_service.build_feed(
        kind,
        site=_site(settings, request),
        self_path=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        limit=settings.feed_entries,
        tag=tag,
        removed_at=removed_at(request),
    )
    return _answer(document, if_none_match, if_modified_since)


@router.get(
    "/feed.xml",
    response_class=Response,
    summary="Atom feed of the newest posts",
    responses=_responses(ATOM_TYPE, "An Atom 1.0 feed."),
)
async def atom_feed(
    request: Request,
    settings: SettingsDep,
    tag: TagQuery = None,
    if_none_match: IfNoneMatch = None,
    if_modified_since: IfModifiedSince = None,
) -> Any:
    """The newest published posts as an Atom feed (all, or one tag's)."""
    return await _feed("atom", request, settings, tag, if_none_match, if_modified_since)


@router.get(
    "/rss.xml",
    response_class=Response,
    summary="RSS feed of the newest posts",
    responses=_responses(RSS_TYPE, "An RSS 2.0 feed."),
)
async def rss_feed(
    request: Request,
    settings: SettingsDep,
    tag: TagQuery = None,
    if_none_match: IfNoneMatch = None,
    if_modified_since: IfModifiedSince = None,
) -> Any:
    """The newest published posts as an RSS 2.0 feed (all, or one tag's)."""
    return await _feed("rss", request, settings, tag, if_none_match, if_modified_since)


@router.get(
    "/tags/{tag}/feed.xml",
    response_class=Response,
    summary="Atom feed of a tag",
    responses=_responses(ATOM_TYPE, "An Atom 1.0 feed."),
)
async def tag_atom_feed(
    request: Request,
    settings: SettingsDep,
    tag: TagPath,
    if_none_match: IfNoneMatch = None,
    if_modified_since: IfModifiedSince = None,
) -> Any:
    """The newest published posts with this tag, as an Atom feed."""
    return await _feed("atom", request, settings, tag, if_none_match, if_modified_since)


@router.get(
    "/tags/{tag}/rss.xml",
    response_class=Response,
    summary="RSS feed of a tag",
    responses=_responses(RSS_TYPE, "An RSS 2.0 feed."),
)
async def tag_rss_feed(
    request: Request,
    settings: SettingsDep,
    tag: TagPath,
    if_none_match: IfNoneMatch = None,
    if_modified_since: IfModifiedSince = None,
) -> Any:
    """The newest published posts with this tag, as an RSS 2.0 feed."""
    return await _feed("rss", request, settings, tag, if_none_match, if_modified_since)


@router.get(
    "/sitemap.xml",
    response_class=Response,
    summary="Sitemap of the published posts",
    responses=_responses(XML_TYPE, "A sitemap (sitemaps.org 0.9)."),
)
async def sitemap(
    request: Request,
    settings: SettingsDep,
    if_none_match: IfNoneMatch = None,
    if_modified_since: IfModifiedSince = None,
) -> Any:
    """Every published post's page (the newest 50,000), for search engines."""
    document = await feeds_service.build_sitemap(
        site=_site(settings, request), removed_at=removed_at(request)
    )
    return _answer(document, if_none_match, if_modified_since)
