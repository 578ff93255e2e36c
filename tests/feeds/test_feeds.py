"""Atom, RSS and sitemap: parsed the way feed readers and crawlers do (feedparser, ElementTree),
with their validators (ETag, Last-Modified, 304)."""

from __future__ import annotations

import asyncio
from email.utils import parsedate_to_datetime
from xml.etree import ElementTree as ET

import feedparser
from httpx import AsyncClient

from tests.blogs.conftest import CreatePost
from tests.conftest import Actor

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


async def _publish(
    create_post: CreatePost, author: Actor, approver: Actor, title: str, **body: object
) -> dict:
    return await create_post(author, status="approved", reviewer=approver, title=title, **body)


async def test_atom_feed_lists_published_posts_newest_first(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    first = await _publish(create_post, user, approver, "First <post>", content="Hello **bold**")
    await asyncio.sleep(0.01)
    second = await _publish(create_post, user, approver, "Second & last", tags=["python"])
    await create_post(user)  # pending: never in a feed
    resp = await client.get("/feed.xml")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(resp.content)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.version == "atom10"
    assert [e.title for e in parsed.entries] == ["Second & last", "First <post>"]
    entry = parsed.entries[1]
    assert entry.link == f"http://test/posts/{first['slug']}"
    assert entry.author == "alice"
    assert "<strong>bold</strong>" in entry.content[0].value
    assert [t.term for t in parsed.entries[0].tags] == ["python"]
    assert parsed.entries[0].id == f"http://test/posts/{second['slug']}"


async def test_rss_feed_is_valid_rss2(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    post = await _publish(create_post, user, approver, "Hello", content="Some *text*")
    resp = await client.get("/rss.xml")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("application/rss+xml")
    parsed = feedparser.parse(resp.content)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.version == "rss20"
    (entry,) = parsed.entries
    assert entry.title == "Hello"
    assert entry.link == f"http://test/posts/{post['slug']}"
    assert "<em>text</em>" in entry.description
    assert entry.published_parsed is not None


async def test_markdown_html_is_sanitised_in_the_feed(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    await _publish(create_post, user, approver, "X", content="<script>alert(1)</script> hi")
    html = feedparser.parse((await client.get("/feed.xml")).content).entries[0].content[0].value
    # The raw HTML was rendered as text by the markdown renderer, and stays text.
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


async def test_feeds_per_tag(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    await _publish(create_post, user, approver, "Py", tags=["python"])
    await _publish(create_post, user, approver, "Go", tags=["go"])
    for path in ("/feed.xml?tag=python", "/tags/python/feed.xml", "/tags/Python/rss.xml"):
        resp = await client.get(path)
        assert resp.status_code == 200, path
        parsed = feedparser.parse(resp.content)
        assert not parsed.bozo
        assert [e.title for e in parsed.entries] == ["Py"], path
    empty = feedparser.parse((await client.get("/rss.xml?tag=nothing")).content)
    assert not empty.bozo and empty.entries == []


async def test_scheduled_posts_are_not_in_feeds(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    post = await create_post(user)
    resp = await client.post(
        f"/api/blogs/{post['id']}/approve",
        json={"publish_at": "2099-01-01T09:00:00Z"},
        headers=approver.headers,
    )
    assert resp.status_code == 200
    for path in ("/feed.xml", "/rss.xml", "/sitemap.xml"):
        assert post["slug"] not in (await client.get(path)).text


async def test_etag_and_last_modified_give_304_until_a_change(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    await _publish(create_post, user, approver, "One")
    for path in ("/feed.xml", "/rss.xml", "/sitemap.xml", "/tags/x/feed.xml"):
        first = await client.get(path)
        etag, modified = first.headers["etag"], first.headers.get("last-modified")
        again = await client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304, path
        assert again.headers["etag"] == etag
        assert again.content == b""
        if modified is not None:
            resp = await client.get(path, headers={"If-Modified-Since": modified})
            assert resp.status_code == 304, path
            # If-None-Match wins over If-Modified-Since.
            resp = await client.get(
                path, headers={"If-None-Match": '"other"', "If-Modified-Since": modified}
            )
            assert resp.status_code == 200, path
    old = (await client.get("/feed.xml")).headers["etag"]
    await asyncio.sleep(1.1)  # Last-Modified has whole seconds
    await _publish(create_post, user, approver, "Two")
    changed = await client.get("/feed.xml", headers={"If-None-Match": old})
    assert changed.status_code == 200
    assert changed.headers["etag"] != old


async def test_garbage_if_modified_since_is_ignored(client: AsyncClient) -> None:
    resp = await client.get("/feed.xml", headers={"If-Modified-Since": "yesterday"})
    assert resp.status_code == 200


async def test_sitemap_lists_published_posts(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    post = await _publish(create_post, user, approver, "Mapped")
    await create_post(user)
    resp = await client.get("/sitemap.xml")
    assert resp.status_code == 200
    root = ET.fromstring(resp.content)
    assert root.tag == f"{SITEMAP_NS}urlset"
    locs = [u.find(f"{SITEMAP_NS}loc").text for u in root.findall(f"{SITEMAP_NS}url")]
    assert locs == [f"http://test/posts/{post['slug']}"]
    assert root.find(f"{SITEMAP_NS}url/{SITEMAP_NS}lastmod") is not None


FEEDS = ("/feed.xml", "/rss.xml", "/sitemap.xml", "/tags/python/feed.xml")


async def _deleted_post_is_news(
    client: AsyncClient, author: Actor, deleted: dict, kept: dict
) -> None:
    """Each feed's Last-Modified as a reader holds it, then `deleted` is deleted: a reader
    sending only If-Modified-Since gets the new document, without the post."""
    held = {path: (await client.get(path)).headers["last-modified"] for path in FEEDS}
    # No pause: within the second a reader was told about (Last-Modified has whole seconds).
    resp = await client.delete(f"/api/blogs/{deleted['id']}", headers=author.headers)
    assert resp.status_code == 204, resp.text
    for path, modified in held.items():
        resp = await client.get(path, headers={"If-Modified-Since": modified})
        assert resp.status_code == 200, path
        assert deleted["slug"] not in resp.text and kept["slug"] in resp.text, path
        newer = resp.headers["last-modified"]
        assert parsedate_to_datetime(newer) > parsedate_to_datetime(modified), path
        again = await client.get(path, headers={"If-Modified-Since": newer})
        assert again.status_code == 304, path


async def test_deleting_the_newest_post_is_not_answered_304_to_if_modified_since(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    older = await _publish(create_post, user, approver, "Older", tags=["python"])
    newest = await _publish(create_post, user, approver, "Newest", tags=["python"])
    await _deleted_post_is_news(client, user, deleted=newest, kept=older)


async def test_deleting_an_older_post_is_not_answered_304_to_if_modified_since(
    client: AsyncClient, user: Actor, approver: Actor, create_post: CreatePost
) -> None:
    older = await _publish(create_post, user, approver, "Older", tags=["python"])
    newest = await _publish(create_post, user, approver, "Newest", tags=["python"])
    await _deleted_post_is_news(client, user, deleted=older, kept=newest)
