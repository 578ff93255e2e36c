"""Password hashing (argon2id) and access tokens (JWT via joserfc, one pinned algorithm)."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey
from joserfc.jwt import JWTClaimsRegistry

from blog_api.core.types import ascii_int

JWT_ALGORITHM = "HS256"
ROLES = ("user", "l1_approver", "admin")


@lru_cache(maxsize=2)
def password_hasher(profile: str = "default") -> PasswordHasher:
    """argon2id hasher; the `fast` profile is cheap and meant for tests only."""
    if profile == "fast":
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    # argon2-cffi's defaults follow RFC 9106's second recommended option (argon2id, 64 MiB, t=3).
    return PasswordHasher()


@lru_cache(maxsize=2)
def _dummy_hash(profile: str) -> str:
    # Verifying against this for unknown emails makes their login cost the same as a real one.
    return password_hasher(profile).hash(secrets.token_urlsafe(16))


async def hash_password(password: str, profile: str = "default") -> str:
    """Hash in a worker thread so the event loop keeps serving."""
    return await anyio.to_thread.run_sync(password_hasher(profile).hash, password)


@dataclass(frozen=True)
class PasswordCheck:
    ok: bool
    new_hash: str | None = None  # set when the stored hash used outdated parameters


def _verify(stored_hash: str | None, password: str, profile: str) -> PasswordCheck:
    hasher = password_hasher(profile)
    target = stored_hash or _dummy_hash(profile)
    try:
        hasher.verify(target, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return PasswordCheck(ok=False)
    if stored_hash is None:
        return PasswordCheck(ok=False)
    if hasher.check_needs_rehash(stored_hash):
        return PasswordCheck(ok=True, new_hash=hasher.hash(password))
    return PasswordCheck(ok=True)


async def verify_password(stored_hash: str | None, password: str, profile: str) -> PasswordCheck:
    """Check a password; with `stored_hash=None` (unknown user) do the same work and fail."""
    return await anyio.to_thread.run_sync(_verify, stored_hash, password, profile)


def new_opaque_token() -> str:
    """A refresh token or ticket: 256 bits from the OS generator."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """Only digests of opaque tokens are stored, so a database leak yields no usable token."""
    return hashlib.sha256(token.encode()).hexdigest()


class TokenError(Exception):
    """An access token that must not be accepted; the message says why (for logs, not clients)."""


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    role: str
    jti: str
    expires_at: int
    # The login (refresh-token family) the token was issued for; None in tokens issued before
    # the `sid` claim existed, which stay valid until they expire.
    session_id: str | None = None


class TokenService:
    """Issues and validates access tokens for one secret, issuer and audience."""

    def __init__(self, secret: str, *, issuer: str, audience: str, lifetime_seconds: int) -> None:
        self._key = OctKey.import_key(secret.encode())
        self.issuer = issuer
        self.audience = audience
        self.lifetime_seconds = lifetime_seconds

    def issue(
        self, *, user_id: int, role: str, now: int | None = None, session_id: str | None = None
    ) -> tuple[str, int]:
        """Return a signed access token and its lifetime in seconds.

        `session_id` (the refresh-token family) becomes the `sid` claim: logging out or a
        revoked family then refuses the token, and ends the real-time sessions opened with it.
        """
        issued = int(time.time()) if now is None else now
        claims: dict[str, Any] = {
            "sub": str(user_id),
            "role": role,
            "iss": self.issuer,
            "aud": self.audience,
            "iat": issued,
            "nbf": issued,
            "exp": issued + self.lifetime_seconds,
            "jti": uuid.uuid4().hex,
        }
        if session_id is not None:
            claims["sid"] = session_id
        token = jwt.encode({"alg": JWT_ALGORITHM, "typ": "JWT"}, claims, self._key)
        return token, self.lifetime_seconds

    def validate(self, token: str) -> AccessClaims:
        """Decode and check signature, algorithm and every claim; raise `TokenError` otherwise."""
        try:
            decoded = jwt.decode(token, self._key, algorithms=[JWT_ALGORITHM])
        except (JoseError, ValueError) as exc:
            raise TokenError(f"undecodable or badly signed token: {exc}") from exc
        if decoded.header.get("alg") != JWT_ALGORITHM:
            raise TokenError("unexpected algorithm")
        # joserfc's decode checks only the signature: the claims registry enforces the rest.
        registry = JWTClaimsRegistry(
            leeway=5,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.audience},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            jti={"essential": True},
            role={"essential": True, "values": list(ROLES)},
        )
        try:
            registry.validate(decoded.claims)
        except JoseError as exc:
            raise TokenError(f"invalid claims: {exc}") from exc
        claims = decoded.claims
        sub = claims.get("sub")
        user_id = ascii_int(sub) if isinstance(sub, str) else None
        if user_id is None:
            raise TokenError("subject is not a user id")
        return AccessClaims(
            user_id=user_id,
            role=str(claims["role"]),
            jti=str(claims["jti"]),
            expires_at=int(claims["exp"]),
            session_id=sid if isinstance(sid := claims.get("sid"), str) and sid else None,
        )
