"""Cursor pagination: opaque cursors, a bounded `limit`, responses shaped `{items, next_cursor}`."""

from __future__ import annotations

import base64
import binascii
import json
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


def encode_cursor(values: dict[str, Any]) -> str:
    """Pack the sort key of the last item into an opaque string."""
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, required: tuple[str, ...]) -> dict[str, Any]:
    """Unpack a cursor made by `encode_cursor`; a forged or foreign one is a 422."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
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
