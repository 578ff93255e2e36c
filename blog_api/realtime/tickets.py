"""Short-lived, single-use tickets for clients that cannot send headers (EventSource, WebSocket).

    ticket = await tickets.issue(user_id=7, purpose="ws", expires_at=exp, session_id=sid)
    grant = await tickets.redeem(ticket, purpose="ws")         # None: unknown, expired, used, or
                                                                # issued for the other purpose
A ticket is valid `ttl_seconds`, bound to one user and one purpose, and carries the expiry
(`exp`) and login (`sid`) of the access token that requested it: a stream opened with it ends
when that token would have expired or that login is revoked. Two kinds:

- **Stored** (normally): 256 random bits. Only its SHA-256 is stored (Redis `GETDEL`, or a dict in
  embedded mode), so a leaked store leaks nothing usable; redeeming removes it whatever the
  outcome, so it can never be replayed. Redeeming one while Redis is down raises `BusUnavailable`.
- **Signed** (when Redis cannot store a ticket, so browsers can still open streams during an
  outage): `st1.<user>.<purpose>.<expiry>.<token exp>.<sid>.<nonce>.<mac>`, the MAC being
  HMAC-SHA256 (truncated to 128 bits) under a key derived from the app's secret key. Redeeming
  checks the MAC, purpose and expiry, then spends it: `SET NX` of its SHA-256 in Redis (until it
  expires) when Redis answers, else in this process's memory. So it is single use across workers
  while Redis is up, and during an outage at most once per worker within its lifetime (30 s by
  default): a weaker guarantee, accepted so that real time keeps working. Its fields are signed,
  not encrypted: the user id and login id are readable, as they are in the access token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import secrets
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Literal

from redis.asyncio import Redis
from redis.exceptions import RedisError

from blog_api.realtime.bus import BusUnavailable

logger = logging.getLogger("blog_api.realtime.tickets")

Purpose = Literal["sse", "ws"]
PURPOSES: tuple[Purpose, ...] = ("sse", "ws")

MAX_TICKET_LENGTH = 128  # what `?ticket=` accepts
SIGNED_PREFIX = "st1."
_SID = re.compile(r"[A-Za-z0-9_-]{0,40}")
_MAC_BYTES = 16


@dataclass(frozen=True, slots=True)
class TicketGrant:
    """What a redeemed ticket vouches for: the user, and the lifetime and login of the access
    token it was requested with (`expires_at` None: a ticket issued before it was recorded)."""

    user_id: int
    expires_at: int | None
    session_id: str | None


def _digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _uint(text: str) -> int | None:
    # ASCII digits only: int() would also take "²" or "٢".
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 19 else None


@dataclass(frozen=True, slots=True)
class SignedTicket:
    """A verified signed ticket: its grant and when it stops being valid (unix seconds)."""

    grant: TicketGrant
    purpose: str
    valid_until: int


class TicketSigner:
    """Signs and verifies self-contained tickets with a key derived from the app's secret."""

    def __init__(self, secret: str) -> None:
        # Its own key, so a ticket MAC can never be confused with any other use of the secret.
        self._key = hmac.new(secret.encode(), b"blog_api stream ticket v1", hashlib.sha256).digest()

    def _mac(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest()[:_MAC_BYTES])

    def sign(
        self,
        *,
        user_id: int,
        purpose: Purpose,
        expires_at: int,
        token_exp: int | None,
        sid: str | None,
    ) -> str:
        """A ticket valid until `expires_at` (unix seconds); ValueError if it cannot be made."""
        if sid is not None and not _SID.fullmatch(sid):
            raise ValueError("login id is not one a signed ticket can carry")
        nonce = secrets.token_urlsafe(12)
        body = f"{user_id}.{purpose}.{expires_at}.{'' if token_exp is None else token_exp}"
        body += f".{sid or ''}.{nonce}"
        ticket = f"{SIGNED_PREFIX}{body}.{self._mac(body)}"
        if len(ticket) > MAX_TICKET_LENGTH:
            raise ValueError("signed ticket would be too long")
        return ticket

    def verify(self, ticket: str) -> SignedTicket | None:
        """The ticket's content if its MAC is ours (expiry and purpose are the caller's)."""
        if not ticket.startswith(SIGNED_PREFIX):
            return None
        body, _, mac = ticket[len(SIGNED_PREFIX) :].rpartition(".")
        if not hmac.compare_digest(mac.encode(), self._mac(body).encode()):
            return None
        fields = body.split(".")
        if len(fields) != 6:
            return None
        user, purpose, valid_until, token_exp, sid, _nonce = fields
        user_id, until = _uint(user), _uint(valid_until)
        exp = _uint(token_exp) if token_exp else None
        if user_id is None or until is None or (token_exp and exp is None):
            return None
        return SignedTicket(
            grant=TicketGrant(user_id=user_id, expires_at=exp, session_id=sid or None),
            purpose=purpose,
            valid_until=until,
        )


