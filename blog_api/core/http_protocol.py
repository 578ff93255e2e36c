"""Uvicorn's httptools protocol with a header-read timeout and a header size limit.

Behind Caddy neither is needed (Caddy reads the headers and has its own limits), but `blog-api
serve` may be reached directly (a health check port, a misconfigured firewall, a test). There,
stock Uvicorn 0.55 with httptools:

- waits for ever for a request's headers: a client that connects and sends nothing, or sends
  its headers a byte at a time, holds a connection (and a file descriptor) indefinitely, so a few
  hundred such sockets ("slowloris") exhaust the worker. Its `timeout_keep_alive` only covers the
  idle time *between* requests and is cancelled by the first byte of the next one;
- accepts any size of headers (its `h11_max_incomplete_event_size` applies to h11 only) and
  buffers them in memory.

`HttpToolsProtocol` is subclassed, not replaced: the same parser, flow control and ASGI cycle.

- **Timeout** (`HTTP_HEADER_TIMEOUT_SECONDS`): armed when a connection opens and when the first
  byte of a request arrives on a kept-alive connection; cancelled when the headers are complete.
  It is a deadline, so dribbling bytes does not extend it. On expiry: 408 and close if part of a
  request came, a plain close if nothing did (a browser's idle preconnect). Responses, bodies and
  streams (SSE, WebSocket) are not affected: the timer is off once the headers are in.
- **Size** (`HTTP_MAX_HEADER_BYTES`, request line plus headers): counted on the raw bytes while
  headers are incomplete, so an oversized header is refused before it is buffered (431 and close);
  and exactly per request from the parser's callbacks, which also covers a pipelined request that
  arrived in the same read as the one before it.

`blog-api serve` selects this class (`http=`) when httptools is installed and passes the same
size limit to h11 (`h11_max_incomplete_event_size`) otherwise; the limits are read from the
settings once per worker process.
"""

from __future__ import annotations

import asyncio
from functools import lru_cache
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState

END_OF_HEADERS = b"\r\n\r\n"


@lru_cache(maxsize=1)
def header_limits() -> tuple[float, int]:
    """(HTTP_HEADER_TIMEOUT_SECONDS, HTTP_MAX_HEADER_BYTES) of this process's settings."""
    from blog_api.core.config import get_settings

    settings = get_settings()
    return settings.http_header_timeout_seconds, settings.http_max_header_bytes


class _HeaderState:
    """Per-connection state of the header limits."""

    __slots__ = ("deadline", "got_bytes", "parsed", "raw", "tail")

    def __init__(self) -> None:
        self.deadline: asyncio.TimerHandle | None = None
        self.raw: int | None = 0  # raw header bytes so far; None while a body or stream flows
        self.tail = b""  # the last bytes seen, to find a "\r\n\r\n" split between two reads
        self.parsed = 0  # request line + headers of the request being parsed
        self.got_bytes = False


class HeaderLimitedHttpToolsProtocol(HttpToolsProtocol):
    """`HttpToolsProtocol` plus a header-read deadline and a header size limit."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        # One slotted attribute, not five: every attribute of this class's instance dict costs
        # each open connection (SSE streams included) for its whole life (measured: five made an
        # idle stream 1.4 KiB larger).
        self._hs = _HeaderState()

    @property
    def header_timeout(self) -> float:
        return header_limits()[0]

    @property
    def max_header_bytes(self) -> int:
        return header_limits()[1]

    # --- the deadline -------------------------------------------------------------------------

    def _arm_header_deadline(self) -> None:
        if self._hs.deadline is None:
            self._hs.deadline = self.loop.call_later(
                self.header_timeout, self._header_timeout_expired
            )

    def _disarm_header_deadline(self) -> None:
        if self._hs.deadline is not None:
            self._hs.deadline.cancel()
            self._hs.deadline = None

    def _header_timeout_expired(self) -> None:
        self._hs.deadline = None
        if self.transport.is_closing():
            return
        if self._hs.got_bytes:
            self._refuse(408, "request headers not received in time")
        else:
            self.transport.close()

    def _refuse(self, status: int, message: str) -> None:
        """Answer with `status` and close, without involving the app."""
        body = message.encode("ascii")
        self.transport.write(
            b"".join(
                [
                    STATUS_LINE[status],
                    b"content-type: text/plain; charset=utf-8\r\n",
                    b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
                    b"connection: close\r\n\r\n",
                    body,
                ]
            )
        )
        self.transport.close()
        self._disarm_header_deadline()

    # --- protocol events ----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.transport.is_closing():
            return
        if data:
            self._hs.got_bytes = True
        if self._hs.raw is not None:
            window = self._hs.tail + data
            end = window.find(END_OF_HEADERS)
            counted = len(data) if end < 0 else end + len(END_OF_HEADERS) - len(self._hs.tail)
            self._hs.raw += counted
            self._hs.tail = window[-(len(END_OF_HEADERS) - 1) :]
            if self._hs.raw > self.max_header_bytes:
                self._refuse(431, "request headers too large")
                return
        super().data_received(data)

    # --- parser callbacks ---------------------------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._hs.parsed = 0
        # The first byte of a request on a kept-alive connection: its headers are now due.
        self._arm_header_deadline()

    def on_url(self, url: bytes) -> None:
        self._hs.parsed += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._hs.parsed += len(name) + len(value) + 4  # ": " and CRLF
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._disarm_header_deadline()
        self._hs.raw = None  # a body (or a stream) follows: not counted
        if self._hs.parsed > self.max_header_bytes:
            # Exact count, per request: catches a pipelined request whose headers arrived in
            # the same read as the previous request. The cycle runs a tiny app that answers 431
            # and closes, so responses stay in order.
            app = self.app
            self.app = _too_large
            try:
                super().on_headers_complete()
            finally:
                self.app = app
            return
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        # What comes next on this connection is another request's headers.
        self._hs.raw = 0
        self._hs.tail = b""


async def _too_large(scope: Any, receive: Any, send: Any) -> None:
    """The answer to a request whose headers are over HTTP_MAX_HEADER_BYTES."""
    body = b"request headers too large"
    await send(
        {
            "type": "http.response.start",
            "status": 431,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode("ascii")),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
