"""Cursor pagination: opaque cursors, a bounded `limit`, responses shaped `{items, next_cursor}`.

Cursors are signed (HMAC-SHA256 with a key derived from SECRET_KEY, so every worker accepts the
others' cursors). Services read ids, timestamps and names out of them straight into queries; a
client-made cursor with `{"id": 1e30}`, a string id or a NUL in a name was a 500 (integer
overflow, type errors, PostgreSQL refusing NUL). With the signature, any cursor the API did not
issue is a 422 before its values are looked at.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

from blog_api.core.errors import UnprocessableEntity

T = TypeVar("T")

MAX_LIMIT = 100
DEFAULT_LIMIT = 20


class Page(BaseModel, Generic[T]):
    """One page of results; pass `next_cursor` back as `cursor` to get the next page."""

    items: list[T]
    next_cursor: str | None = Field(
        default=None, description="Opaque cursor of the next page; null on the last page."
    )


class InvalidCursor(UnprocessableEntity):
    code, title = "invalid-cursor", "Invalid cursor"


MAC_BYTES = 16
# Replaced by `set_cursor_key` when an app is created; random until then (scripts, tests).
_key = {"value": secrets.token_bytes(32)}


def set_cursor_key(secret: str) -> None:
    """Sign cursors with a key derived from the app's secret (the same in every worker)."""
    _key["value"] = hashlib.sha256(b"blog_api cursor v1\x00" + secret.encode()).digest()


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode((text + "=" * (-len(text) % 4)).encode())


def _mac(raw: bytes) -> bytes:
    return hmac.new(_key["value"], raw, hashlib.sha256).digest()[:MAC_BYTES]


def encode_cursor(values: dict[str, Any]) -> str:
    """Pack the sort key of the last item into an opaque, signed string."""
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return f"{_b64encode(raw)}.{_b64encode(_mac(raw))}"


def decode_cursor(cursor: str, required: tuple[str, ...]) -> dict[str, Any]:
    """Unpack a cursor made by `encode_cursor`; a forged or foreign one is a 422."""
    payload, _, signature = cursor.partition(".")
    try:
        raw = _b64decode(payload)
        authentic = hmac.compare_digest(_b64decode(signature), _mac(raw))
        values = json.loads(raw) if authentic else None
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursor("cursor is not one this API issued") from exc
    if not isinstance(values, dict) or any(key not in values for key in required):
        raise InvalidCursor("cursor is not one this API issued")
    return values


LimitParam = Annotated[
    int,
    Query(ge=1, le=MAX_LIMIT, description=f"Page size, 1 to {MAX_LIMIT}."),
]
CursorParam = Annotated[
    str | None,
    Query(max_length=512, description="`next_cursor` from the previous page."),
]
