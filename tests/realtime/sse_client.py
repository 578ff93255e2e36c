"""A small Server-Sent Events reader over httpx streaming, for the real-socket tests."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class Message:
    event: str = "message"
    id: str | None = None
    data: Any = None
    retry: int | None = None
    comments: list[str] = field(default_factory=list)


class SseStream:
    """Parse frames from an open streaming response; `next()` returns one dispatched frame."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()
        self.received: list[Message] = []

    async def next(self, timeout: float = 5.0) -> Message:
        return await asyncio.wait_for(self._read_frame(), timeout)

    async def next_event(self, timeout: float = 5.0) -> Message:
        """The next frame that carries an event (skips retry-only and comment-only frames)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            msg = await self.next(max(0.01, deadline - loop.time()))
            if msg.data is not None:
                return msg

    async def _read_frame(self) -> Message:
        msg = Message()
        data_lines: list[str] = []
        seen = False
        async for line in self._lines:
            if line == "":
                if not seen:
                    continue
                if data_lines:
                    msg.data = json.loads("\n".join(data_lines))
                self.received.append(msg)
                return msg
            seen = True
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "":
                msg.comments.append(value)
            elif name == "event":
                msg.event = value
            elif name == "id":
                msg.id = value
            elif name == "data":
                data_lines.append(value)
            elif name == "retry":
                msg.retry = int(value)
        raise EOFError("stream ended")
