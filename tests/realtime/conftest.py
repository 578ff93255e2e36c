"""Fixtures of the real-time tests: the test app served on a real socket, SSE helpers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from tests.realtime.sse_client import SseStream


@pytest.fixture
async def live_url(app: FastAPI) -> AsyncIterator[str]:
    """The (already started) test app served by Uvicorn on a free port of this process.

    httpx's ASGI transport buffers whole responses, so streams need a real socket. Lifespan is
    off: the `app` fixture runs it, so the test shares the app's database and bus.
    """
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        lifespan="off",
        log_level="warning",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign]  # pytest's
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


@pytest.fixture
async def open_sse(live_url: str) -> AsyncIterator[Callable[..., Any]]:
    """Open SSE streams on the live app; all are closed at the end of the test."""
    async with contextlib.AsyncExitStack() as stack:
        client = await stack.enter_async_context(
            httpx.AsyncClient(base_url=live_url, timeout=httpx.Timeout(10.0, read=None))
        )

        async def opener(
            headers: dict[str, str] | None = None, params: dict[str, str] | None = None
        ) -> SseStream:
            response = await stack.enter_async_context(
                client.stream("GET", "/api/notifications/sse", headers=headers, params=params)
            )
            return SseStream(response)

        yield opener
