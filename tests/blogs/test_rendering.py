"""Markdown comes out as safe HTML: scripts, event handlers and javascript: URLs are inert."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from httpx import AsyncClient

from tests.conftest import Actor

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    '![x](x "onerror=alert(1)")',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![img](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=https://evil.example></iframe>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<svg onload=alert(1)>",
    "[x](vbscript:msgbox(1))",
    "```\n</code><script>alert(1)</script>\n```",
    '<a href="https://ok.example" onclick="alert(1)">x</a>',
]

# An executable construct is a tag we did not allow, an on* attribute, a style, or a script URL
# in a link. Escaped text (&lt;script&gt;) is fine: the browser shows it as text.
ALLOWED = {"p", "a", "img", "pre", "code", "em", "strong", "br"}
URL_ATTRIBUTES = {"href", "src"}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def assert_inert(html: str) -> None:
    parser = _Collector()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag in ALLOWED, html
        for name, value in attrs:
            assert not name.startswith("on"), html
            assert name != "style", html
            if name in URL_ATTRIBUTES:
                scheme = (value or "").split(":", 1)[0].strip().lower()
                assert scheme not in {"javascript", "vbscript", "data"}, html


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_xss_payloads_are_inert(client: AsyncClient, user: Actor, payload: str) -> None:
    resp = await client.post(
        "/api/blogs", json={"title": "XSS", "content": payload}, headers=user.headers
    )
    assert resp.status_code == 201
    body = resp.json()
    assert_inert(body["content_html"])
    assert body["content"] == payload  # the author's markdown is kept as written


async def test_raw_html_is_shown_as_text(client: AsyncClient, user: Actor) -> None:
    resp = await client.post(
        "/api/blogs",
        json={"title": "T", "content": "<b>bold?</b> & <i>x</i>"},
        headers=user.headers,
    )
    assert resp.json()["content_html"] == (
        "<p>&lt;b&gt;bold?&lt;/b&gt; &amp; &lt;i&gt;x&lt;/i&gt;</p>\n"
    )


async def test_markdown_features_survive_sanitising(client: AsyncClient, user: Actor) -> None:
    content = (
        "# Head\n\n**b** _i_ ~~s~~ `c`\n\n"
        '[link](https://example.com "t") ![alt](/media/a.png)\n\n'
        "| a | b |\n|:--|--:|\n| 1 | 2 |\n\n```python\nprint(1)\n```\n"
    )
    resp = await client.post(
        "/api/blogs", json={"title": "T", "content": content}, headers=user.headers
    )
    html = resp.json()["content_html"]
    assert "<h1>Head</h1>" in html
    assert "<strong>b</strong> <em>i</em> <s>s</s> <code>c</code>" in html
    assert (
        '<a href="https://example.com" title="t" rel="noopener noreferrer nofollow ugc">link</a>'
        in html
    )
    assert '<img src="/media/a.png" alt="alt">' in html
    assert '<th style="text-align:left">a</th>' in html
    assert '<code class="language-python">print(1)\n</code>' in html


async def test_code_class_other_than_language_is_dropped(client: AsyncClient, user: Actor) -> None:
    resp = await client.post(
        "/api/blogs",
        json={"title": "T", "content": '```x" onmouseover="alert(1)\ncode\n```'},
        headers=user.headers,
    )
    # The info string is not a plain language name, so the class goes entirely.
    assert resp.json()["content_html"] == "<pre><code>code\n</code></pre>\n"


async def test_excerpt_is_plain_text(client: AsyncClient, user: Actor) -> None:
    resp = await client.post(
        "/api/blogs",
        json={"title": "T", "content": "# Title\n\nSome **bold** & <tag> text. " + "more " * 100},
        headers=user.headers,
    )
    excerpt = resp.json()["excerpt"]
    assert excerpt.startswith("Title Some bold & <tag> text.")
    assert excerpt.endswith("…")
    assert len(excerpt) <= 280


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        '<a href=" javascript:alert(1)">x</a>',
        '<p style="color:red">x</p>',
    ],
)
def test_the_inertness_check_catches_live_html(html: str) -> None:
    with pytest.raises(AssertionError):
        assert_inert(html)
