"""Markdown to safe HTML, and plain-text excerpts.

Two layers, because either alone has failed somewhere before: markdown-it runs with raw HTML
disabled (so `<script>` in a post is shown as text) and its own link validation, then nh3 (the
Rust `ammonia` sanitiser) cleans the output against an allow-list. Anything the renderer might
emit by mistake, or a future plugin might add, still has to get past the allow-list.
"""

from __future__ import annotations

import html
import re

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_markdown.enable(["table", "strikethrough"])

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s", "code",
    "pre", "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th",
    "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"style"},
    "td": {"style"},
    "code": {"class"},
}
# No javascript:, data: or vbscript:; relative URLs (our /media/ images) stay as they are.
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
_LANGUAGE_CLASS = re.compile(r"language-[A-Za-z0-9_+-]{1,32}")


def _keep_attribute(tag: str, attr: str, value: str) -> str | None:
    # Syntax highlighters on the client need `language-xyz`; any other class is dropped.
    if tag == "code" and attr == "class":
        return value if _LANGUAGE_CLASS.fullmatch(value) else None
    return value


_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=ALLOWED_URL_SCHEMES,
    attribute_filter=_keep_attribute,
    filter_style_properties={"text-align"},
    link_rel="noopener noreferrer nofollow ugc",
    strip_comments=True,
)
_text_only = nh3.Cleaner(tags=set(), attributes={})
_WHITESPACE = re.compile(r"\s+")

EXCERPT_LENGTH = 280


def render_markdown(source: str) -> str:
    """Render markdown to HTML that is safe to insert into a page as is."""
    return _cleaner.clean(_markdown.render(source))


def excerpt_from_html(rendered: str, *, length: int = EXCERPT_LENGTH) -> str:
    """A plain-text summary of rendered HTML, cut at a word boundary.

    The result is text, not HTML: clients must escape it like any other string.
    """
    text = _WHITESPACE.sub(" ", html.unescape(_text_only.clean(rendered))).strip()
    if len(text) <= length:
        return text
    cut = text[: length - 1]
    if " " in cut[length // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" .,;:") + "…"
