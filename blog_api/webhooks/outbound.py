"""Outbound POSTs to webhook endpoints, guarded against server-side request forgery.

The host is resolved here and every address it resolves to is checked: private, loopback,
link-local, multicast, reserved and unspecified addresses (and IPv4 hidden in IPv6) are refused
unless `allow_private`. The request then goes to the checked address itself (the URL's host
stays in `Host` and, for HTTPS, in the TLS server name, which the certificate is verified
against), so a second DNS answer (rebinding) cannot send it elsewhere. Redirects are not
followed; the timeout is short and at most `max_response_bytes` of the answer is read.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from urllib.parse import urlsplit, urlunsplit

import httpx

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class RefusedDestination(Exception):
    """The URL is not one we may send to (scheme, host, or a forbidden address)."""


def forbidden_address(address: IpAddress) -> bool:
    """Whether an address is internal (what SSRF protection refuses)."""
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:
            return forbidden_address(mapped)
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def check_url_shape(url: str, *, allow_private: bool) -> None:
    """Refuse what no resolution can fix: a scheme other than http(s), no host, credentials,
    or (unless allowed) a literal internal address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise RefusedDestination("the URL must be http:// or https://")
    if not parts.hostname:
        raise RefusedDestination("the URL has no host")
    if parts.username or parts.password:
        raise RefusedDestination("the URL must not contain credentials")
    try:
        literal = ipaddress.ip_address(parts.hostname)
    except ValueError:
        return
    if not allow_private and forbidden_address(literal):
        raise RefusedDestination(f"{literal} is a private, loopback or link-local address")


# Lookups of webhook hosts get threads of their own. The loop's resolver threads (its default
# executor; libuv's small pool under uvloop) also resolve the database's and Redis's hosts when
# a pool opens a connection; a slow resolver for some endpoint's domain (a lookup outlives the
# attempt's timeout: the thread cannot be cancelled) would otherwise fill them and stall those
# connections.
_RESOLVER = ThreadPoolExecutor(max_workers=4, thread_name_prefix="webhook-dns")


async def resolve_checked(host: str, port: int, *, allow_private: bool) -> IpAddress:
    """Resolve `host`; refuse if ANY of its addresses is forbidden; return the first."""
    loop = asyncio.get_running_loop()
    lookup = partial(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        infos = await loop.run_in_executor(_RESOLVER, lookup)
    except socket.gaierror as exc:
        raise RefusedDestination(f"cannot resolve {host}: {exc}") from exc
    addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    if not addresses:
        raise RefusedDestination(f"{host} has no address")
    if not allow_private:
        bad = [str(a) for a in addresses if forbidden_address(a)]
        if bad:
            raise RefusedDestination(
                f"{host} resolves to a private, loopback or link-local address ({bad[0]})"
            )
    return addresses[0]


@dataclass
class Outcome:
    """What one attempt got: an HTTP status (None when no answer), timing, an error text."""

    status: int | None
    elapsed_ms: int
    error: str | None = None
    body_excerpt: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


async def post(
    client: httpx.AsyncClient,
    url: str,
    *,
    body: str,
    headers: dict[str, str],
    allow_private: bool,
    timeout: float,
    max_response_bytes: int,
) -> Outcome:
    """POST `body` to `url` through the SSRF checks; never raises for network trouble."""
    started = time.monotonic()

    def outcome(status: int | None, error: str | None = None, excerpt: str = "") -> Outcome:
        return Outcome(status, int((time.monotonic() - started) * 1000), error, excerpt)

    try:
        check_url_shape(url, allow_private=allow_private)
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        # The resolver's own timeouts can be long; the attempt's budget covers the lookup too.
        address = await asyncio.wait_for(
            resolve_checked(host, port, allow_private=allow_private), timeout=timeout
        )
    except RefusedDestination as exc:
        return outcome(None, f"refused: {exc}")
    except asyncio.TimeoutError:
        return outcome(None, f"resolving {host} timed out")
    literal = f"[{address}]" if address.version == 6 else str(address)
    pinned = urlunsplit((parts.scheme, f"{literal}:{port}", parts.path or "/", parts.query, ""))
    host_header = parts.netloc.rpartition("@")[2]
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    request = client.build_request(
        "POST",
        pinned,
        content=body.encode(),
        headers={**headers, "Host": host_header},
        extensions={**extensions, "timeout": httpx.Timeout(timeout).as_dict()},
    )

    async def exchange() -> tuple[int, bytes]:
        response = await client.send(request, stream=True, follow_redirects=False)
        try:
            received = bytearray()
            # Raw bytes: decoding a compressed answer could turn the cap into gigabytes.
            async for chunk in response.aiter_raw():
                received += chunk
                if len(received) >= max_response_bytes:
                    break  # enough: the rest is never read
        finally:
            await response.aclose()
        return response.status_code, bytes(received)

    try:
        # httpx's timeouts are per phase; this bounds the whole exchange (a trickling answer).
        status, received = await asyncio.wait_for(exchange(), timeout=timeout)
    except asyncio.TimeoutError:
        return outcome(None, f"timed out after {timeout:g}s")
    except httpx.HTTPError as exc:
        return outcome(None, f"{type(exc).__name__}: {exc}"[:500])
    excerpt = received[:max_response_bytes].decode("utf-8", "replace")[:1000]
    if not 200 <= status < 300:
        return outcome(status, f"HTTP {status}", excerpt)
    return outcome(status, None, excerpt)
