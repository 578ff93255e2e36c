"""Standard Webhooks signatures (https://www.standardwebhooks.com/, "Signature scheme").

A secret is `whsec_` followed by the base64 of the key bytes. A message is signed as
`v1,` + base64(HMAC-SHA256(key, f"{webhook-id}.{webhook-timestamp}.{body}")). Written out (a few
lines) instead of depending on the `standardwebhooks` package; tests check it against the
specification's example.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"  # noqa: S105 (the format's prefix, not a secret)
KEY_BYTES = 32


def new_secret() -> str:
    """A fresh endpoint secret: `whsec_` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(secret: str, *, msg_id: str, timestamp: int, body: str) -> str:
    """The `webhook-signature` header value for one message."""
    content = f"{msg_id}.{timestamp}.{body}".encode()
    digest = hmac.new(_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(secret: str, *, msg_id: str, timestamp: int, body: str, signature_header: str) -> bool:
    """Whether any `v1` signature in a (space-separated) header matches: what a receiver does."""
    expected = sign(secret, msg_id=msg_id, timestamp=timestamp, body=body)
    return any(hmac.compare_digest(expected, sig) for sig in signature_header.split())
