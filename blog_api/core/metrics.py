"""Prometheus metrics: the instruments, and `GET /metrics` for the scraper.

Several Uvicorn workers report together through prometheus-client's multiprocess mode:
`blog-api serve` points `PROMETHEUS_MULTIPROC_DIR` at an emptied folder before the workers start
(each worker writes its values to memory-mapped files there, the endpoint sums them). Without
that variable (tests, `uvicorn` run by hand) the values are this process's own.

Hot paths only increment: a request adds one counter and one histogram observation; the event
reader counts once per event per worker (never once per connection per event: a comment shown to
500 sockets is one increment); gauges of open connections move when a connection opens or closes.
The outbox gauges are measured when /metrics is scraped (one indexed query), not kept up to date.

`GET /metrics` is off unless `METRICS_ENABLED=true`, and then answers only clients at loopback or
private addresses (the scraper on the internal network; behind a trusted proxy the address is
the forwarded client's) and, when `METRICS_TOKEN` is set, only with `Authorization: Bearer
<token>`. Anyone else gets the same 404 as for an unknown path. Caddy does not proxy /metrics at
all (see the Caddyfile), so it is never reachable from the internet through it.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.exceptions import HTTPException as StarletteHTTPException

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

HTTP_REQUESTS = Counter(
    "blog_api_http_requests_total",
    "HTTP requests and WebSocket sessions by route template and final status.",
    ["method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "blog_api_http_request_duration_seconds",
    "Time from request to the end of the response (the whole life of a stream or socket).",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60, 600),
)
SSE_OPEN = Gauge(
    "blog_api_sse_connections",
    "Open SSE streams (GET /api/notifications/sse).",
    multiprocess_mode="livesum",
)
WS_OPEN = Gauge(
    "blog_api_websocket_connections",
    "Open comment WebSockets.",
    multiprocess_mode="livesum",
)
EVENTS_PUBLISHED = Counter(
    "blog_api_events_published_total",
    "Outbox events the relay appended to the event stream.",
)
EVENTS_RECEIVED = Counter(
    "blog_api_events_received_total",
    "Events read from the event stream, counted once per worker that read them.",
)
EVENTS_DELIVERED = Counter(
    "blog_api_events_delivered_total",
    "Events queued for subscribers, SSE streams and WebSockets (one per accepting subscriber).",
)
SUBSCRIBERS_EVICTED = Counter(
    "blog_api_subscribers_evicted_total",
    "SSE subscribers dropped because their queue was full (slow consumers).",
)
RATE_LIMITED = Counter(
    "blog_api_rate_limit_refusals_total",
    "Requests refused by a rate limit, by limit name.",
    ["limit"],
)
REDIS_UP = Gauge(
    "blog_api_redis_up",
    "1 when Redis answered a PING at scrape time, 0 when not (the API is `degraded` then).",
    multiprocess_mode="mostrecent",
)
OUTBOX_BACKLOG = Gauge(
    "blog_api_outbox_backlog",
    "Outbox events not yet published to the event stream (measured at scrape time).",
    multiprocess_mode="mostrecent",
)
OUTBOX_LAG = Gauge(
    "blog_api_outbox_relay_lag_seconds",
    "Age of the oldest unpublished outbox event, 0 when none waits (measured at scrape time).",
    multiprocess_mode="mostrecent",
)

router = APIRouter(include_in_schema=False)

# Appended to `app.state.metrics_probes` by a domain: run before each scrape to set gauges.
MetricsProbe = Callable[[], Awaitable[None]]

# Where a scraper may be: RFC 1918, IPv6 unique-local (and loopback, checked apart). Not
# `ipaddress`'s `is_private`, which also counts documentation and benchmark ranges.
PRIVATE_NETWORKS = tuple(
    ipaddress.ip_network(net)
    for net in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)


def mark_worker_dead() -> None:
    """Drop this worker's live gauges (called when the worker shuts down)."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(os.getpid())


def _allowed(request: Request) -> bool:
    settings = request.app.state.settings
    if not settings.metrics_enabled:
        return False
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if not (address.is_loopback or any(address in net for net in PRIVATE_NETWORKS)):
        return False
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else ""
    if token:
        given = request.headers.get("authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    return True


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    """Prometheus text format; 404 unless enabled and asked from an allowed address/token."""
    if not _allowed(request):
        raise StarletteHTTPException(status_code=404)
    # Values measured on demand (the outbox, by the realtime domain: core imports no domain).
    for probe in getattr(request.app.state, "metrics_probes", []):
        await probe()
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