class TicketStore(ABC):
    """Issue and redeem tickets; `BusUnavailable` when the backing store is down (and a stored
    ticket is redeemed, or no `signer` can stand in for the store)."""

    def __init__(self, *, ttl_seconds: int, signer: TicketSigner | None = None) -> None:
        self.ttl_seconds = ttl_seconds
        self.signer = signer
        # Signed tickets spent in this process (digest -> unix expiry): while Redis is down.
        self._spent: dict[str, float] = {}
        self._next_sweep = 0.0
        self._signing = False  # issuing signed tickets (logged once per outage)

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
        try:
            await self._put(_digest(ticket), json.dumps(value, separators=(",", ":")))
        except BusUnavailable:
            if self.signer is None:
                raise
            signed = self._sign(user_id, purpose, expires_at, session_id)
            if signed is None:
                raise
            return signed
        if self._signing:
            self._signing = False
            logger.info("ticket store reachable again; tickets are stored again")
        return ticket

    def _sign(
        self, user_id: int, purpose: Purpose, expires_at: int | None, session_id: str | None
    ) -> str | None:
        assert self.signer is not None
        try:
            signed = self.signer.sign(
                user_id=user_id,
                purpose=purpose,
                expires_at=int(time.time()) + self.ttl_seconds,
                token_exp=expires_at,
                sid=session_id,
            )
        except ValueError:
            return None
        if not self._signing:
            self._signing = True
            logger.warning("ticket store unavailable; issuing signed tickets until it is back")
        return signed

    async def redeem(self, ticket: str, *, purpose: Purpose) -> TicketGrant | None:
        """What the ticket grants if it is valid for `purpose`; it is spent either way."""
        if not ticket or len(ticket) > MAX_TICKET_LENGTH:
            return None
        if ticket.startswith(SIGNED_PREFIX):
            return await self._redeem_signed(ticket, purpose=purpose)
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

    async def _redeem_signed(self, ticket: str, *, purpose: Purpose) -> TicketGrant | None:
        signed = None if self.signer is None else self.signer.verify(ticket)
        if signed is None:
            return None  # not ours: nothing to spend
        remaining = signed.valid_until - time.time()
        if remaining <= 0:
            return None
        # Spent whatever the purpose, as a stored ticket is.
        if not await self._spend(_digest(ticket), remaining):
            return None
        return signed.grant if signed.purpose == purpose else None

    async def _spend(self, key: str, ttl: float) -> bool:
        """Mark a signed ticket used; False if it already was (here, or in `_spend_shared`)."""
        now = time.time()
        if self._spent.get(key, 0.0) > now:
            return False
        shared = await self._spend_shared(key, ttl)
        if shared is not None:
            return shared
        if now >= self._next_sweep:
            # Entries live a ticket's lifetime at most, so sweeping that often bounds the dict.
            self._spent = {k: until for k, until in self._spent.items() if until > now}
            self._next_sweep = now + self.ttl_seconds
        self._spent[key] = now + ttl
        return True

    async def _spend_shared(self, key: str, ttl: float) -> bool | None:
        """Mark it used where every worker sees it: True if first, False if not, None if that
        store is unreachable (the caller then records it in this process)."""
        return None

    @abstractmethod
    async def _put(self, key: str, value: str) -> None: ...

    @abstractmethod
    async def _take(self, key: str) -> str | None: ...


class MemoryTicketStore(TicketStore):
    """Embedded mode: tickets in a dict, expired lazily."""

    def __init__(self, *, ttl_seconds: int, signer: TicketSigner | None = None) -> None:
        super().__init__(ttl_seconds=ttl_seconds, signer=signer)
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

    def __init__(
        self,
        client: Redis,
        *,
        ttl_seconds: int,
        signer: TicketSigner | None = None,
        prefix: str = "blog_api",
    ) -> None:
        super().__init__(ttl_seconds=ttl_seconds, signer=signer)
        self.client = client
        self.prefix = f"{prefix}:ticket:"
        self.spent_prefix = f"{prefix}:ticket-spent:"

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

    async def _spend_shared(self, key: str, ttl: float) -> bool | None:
        try:
            first = await self.client.set(
                self.spent_prefix + key, b"1", nx=True, px=max(1, int(ttl * 1000))
            )
        except (RedisError, OSError):
            return None
        return bool(first)
