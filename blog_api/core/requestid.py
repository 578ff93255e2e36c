"""Request ids: taken from a sane `X-Request-ID` header or generated, kept in a context variable."""

from __future__ import annotations

import re
import secrets
from contextvars import ContextVar

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_user_id: ContextVar[int | None] = ContextVar("user_id", default=None)
_VALID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current_request_id() -> str | None:
    """The id of the request being served, if any."""
    return _request_id.get()


def set_request_id(incoming: str | None) -> str:
    """Adopt a well-formed incoming id (from the proxy) or make a new one."""
    value = incoming if incoming and _VALID.match(incoming) else secrets.token_hex(8)
    _request_id.set(value)
    return value


def set_current_user_id(user_id: int | None) -> None:
    """Remember the authenticated user for the access log line."""
    _user_id.set(user_id)


def current_user_id() -> int | None:
    """The authenticated user of the request being served, if any."""
    return _user_id.get()
