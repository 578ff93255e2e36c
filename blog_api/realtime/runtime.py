"""Wiring: build the bus, hub, relay and ticket store for the app and run them in its lifespan.

`create_app` calls `install_realtime(app)`; afterwards `app.state.realtime` is a `Realtime` while
the app runs. Redis is used when `settings.redis_url` is set, the in-process bus otherwise.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Any

from fastapi import FastAPI

from blog_api.core import metrics
from blog_api.core.config import Settings
from blog_api.core.redis import hash_tag
from blog_api.realtime.bus import EventBus
from blog_api.realtime.housekeeping import Housekeeping
from blog_api.realtime.hub import ChangeListener, Hub
from blog_api.realtime.memory_bus import MemoryBus
from blog_api.realtime.redis_bus import RedisBus
from blog_api.realtime.relay import OutboxRelay, measure_outbox
from blog_api.realtime.slots import MemorySlotStore, RedisSlotStore, SlotStore
from blog_api.realtime.tickets import (
    MemoryTicketStore,
    RedisTicketStore,
    TicketSigner,
    TicketStore,
)

logger = logging.getLogger("blog_api.realtime")


@dataclass
class Realtime:
    """The real-time services of one running app (one per process)."""

    bus: EventBus
    hub: Hub
    relay: OutboxRelay
    tickets: TicketStore
    sse_slots: SlotStore  # the per-user cap on open SSE streams
    housekeeping: Housekeeping  # the event store's retention (stream, outbox, notifications)


def build_realtime(settings: Settings) -> Realtime:
    """Unstarted services for `settings`; `start_realtime` starts them."""
    bus: EventBus
    tickets: TicketStore
    sse_slots: SlotStore
    cap = settings.sse_max_connections_per_user
    # Signed tickets stand in for stored ones while Redis is down (realtime/tickets.py).
    signer = TicketSigner(settings.effective_secret_key())
    ttl = settings.ticket_ttl_seconds
    if settings.uses_redis:
        cluster = settings.redis_cluster
        bus = RedisBus(settings.redis_url, maxlen=settings.stream_maxlen, cluster=cluster)
        # Tickets are one key per command: no hash tag, so they spread over a cluster's nodes.
        tickets = RedisTicketStore(bus.client, ttl_seconds=ttl, signer=signer)
        sse_slots = RedisSlotStore(
            bus.client, cap=cap, prefix=hash_tag("blog_api:sse", cluster=cluster)
        )
    else:
        bus = MemoryBus(maxlen=settings.stream_maxlen)
        tickets = MemoryTicketStore(ttl_seconds=ttl, signer=signer)
        sse_slots = MemorySlotStore(cap=cap)
    hub = Hub(bus, queue_size=settings.subscriber_queue_size)
    housekeeping = Housekeeping(
        bus,
        retention_seconds=settings.event_retention_seconds,
        interval=settings.housekeeping_interval_seconds,
    )
    return Realtime(
        bus=bus,
        hub=hub,
        relay=OutboxRelay(bus),
        tickets=tickets,
        sse_slots=sse_slots,
        housekeeping=housekeeping,
    )


# How long a stop signal waits for live connections to be told before the server sees it.
DRAIN_SECONDS = 1.0


def _chain_shutdown_signals(hub: Hub) -> Callable[[], None]:
    """End live streams first when the server is told to stop (SIGINT/SIGTERM), then stop it.

    Uvicorn waits for open responses to finish before it runs the lifespan shutdown, and it never
    tells the app; an SSE stream would keep it waiting until the graceful timeout, and Uvicorn
    closes open WebSockets itself with 1012 the moment it sees the signal. So we chain onto the
    handler the server installed (only if it installed one): every subscription is closed at once,
    and the signal reaches the server once each client has been told (`reconnect`, close 1001),
    or after `DRAIN_SECONDS`. A second signal goes straight through (Uvicorn's forced exit).
    Returns a function restoring the previous handlers.
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    loop = asyncio.get_running_loop()
    previous: dict[int, Any] = {}
    passing_on: set[asyncio.Task[None]] = set()
    draining = False

    def begin(signum: int, frame: FrameType | None, prior: Any) -> None:
        nonlocal draining
        if draining:
            prior(signum, frame)
            return
        draining = True
        hub.close_all("shutdown")

        async def pass_on() -> None:
            await hub.wait_drained(DRAIN_SECONDS)
            prior(signum, frame)

        task = loop.create_task(pass_on(), name="realtime-drain")
        passing_on.add(task)
        task.add_done_callback(passing_on.discard)

    for sig in (signal.SIGINT, signal.SIGTERM):
        prior = signal.getsignal(sig)
        if not callable(prior):
            continue

        def handler(signum: int, frame: FrameType | None, prior: Any = prior) -> None:
            if prior is signal.default_int_handler:
                # Not a server's handler (a bare `python -c`, a test runner): keep Ctrl-C as is.
                loop.call_soon_threadsafe(hub.close_all, "shutdown")
                prior(signum, frame)
                return
            loop.call_soon_threadsafe(begin, signum, frame, prior)

        previous[sig] = prior
        signal.signal(sig, handler)

    def restore() -> None:
        for sig, prior in previous.items():
            signal.signal(sig, prior)

    return restore


@asynccontextmanager
async def realtime_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start bus, reader and relay after the database; stop them (streams first) before it."""
    settings: Settings = app.state.settings
    rt = build_realtime(settings)
    for listener in app.state.change_listeners:
        rt.hub.listeners.append(listener)
        rt.relay.listeners.append(listener)
    await rt.bus.start()
    await rt.hub.start()
    await rt.relay.start()
    await rt.sse_slots.start()
    await rt.housekeeping.start()
    app.state.realtime = rt
    restore_signals = _chain_shutdown_signals(rt.hub)
    try:
        yield
    finally:
        restore_signals()
        rt.hub.close_all("shutdown")
        await rt.housekeeping.stop()
        await rt.relay.stop()
        await rt.sse_slots.stop()
        await rt.hub.stop()
        await rt.bus.stop()


def add_change_listener(app: FastAPI, listener: ChangeListener) -> None:
    """Have `listener` see every event of the stream (and this process's commits at once)."""
    app.state.change_listeners.append(listener)


def install_realtime(app: FastAPI) -> None:
    """Register the lifespan hook and, with Redis, its readiness probe."""
    app.state.lifespan_hooks.append(realtime_lifespan)
    # Filled by other domains (`add_change_listener`) before the app starts.
    app.state.change_listeners = []
    # /metrics (core/metrics.py) measures the outbox's backlog and lag when it is scraped.
    metrics_probes: list[Any] = getattr(app.state, "metrics_probes", None) or []
    metrics_probes.append(measure_outbox)
    app.state.metrics_probes = metrics_probes
    settings: Settings = app.state.settings
    if not settings.uses_redis:
        return

    async def redis_probe() -> tuple[str, bool]:
        rt: Realtime | None = getattr(app.state, "realtime", None)
        return "redis", bool(rt is not None and await rt.bus.ping())

    probes: list[Any] = getattr(app.state, "readiness_probes", None) or []
    probes.append(redis_probe)
    app.state.readiness_probes = probes

    async def redis_metric() -> None:
        _, reachable = await redis_probe()
        metrics.REDIS_UP.set(1 if reachable else 0)

    metrics_probes.append(redis_metric)
