"""Secrets the app must read back (TOTP secrets) are stored encrypted, with key rotation.

AES-256-GCM (from `cryptography`, already installed for the JWT and OpenID code) under keys
derived with HKDF-SHA256 from `DATA_ENCRYPTION_KEYS`, newest first: the first key seals, every
key opens, so a key is rotated by putting a new one in front and running
`blog-api reseal-secrets` before the old one is removed. A key derived from `SECRET_KEY` is
always tried last, and seals when no key is configured (so a fresh install encrypts too;
rotating `SECRET_KEY` then needs the old value listed in `DATA_ENCRYPTION_KEYS` until
`reseal-secrets` has run).

Each value is sealed with a context (e.g. `totp:<user id>`) as associated data: a sealed value
copied into another row does not open there. A sealed value is the URL-safe base64 (no padding)
of nonce (12 bytes), ciphertext and tag (16 bytes): 64 characters for a 20-byte TOTP secret, so
it fits the column that held the plain base32 secret (32 characters) before.
"""

from __future__ import annotations

import base64
import os
import re
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from blog_api.core.config import Settings

_INFO = b"blog_api data encryption v1"
_NONCE = 12


class UnreadableSecret(Exception):
    """A sealed value that none of the configured keys opens (or that is not one)."""


def _aead(key: str) -> AESGCM:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(key.encode())
    return AESGCM(raw)


class SecretBox:
    """Seals and opens small byte strings under a list of keys (the first one seals)."""

    def __init__(self, keys: tuple[str, ...]) -> None:
        if not keys:
            raise ValueError("at least one key is needed")
        self._keys = [_aead(k) for k in keys]

    def seal(self, data: bytes, *, context: bytes) -> str:
        nonce = os.urandom(_NONCE)
        sealed = nonce + self._keys[0].encrypt(nonce, data, context)
        return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode()

    def _open_with(self, keys: list[AESGCM], stored: str, context: bytes) -> bytes:
        try:
            raw = base64.urlsafe_b64decode(stored + "=" * (-len(stored) % 4))
        except ValueError:
            raise UnreadableSecret("not a sealed value") from None
        nonce, body = raw[:_NONCE], raw[_NONCE:]
        for key in keys:
            try:
                return key.decrypt(nonce, body, context)
            except (InvalidTag, ValueError):
                continue
        raise UnreadableSecret("no key of DATA_ENCRYPTION_KEYS opens this value")

    def open(self, stored: str, *, context: bytes) -> bytes:
        return self._open_with(self._keys, stored, context)

    def is_current(self, stored: str, *, context: bytes) -> bool:
        """Whether `stored` opens with the first key (nothing to reseal)."""
        try:
            self._open_with(self._keys[:1], stored, context)
        except UnreadableSecret:
            return False
        return True


@lru_cache(maxsize=8)
def _box(keys: tuple[str, ...]) -> SecretBox:
    return SecretBox(keys)


def secret_box(settings: Settings) -> SecretBox:
    """The box for these settings: `DATA_ENCRYPTION_KEYS` (commas or newlines between keys, as
    a `_FILE` secret may hold them), then always `SECRET_KEY`'s key, which therefore keeps
    opening what was sealed before `DATA_ENCRYPTION_KEYS` was first set (it seals only when no
    key is configured)."""
    keys = tuple(k.strip() for k in re.split(r"[,\n]", settings.data_encryption_keys) if k.strip())
    fallback = settings.effective_secret_key()
    return _box((*keys, fallback) if fallback not in keys else keys)
