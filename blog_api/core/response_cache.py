"""A per-worker cache of rendered public answers: bytes and ETag, served before any routing.

Anonymous readers are most of a blog's traffic and most of them ask for the same few pages. A
route that has just rendered an answer which is the same for every caller (public content, no
per-user part) says so with `mark_public`; this middleware keeps the bytes and serves the next
identical GET from memory, with `If-None-Match` -> 304 before any work. The cache knows no domain:
the route attaches *labels* to an entry (e.g. `blog:42`) and a *meta* object, and the domain
drops entries by label or by a predicate over the metas when its events arrive (every worker
reads the same event stream, so every worker drops the same entries).

Correctness rules:
- Only answers a route marked are stored; an answer the route did not mark (a private view, an
  error, a 304) passes through untouched, and the bytes stored are exactly the bytes sent.
- A render that overlaps an invalidation is not stored (`generation`): it may have read the
  database before the change that invalidated it.
- A public answer is the same whatever the caller sends in `Authorization` (public routes
  ignore a token that does not authenticate, and a valid one changes nothing for public
  content), so entries are shared by every caller.
- Entries expire after `max_age` seconds as a safety net (events lost while Redis was down),
  and the number of entries is bounded (least recently used go first).
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Clients (and shared caches) may keep a public answer but must revalidate it each time: the
# ETag makes that a cheap 304, and nobody serves a post the author has just deleted.
PUBLIC_CACHE_CONTROL = b"public, no-cache"
# Longest If-None-Match the routes accept (longer is their 422): the cache must not answer a
# request the route would refuse, so such a request goes to the route.
IF_NONE_MATCH_MAX = 512
_HIT_HEADER = (b"x-cache", b"hit")


@dataclass(slots=True)
class Entry:
    """One stored answer."""

    body: bytes
    headers: list[tuple[bytes, bytes]]
    etag: bytes
    labels: frozenset[str]
    meta: Any
    stored_at: float


@dataclass(slots=True)
class _Mark:
    """Filled in by `mark_public` during the render the middleware is watching."""

    public: bool = False
    labels: set[str] = field(default_factory=set)
    meta: Any = None


_current_mark: ContextVar[_Mark | None] = ContextVar("response_cache_mark", default=None)


def mark_public(labels: Iterable[str] = (), meta: Any = None) -> None:
    """Declare the answer being rendered public: the same bytes for every caller.

    `labels` and `meta` let the domain find the entry again to drop it. Outside a cacheable
    request (or with the cache off) this does nothing.
    """
    mark = _current_mark.get()
    if mark is not None:
        mark.public = True
        mark.labels.update(labels)
        mark.meta = meta


def _etag_of(body: bytes) -> bytes:
    return b'"' + hashlib.blake2b(body, digest_size=12).hexdigest().encode() + b'"'


def _etag_matches(if_none_match: bytes, etag: bytes) -> bool:
    if if_none_match.strip() == b"*":
        return True
    return any(
        candidate.strip().removeprefix(b"W/") == etag for candidate in if_none_match.split(b",")
    )


class ResponseCache:
    """Entries by request target (path and query string), least recently used first."""

    def __init__(self, *, max_entries: int, max_age: float) -> None:
        self.max_entries = max_entries
        self.max_age = max_age
        self._entries: OrderedDict[bytes, Entry] = OrderedDict()
        # Bumped by every invalidation: a render that started before it is not stored.
        self.generation = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: bytes) -> Entry | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if time.monotonic() - entry.stored_at > self.max_age:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry

    def put(self, key: bytes, entry: Entry, *, generation: int) -> bool:
        """Store `entry` unless an invalidation happened since `generation` was read."""
        if generation != self.generation:
            return False
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        return True

    def targets(self) -> list[bytes]:
        """The stored request targets (for tests and diagnostics)."""
        return list(self._entries)

    def drop_where(self, predicate: Callable[[Entry], bool]) -> int:
        """Drop the entries `predicate` selects; returns how many."""
        self.generation += 1
        doomed = [key for key, entry in self._entries.items() if predicate(entry)]
        for key in doomed:
            del self._entries[key]
        return len(doomed)

    def drop_labelled(self, label: str) -> int:
        """Drop the entries carrying `label`."""
        return self.drop_where(lambda entry: label in entry.labels)

    def clear(self) -> None:
        """Drop everything (the event stream was reset: some changes may have been missed)."""
        self.generation += 1
        self._entries.clear()


class ResponseCacheMiddleware:
    """Serves stored public answers to GETs under `prefixes`; stores what routes mark public."""

    def __init__(self, app: ASGIApp, *, cache: ResponseCache, prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.cache = cache
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not scope["path"].startswith(self.prefixes)
        ):
            await self.app(scope, receive, send)
            return
        query: bytes = scope.get("query_string", b"")
        key = scope["path"].encode() + b"?" + query
        if_none_match = b""
        for name, value in scope["headers"]:
            if name == b"if-none-match":
                if_none_match = value
                break
        entry = self.cache.get(key) if len(if_none_match) <= IF_NONE_MATCH_MAX else None
        if entry is not None:
            self.cache.hits += 1
            await self._send_entry(send, entry, if_none_match, hit=True)
            return
        self.cache.misses += 1
        await self._render(scope, receive, send, key, if_none_match)

    async def _send_entry(
        self, send: Send, entry: Entry, if_none_match: bytes, *, hit: bool = False
    ) -> None:
        # `X-Cache: hit` tells operators (and tests) which answers came from memory.
        extra = [_HIT_HEADER] if hit else []
        if if_none_match and _etag_matches(if_none_match, entry.etag):
            headers = [(b"etag", entry.etag), (b"cache-control", PUBLIC_CACHE_CONTROL), *extra]
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        headers = [*entry.headers, *extra] if hit else entry.headers
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": entry.body})

    async def _render(
        self, scope: Scope, receive: Receive, send: Send, key: bytes, if_none_match: bytes
    ) -> None:
        mark = _Mark()
        token = _current_mark.set(mark)
        generation = self.cache.generation
        start: Message | None = None
        chunks: list[bytes] = []

        async def watch(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                if message["status"] != 200 or not mark.public:
                    mark.public = False  # passes through untouched
                    await send(message)
                    return
                start = message  # held until the whole body is known (its ETag)
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            await self._finish(send, key, start, b"".join(chunks), mark, generation, if_none_match)

        try:
            await self.app(scope, receive, watch)
        finally:
            _current_mark.reset(token)

    async def _finish(
        self,
        send: Send,
        key: bytes,
        start: Message,
        body: bytes,
        mark: _Mark,
        generation: int,
        if_none_match: bytes,
    ) -> None:
        headers = [
            (name, value)
            for name, value in start.get("headers", [])
            if name not in (b"content-length", b"cache-control")
        ]
        etag = next((value for name, value in headers if name == b"etag"), None)
        if etag is None:
            etag = _etag_of(body)
            headers.append((b"etag", etag))
        headers.append((b"cache-control", PUBLIC_CACHE_CONTROL))
        headers.append((b"content-length", str(len(body)).encode()))
        entry = Entry(
            body=body,
            headers=headers,
            etag=etag,
            labels=frozenset(mark.labels),
            meta=mark.meta,
            stored_at=time.monotonic(),
        )
        self.cache.put(key, entry, generation=generation)
        await self._send_entry(send, entry, if_none_match)
