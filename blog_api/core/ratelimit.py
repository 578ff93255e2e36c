"""Rate limits: one `RateLimiter` per app, used through the `rate_limit(...)` dependency factory.

How to use it (comments, media and blogs wire their own routes the same way)::

    from fastapi import Depends
    from blog_api.auth.dependencies import user_rate_limit_key
    from blog_api.core.ratelimit import rate_limit

    @router.post("", dependencies=[Depends(rate_limit("comment", key=user_rate_limit_key))], ...)

- `name` selects the limit: the setting `RATE_LIMIT_<NAME>` (`login`, `register`, `refresh`,
  `blog_submit`, `comment`, `upload`, `feature_request`, `vote`, and the account flows'
  `verify_resend`, `password_reset`, `second_factor`, `email_change`), in the `limits` notation
  (`"10/minute;100/hour"`: every limit in the list must hold). An unknown name fails when the route
  module is imported, a malformed value when the app is built, never in the middle of a request.
- `key` is a FastAPI dependency returning the string the counter is kept for. `client_ip_key`
  (the default) counts per client address; `blog_api.auth.dependencies.user_rate_limit_key`
  per authenticated user (it depends on `CurrentUser`, so it also answers 401 for anonymous
  callers); any other dependency works, e.g. the login route counts per submitted email as well.
  Core knows no domain: the per-user key lives in `auth` and is passed in here. Keys are
  namespaced by the limit name, so the same key under two limits never shares a counter.
- Over the limit the request gets 429 problem+json with `Retry-After` (whole seconds until a slot
  frees up). List 429 in the route's `responses=problem_responses(...)`.
- For WebSocket messages (no dependency per message) call
  `await get_rate_limiter(app).check("comment", key)` directly; it raises `RateLimited`, which
  carries `retry_after` (seconds) for the close reason.

Storage: Redis (`async+redis://`, or `async+redis+cluster://` with `REDIS_CLUSTER=true`, through
redis-py) when `REDIS_URL` is set, so every worker and every host shares the counters; process
memory otherwise (one worker). The strategy is the moving window: exact, no burst at window edges,
and it gives a precise `Retry-After`. If Redis is unreachable, each check falls back to a moving
window in this process's memory (for every limit): weaker, since each worker counts only what it
sees (with N workers a client may get up to N times a limit), but never open, so password guessing
stays throttled while Redis restarts; and no request is refused because Redis is down. The outage is
logged once (a warning) and its end once (info), not per request. When Redis is back the Redis
counters apply again (hits counted in memory meanwhile are not carried over).

Client address: the direct peer, unless the peer is one of `TRUSTED_PROXIES` (addresses or
CIDRs); then the `X-Forwarded-For` list is walked from the right, skipping trusted proxies, and the
first untrusted address is the client. A forged `X-Forwarded-For` from anyone else is ignored.
(Uvicorn under `blog-api serve` applies the same rule before us; applying it again is harmless.)

`RATE_LIMIT_ENABLED=false` turns every limit off (the test suite's default).
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string

from blog_api.core import metrics
from blog_api.core.config import Settings
from blog_api.core.errors import TooManyRequests
from blog_api.core.redis import rate_limit_storage_uri

logger = logging.getLogger("blog_api.ratelimit")

# Every limit name maps to the setting `rate_limit_<name>`.
LIMIT_NAMES = frozenset(
    {
        "login",
        "register",
        "refresh",
        "blog_submit",
        "comment",
        "upload",
        "feature_request",
        "vote",
        "verify_resend",
        "password_reset",
        "second_factor",
        "email_change",
    }
)
KEY_PREFIX = "blog_api:ratelimit"
# While Redis is unreachable, how often a check tries it again (the others count in memory).
STORAGE_RETRY_SECONDS = 1.0

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class RateLimited(TooManyRequests):
    """Over a rate limit; `Retry-After` says when to try again."""

    def __init__(self, name: str, retry_after: int) -> None:
        super().__init__(
            f"too many {name.replace('_', ' ')} requests; retry in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )
        self.retry_after = retry_after


class RateLimiter:
    """Parsed limits plus one storage; `check(name, key)` counts a hit or raises `RateLimited`."""

    def __init__(
        self, limits: dict[str, list[RateLimitItem]], storage: Storage, *, enabled: bool = True
    ) -> None:
        self.limits = limits
        self.storage = storage
        self.strategy = MovingWindowRateLimiter(storage)
        self.enabled = enabled
        # Counts while `storage` (Redis) is unreachable: per worker, but never fail open.
        self.fallback = MovingWindowRateLimiter(MemoryStorage())
        self._storage_down = False
        # While it is down, `storage` is tried again at most every STORAGE_RETRY_SECONDS: a
        # Redis that times out (rather than refusing) must not add its timeout to every request.
        self._retry_at = 0.0

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimiter:
        """Parse every `RATE_LIMIT_*` setting (a bad one fails here, at start-up)."""
        limits: dict[str, list[RateLimitItem]] = {}
        for name in sorted(LIMIT_NAMES):
            raw = getattr(settings, f"rate_limit_{name}")
            try:
                limits[name] = parse_many(raw)
            except ValueError as exc:
                raise ValueError(
                    f"RATE_LIMIT_{name.upper()}={raw!r} is not a rate limit such as '10/minute'"
                ) from exc
        storage: Storage
        if settings.redis_url:
            # `implementation="redispy"`: the `redis` client we already use (limits defaults to
            # coredis, which is not installed). Each counter is one key, so on a cluster they
            # spread over the nodes without a hash tag.
            uri, options = rate_limit_storage_uri(
                settings.redis_url, cluster=settings.redis_cluster
            )
            storage = storage_from_string(  # type: ignore[assignment]
                uri,
                implementation="redispy",
                **options,
                key_prefix=KEY_PREFIX,
                wrap_exceptions=True,
                socket_timeout=2,
                socket_connect_timeout=2,
            )
        else:
            storage = storage_from_string("async+memory://")  # type: ignore[assignment]
        return cls(limits, storage, enabled=settings.rate_limit_enabled)

    async def check(self, name: str, key: str, *, count: bool = True) -> None:
        """Count one hit of `key` against every limit of `name`; `RateLimited` when over.

        With `count=False` it only tests that one more would be allowed (see `record`).
        """
        if not self.enabled:
            return
        identifier = f"{name}:{key}"
        if self._skip_storage():
            await self._check(self.fallback, name, identifier, count=count)
            return
        try:
            await self._check(self.strategy, name, identifier, count=count)
        except StorageError as exc:
            self._storage_failed(exc)
            await self._check(self.fallback, name, identifier, count=count)
        else:
            self._storage_answered()

    async def _check(
        self, strategy: MovingWindowRateLimiter, name: str, identifier: str, *, count: bool
    ) -> None:
        for item in self.limits[name]:
            allowed = (
                await strategy.hit(item, identifier)
                if count
                else await strategy.test(item, identifier)
            )
            if not allowed:
                stats = await strategy.get_window_stats(item, identifier)
                retry_after = max(1, math.ceil(stats.reset_time - time.time()))
                metrics.RATE_LIMITED.labels(name).inc()
                raise RateLimited(name, retry_after)

    async def record(self, name: str, key: str) -> None:
        """Count one hit of work that was accepted (after `check(..., count=False)`)."""
        if not self.enabled:
            return
        identifier = f"{name}:{key}"
        if not self._skip_storage():
            try:
                for item in self.limits[name]:
                    await self.strategy.hit(item, identifier)
            except StorageError as exc:
                self._storage_failed(exc)
            else:
                self._storage_answered()
                return
        for item in self.limits[name]:
            await self.fallback.hit(item, identifier)

    def _skip_storage(self) -> bool:
        return self._storage_down and time.monotonic() < self._retry_at

    def _storage_failed(self, exc: StorageError) -> None:
        """Log the start of an outage once, not once per request."""
        self._retry_at = time.monotonic() + STORAGE_RETRY_SECONDS
        if not self._storage_down:
            self._storage_down = True
            logger.warning(
                "rate-limit storage unavailable; counting in this worker's memory until it is "
                "back (%s)",
                exc,
            )

    def _storage_answered(self) -> None:
        if self._storage_down:
            self._storage_down = False
            logger.info("rate-limit storage reachable again; counting in it again")

    async def reset(self) -> None:
        """Forget every counter (operators, and tests)."""
        try:
            await self.storage.reset()
        except StorageError:  # pragma: no cover - only when Redis is down
            logger.warning("rate-limit storage unavailable; reset skipped", exc_info=True)

    async def aclose(self) -> None:
        """Close the Redis connection pool, if any."""
        bridge = getattr(self.storage, "bridge", None)
        client = getattr(bridge, "storage", None)
        if client is not None and hasattr(client, "aclose"):
            await client.aclose()


def install_rate_limiter(app: FastAPI, settings: Settings) -> None:
    """Build the app's limiter and close its connections when the app stops."""
    limiter = RateLimiter.from_settings(settings)
    app.state.rate_limiter = limiter

    @asynccontextmanager
    async def close_on_shutdown(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await limiter.aclose()

    app.state.lifespan_hooks.append(close_on_shutdown)


def get_rate_limiter(app: FastAPI) -> RateLimiter:
    """The limiter of a running app."""
    limiter: RateLimiter = app.state.rate_limiter
    return limiter


# --- client address -------------------------------------------------------------------------


def _parse_networks(entries: list[str]) -> tuple[IPNetwork, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            logger.warning("ignoring TRUSTED_PROXIES entry %r: not an address or CIDR", entry)
    return tuple(networks)


_network_cache: dict[tuple[str, ...], tuple[IPNetwork, ...]] = {}


def _trusted_networks(settings: Settings) -> tuple[IPNetwork, ...]:
    entries = tuple(settings.trusted_proxies)
    if entries not in _network_cache:
        _network_cache[entries] = _parse_networks(list(entries))
    return _network_cache[entries]


def _parse_ip(value: str) -> IPAddress | None:
    value = value.strip()
    # "[2001:db8::1]:443" and "203.0.113.7:5000" both occur in the wild.
    if value.startswith("[") and "]" in value:
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    # A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; compare them as IPv4.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def client_ip(request: Request) -> str:
    """The caller's address, honouring `X-Forwarded-For` only from a trusted proxy."""
    peer = request.client.host if request.client else ""
    current = _parse_ip(peer)
    if current is None:
        return peer or "unknown"
    networks = _trusted_networks(request.app.state.settings)

    def trusted(address: IPAddress) -> bool:
        return any(address in network for network in networks)

    if not trusted(current):
        return str(current)
    forwarded = ",".join(request.headers.getlist("x-forwarded-for"))
    hops = [hop for hop in (part.strip() for part in forwarded.split(",")) if hop]
    # Walk from the proxy nearest to us outwards; the first address a trusted proxy vouches
    # for that is not itself a trusted proxy is the client. Anything further left is
    # whatever the client chose to send.
    for hop in reversed(hops):
        address = _parse_ip(hop)
        if address is None:
            break
        current = address
        if not trusted(current):
            break
    return str(current)


async def client_ip_key(request: Request) -> str:
    """Rate-limit key: the client address."""
    return "ip:" + client_ip(request)


KeyDependency = Callable[..., Any]


# Creation limits: only accepted work counts. A request refused for what it sent (422, 409, 404,
# ...) costs nothing, so a user fixing a form is never locked out by their own mistakes. Limits
# against guessing and abuse (login, register, refresh) count every attempt.
ACCEPTED_ONLY = frozenset({"blog_submit", "comment", "upload", "feature_request", "vote"})


def rate_limit(
    name: str, *, key: KeyDependency = client_ip_key
) -> Callable[..., AsyncIterator[None]]:
    """A dependency counting one hit of `name` for the key that `key` (a dependency) returns.

    For the limits in `ACCEPTED_ONLY` it tests the limit before the endpoint runs (429 when it
    is reached) and counts the hit only if the endpoint completed without raising: concurrent
    requests may overshoot a limit by how many are in flight at once.
    """
    if name not in LIMIT_NAMES:
        raise ValueError(f"unknown rate limit {name!r}; known: {', '.join(sorted(LIMIT_NAMES))}")
    accepted_only = name in ACCEPTED_ONLY

    # `Depends(key)` as a default, not in `Annotated[...]`: with postponed annotations FastAPI
    # evaluates annotations in module globals, where the closure's `key` does not exist.
    async def dependency(request: Request, identity: str = Depends(key)) -> AsyncIterator[None]:
        limiter = get_rate_limiter(request.app)
        await limiter.check(name, identity, count=not accepted_only)
        yield  # an exception from the endpoint (a refusal) propagates past the record below
        if accepted_only:
            await limiter.record(name, identity)

    return dependency
