"""Short-lived, single-use tickets for clients that cannot send headers (EventSource, WebSocket).

    ticket = await tickets.issue(user_id=7, purpose="ws")      # from POST /api/notifications/ticket
    user_id = await tickets.redeem(ticket, purpose="ws")       # None: unknown, expired, used, or
                                                                # issued for the other purpose
A ticket is 256 random bits, valid `ttl_seconds`, bound to one user and one purpose. Only its
SHA-256 is stored (Redis `GETDEL`, or a dict in embedded mode), so a leaked store leaks nothing
usable; redeeming removes it whatever the outcome, so it can never be replayed.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from abc import ABC, abstractmethod
from typing import Literal

from redis.asyncio import Redis
from redis.exceptions import RedisError

from blog_api.realtime.bus import BusUnavailable

Purpose = Literal["sse", "ws"]
PURPOSES: tuple[Purpose, ...] = ("sse", "ws")


def _digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()


class TicketStore(ABC):
    """Issue and redeem tickets; `BusUnavailable` when the backing store is down."""

    def __init__(self, *, ttl_seconds: int) -> None:
        self.ttl_seconds = ttl_seconds

    async def issue(self, *, user_id: int, purpose: Purpose) -> str:
        """A new ticket for `user_id`, usable once for `purpose` within `ttl_seconds`."""
        ticket = secrets.token_urlsafe(32)
        await self._put(_digest(ticket), json.dumps({"user_id": user_id, "purpose": purpose}))
        return ticket

    async def redeem(self, ticket: str, *, purpose: Purpose) -> int | None:
        """The ticket's user id if it is valid for `purpose`; the ticket is spent either way."""
        if not ticket or len(ticket) > 128:
            return None
        raw = await self._take(_digest(ticket))
        if raw is None:
            return None
        value = json.loads(raw)
        if value.get("purpose") != purpose:
            return None
        return int(value["user_id"])

    @abstractmethod
    async def _put(self, key: str, value: str) -> None: ...

    @abstractmethod
    async def _take(self, key: str) -> str | None: ...


class MemoryTicketStore(TicketStore):
    """Embedded mode: tickets in a dict, expired lazily."""

    def __init__(self, *, ttl_seconds: int) -> None:
        super().__init__(ttl_seconds=ttl_seconds)
        self._items: dict[str, tuple[float, str]] = {}

    async def _put(self, key: str, value: str) -> None:
        now = time.monotonic()
        # Sweep on write so abandoned tickets cannot pile up.
        self._items = {k: v for k, v in self._items.items() if v[0] > now}
        self._items[key] = (now + self.ttl_seconds, value)

    async def _take(self, key: str) -> str | None:
        item = self._items.pop(key, None)
        if item is None or item[0] <= time.monotonic():
            return None
        return item[1]


class RedisTicketStore(TicketStore):
    """Tickets in Redis with `SET EX` and `GETDEL` (atomic single use across workers)."""

    def __init__(self, client: Redis, *, ttl_seconds: int, prefix: str = "blog_api") -> None:
        super().__init__(ttl_seconds=ttl_seconds)
        self.client = client
        self.prefix = f"{prefix}:ticket:"

    async def _put(self, key: str, value: str) -> None:
        try:
            await self.client.set(self.prefix + key, value, ex=self.ttl_seconds)
        except (RedisError, OSError) as exc:
            raise BusUnavailable(f"redis unreachable: {type(exc).__name__}") from exc

    async def _take(self, key: str) -> str | None:
        try:
            raw = await self.client.getdel(self.prefix + key)
        except (RedisError, OSError) as exc:
            raise BusUnavailable(f"redis unreachable: {type(exc).__name__}") from exc
        return None if raw is None else str(raw)
