"""Short-lived, single-use tickets for clients that cannot send headers (EventSource, WebSocket).

    ticket = await tickets.issue(user_id=7, purpose="ws", expires_at=exp, session_id=sid)
    grant = await tickets.redeem(ticket, purpose="ws")         # None: unknown, expired, used, or
                                                                # issued for the other purpose
A ticket is 256 random bits, valid `ttl_seconds`, bound to one user and one purpose, and carries
the expiry (`exp`) and login (`sid`) of the access token that requested it: a stream opened with
it ends when that token would have expired or that login is revoked. Only its
SHA-256 is stored (Redis `GETDEL`, or a dict in embedded mode), so a leaked store leaks nothing
usable; redeeming removes it whatever the outcome, so it can never be replayed.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Literal

from redis.asyncio import Redis
from redis.exceptions import RedisError

from blog_api.realtime.bus import BusUnavailable

Purpose = Literal["sse", "ws"]
PURPOSES: tuple[Purpose, ...] = ("sse", "ws")


@dataclass(frozen=True, slots=True)
class TicketGrant:
    """What a redeemed ticket vouches for: the user, and the lifetime and login of the access
    token it was requested with (`expires_at` None: a ticket issued before it was recorded)."""

    user_id: int
    expires_at: int | None
    session_id: str | None


def _digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()


class TicketStore(ABC):
    """Issue and redeem tickets; `BusUnavailable` when the backing store is down."""

    def __init__(self, *, ttl_seconds: int) -> None:
        self.ttl_seconds = ttl_seconds

    async def issue(
        self,
        *,
        user_id: int,
        purpose: Purpose,
        expires_at: int | None = None,
        session_id: str | None = None,
    ) -> str:
        """A new ticket for `user_id`, usable once for `purpose` within `ttl_seconds`;
        `expires_at` and `session_id` are those of the requesting access token."""
        ticket = secrets.token_urlsafe(32)
        value = {"user_id": user_id, "purpose": purpose, "exp": expires_at, "sid": session_id}
        await self._put(_digest(ticket), json.dumps(value, separators=(",", ":")))
        return ticket

    async def redeem(self, ticket: str, *, purpose: Purpose) -> TicketGrant | None:
        """What the ticket grants if it is valid for `purpose`; it is spent either way."""
        if not ticket or len(ticket) > 128:
            return None
        raw = await self._take(_digest(ticket))
        if raw is None:
            return None
        value = json.loads(raw)
        if value.get("purpose") != purpose:
            return None
        exp, sid = value.get("exp"), value.get("sid")
        return TicketGrant(
            user_id=int(value["user_id"]),
            expires_at=exp if isinstance(exp, int) else None,
            session_id=sid if isinstance(sid, str) else None,
        )

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
