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

from blog_api.core.config import Settings
from blog_api.realtime.bus import EventBus
from blog_api.realtime.hub import Hub
from blog_api.realtime.memory_bus import MemoryBus
from blog_api.realtime.redis_bus import RedisBus
from blog_api.realtime.relay import OutboxRelay
from blog_api.realtime.slots import MemorySlotStore, RedisSlotStore, SlotStore
from blog_api.realtime.tickets import MemoryTicketStore, RedisTicketStore, TicketStore

logger = logging.getLogger("blog_api.realtime")


@dataclass
class Realtime:
    """The real-time services of one running app (one per process)."""

    bus: EventBus
    hub: Hub
    relay: OutboxRelay
    tickets: TicketStore
    sse_slots: SlotStore  # the per-user cap on open SSE streams


def build_realtime(settings: Settings) -> Realtime:
    """Unstarted services for `settings`; `start_realtime` starts them."""
    bus: EventBus
    tickets: TicketStore
    sse_slots: SlotStore
    cap = settings.sse_max_connections_per_user
    if settings.uses_redis:
        bus = RedisBus(settings.redis_url, maxlen=settings.stream_maxlen)
        tickets = RedisTicketStore(bus.client, ttl_seconds=settings.ticket_ttl_seconds)
        sse_slots = RedisSlotStore(bus.client, cap=cap, prefix="blog_api:sse")
    else:
        bus = MemoryBus(maxlen=settings.stream_maxlen)
        tickets = MemoryTicketStore(ttl_seconds=settings.ticket_ttl_seconds)
        sse_slots = MemorySlotStore(cap=cap)
    hub = Hub(bus, queue_size=settings.subscriber_queue_size)
    return Realtime(bus=bus, hub=hub, relay=OutboxRelay(bus), tickets=tickets, sse_slots=sse_slots)


def _chain_shutdown_signals(on_signal: Callable[[], None]) -> Callable[[], None]:
    """Run `on_signal` in the loop when the server is told to stop (SIGINT/SIGTERM).

    Uvicorn waits for open responses to finish before it runs the lifespan shutdown, and it never
    tells the app; an SSE stream would keep it waiting until the graceful timeout. So we chain
    onto the handler the server installed (only if it installed one) and end streams at once.
    Returns a function restoring the previous handlers.
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    loop = asyncio.get_running_loop()
    previous: dict[int, Any] = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        prior = signal.getsignal(sig)
        if not callable(prior):
            continue

        def handler(signum: int, frame: FrameType | None, prior: Any = prior) -> None:
            loop.call_soon_threadsafe(on_signal)
            prior(signum, frame)

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
    await rt.bus.start()
    await rt.hub.start()
    await rt.relay.start()
    await rt.sse_slots.start()
    app.state.realtime = rt
    restore_signals = _chain_shutdown_signals(lambda: rt.hub.close_all("shutdown"))
    try:
        yield
    finally:
        restore_signals()
        rt.hub.close_all("shutdown")
        await rt.relay.stop()
        await rt.sse_slots.stop()
        await rt.hub.stop()
        await rt.bus.stop()


def install_realtime(app: FastAPI) -> None:
    """Register the lifespan hook and, with Redis, its readiness probe."""
    app.state.lifespan_hooks.append(realtime_lifespan)
    settings: Settings = app.state.settings
    if not settings.uses_redis:
        return

    async def redis_probe() -> tuple[str, bool]:
        rt: Realtime | None = getattr(app.state, "realtime", None)
        return "redis", bool(rt is not None and await rt.bus.ping())

    probes: list[Any] = getattr(app.state, "readiness_probes", None) or []
    probes.append(redis_probe)
    app.state.readiness_probes = probes
