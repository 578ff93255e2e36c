"""The event bus interface: an append-only, id-ordered, bounded history of `Event`s.

Public API (what SSE, WebSocket and services build on)
------------------------------------------------------
Services never touch the bus. They call `record_event(..., using_db=conn)` inside their
transaction; the outbox relay (`relay.py`) publishes committed rows here. Consumers never read the
bus per client either: each process runs ONE reader (inside `Hub`, see `hub.py`) that fans events
out to local subscribers. A new real-time endpoint (e.g. the WebSocket for live comments) needs:

    from blog_api.realtime.dependencies import authenticate_ticket       # ?ticket= -> Credential
    from blog_api.realtime.hub import Closed, Ready, Reset
    rt = websocket.app.state.realtime                                    # a runtime.Realtime
    user = (await authenticate_ticket(
        rt.tickets, ticket, purpose="ws", settings=websocket.app.state.settings)).user  # 401/503
    accept = lambda e: e.subject == Subject(kind="blog", id=blog_id) and e.visible_to(
        user_id=user.id, role=user.role.value)
    async with rt.hub.subscribe(accept=accept, last_event_id=resume_from) as sub:
        while True:
            msg = await sub.next(timeout=15)  # Ready | Reset | Event | Closed | None (idle)
            ...                               # send; on Closed, close with a "resume" hint

`EventBus` (implemented by `MemoryBus` and `RedisBus`):

- ``await bus.publish(event, dedupe_key=...) -> str``: append; returns the stream id that becomes
  the event's public id (`Event.id`, SSE `id:`). The same `dedupe_key` published twice (within
  `DEDUPE_TTL_SECONDS`) is appended once and returns the first id: that is what makes the relay
  safe to retry and to run in several processes at once.
- ``await bus.publish_many([(event, dedupe_key), ...]) -> list[str]``: the same for a batch, in
  order, in one round trip (what the relay uses).
- ``await bus.read_since(last_id, limit=...) -> list[Event]``: events with id > `last_id`, oldest
  first, at most `limit`. Raises `HistoryGone` when events after `last_id` may have been trimmed
  (older than the retention), or when `last_id` is unknown to this stream (newer than its tip, or
  issued before the stream was wiped, even if it has been refilled since): the consumer must tell
  its client to reload (`reset`).
- ``await bus.last_id() -> str``: id of the newest event (``"0-0"`` when empty).
- ``bus.tail(after) -> AsyncIterator[Event | StreamReset]``: the live feed after `after`, for the
  single reader of a process (the `Hub`). It survives connection loss (reconnects with backoff
  and resumes from the last id it yielded); it yields `StreamReset` when it cannot prove nothing
  was missed (the stream was wiped, or the reader fell behind the retention).
- ``await bus.trim_before(min_id) -> int``: drop events older than `min_id` (time retention).
- ``await bus.ping() -> bool``, ``await bus.start()``, ``await bus.stop()``.

Ids are Redis stream ids, ``"<milliseconds>-<sequence>"``, in both implementations, so they
compare the same way (`parse_id`) and a client can resume against either.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass

from blog_api.realtime.events import Event

ZERO_ID = "0-0"
# Longest id a client may send: two 20-digit integers and a dash.
MAX_ID_LENGTH = 41
# ASCII digits and `fullmatch`: Python's `\d` also matches Arabic-Indic or fullwidth digits (which
# `int()` then reads), and `$` matches before a trailing newline.
ID_PATTERN = re.compile(r"[0-9]{1,20}(?:-[0-9]{1,20})?")
# How long `publish(dedupe_key=...)` remembers a key; far longer than any relay retry.
DEDUPE_TTL_SECONDS = 24 * 3600


class BusUnavailable(Exception):
    """The bus backend (Redis) cannot be reached; callers retry later."""


class HistoryGone(Exception):
    """Events after the requested id are no longer retained (or the id is unknown).

    `resume_from` is where what the stream still holds is complete: its start ("0-0") when it
    never trimmed anything (it restarted empty since that id was issued: every event of its new
    life is still there and is delivered after the reset), else its tip (what was trimmed the
    client reloads; replaying thousands of retained events on top would add nothing).
    """

    def __init__(self, last_id: str, tip: str, resume_from: str | None = None) -> None:
        super().__init__(f"history after {last_id} is gone; the stream is now at {tip}")
        self.last_id = last_id
        self.tip = tip
        self.resume_from = tip if resume_from is None else resume_from


@dataclass(frozen=True)
class StreamReset:
    """Yielded by `tail` when events may have been missed; `tip` is where the feed resumed."""

    tip: str
    reason: str


def parse_id(stream_id: str) -> tuple[int, int]:
    """`"1700000000000-3"` -> `(1700000000000, 3)`; a bare `"5"` means `(5, 0)`."""
    ms, _, seq = stream_id.partition("-")
    return int(ms), int(seq or 0)


def is_valid_id(value: str) -> bool:
    """Whether `value` looks like a stream id (what a client may send as Last-Event-ID)."""
    return len(value) <= MAX_ID_LENGTH and ID_PATTERN.fullmatch(value) is not None


def normalize_id(value: str) -> str:
    """Canonical `ms-seq` form of a valid id."""
    ms, seq = parse_id(value)
    return f"{ms}-{seq}"


class EventBus(ABC):
    """An append-only, bounded, id-ordered event history shared by every process."""

    @abstractmethod
    async def start(self) -> None:
        """Open connections."""

    @abstractmethod
    async def stop(self) -> None:
        """Close connections; a running `tail` ends."""

    @abstractmethod
    async def publish(self, event: Event, *, dedupe_key: str | None = None) -> str:
        """Append `event` (its `id` is ignored) and return its stream id.

        Raises `BusUnavailable` when the backend is down.
        """

    async def publish_many(self, items: list[tuple[Event, str | None]]) -> list[str]:
        """Append several `(event, dedupe_key)` in order; their stream ids, in the same order.

        Implementations batch it into one round trip where they can.
        """
        return [await self.publish(event, dedupe_key=key) for event, key in items]

    @abstractmethod
    async def read_since(self, last_id: str, *, limit: int = 500) -> list[Event]:
        """Events after `last_id`, oldest first; `HistoryGone` if some may have been trimmed."""

    @abstractmethod
    async def last_id(self) -> str:
        """Id of the newest event, or `ZERO_ID`."""

    @abstractmethod
    def tail(self, after: str) -> AsyncIterator[Event | StreamReset]:
        """Live events after `after`, forever (until `stop`); one consumer per process."""

    @abstractmethod
    async def ping(self) -> bool:
        """Whether the backend answers (readiness)."""

    @abstractmethod
    async def trim_before(self, min_id: str) -> int:
        """Drop every event whose id is below `min_id` (exactly); return how many were dropped.

        The time retention (`EVENT_RETENTION_SECONDS`, realtime/housekeeping.py); a reader
        resuming before what is left then gets `HistoryGone`, as after a MAXLEN trim.
        """
