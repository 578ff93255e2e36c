"""Logging: JSON lines in production, readable lines in development; never a token or password."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import datetime, timezone
from typing import Any

# `color_message` is Uvicorn's copy of its message with terminal colour codes.
_STANDARD = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime", "color_message"}
# Belt and braces: anything that looks like a bearer token or JWT is masked before it is written.
_SECRET_PATTERN = re.compile(r"(Bearer\s+)?eyJ[\w-]+\.[\w-]+\.[\w-]+")
# ...and so is the value of any secret-looking query or form parameter (SSE/WebSocket tickets
# travel in query strings; a URL may end up in a message or an `extra` field).
_SECRET_PARAM = re.compile(
    r"(?i)\b((?:ticket|token|access_token|refresh_token|password|secret)=)[^&\s\"']+"
)


def redact(text: str) -> str:
    """`text` with tokens, JWTs and secret query parameters masked."""
    return _SECRET_PARAM.sub(r"\1[redacted]", _SECRET_PATTERN.sub("[redacted]", text))


class JsonFormatter(logging.Formatter):
    """Formats a record and its `extra` fields as one JSON line."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, tz=timezone.utc).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                payload[key] = redact(value) if isinstance(value, str) else value
        if record.exc_info:
            payload["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(payload, default=str)


class RedactingFormatter(logging.Formatter):
    """Readable lines (LOG_JSON=false, the development default): time, level, logger, message,
    then the `extra` fields as `key=value`, with the same masking as the JSON lines."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = " ".join(
            f"{key}={value}"
            for key, value in vars(record).items()
            if key not in _STANDARD and not key.startswith("_") and value is not None
        )
        return redact(f"{line} {extras}" if extras else line)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created).strftime("%H:%M:%S")


def configure_logging(level: str = "INFO", *, json_lines: bool = True) -> None:
    """Route the app's and Uvicorn's loggers through one handler."""
    handler = logging.StreamHandler(sys.stdout)
    if json_lines:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            RedactingFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Uvicorn's access log would duplicate ours, and it logs query strings (tickets).
    logging.getLogger("uvicorn.access").handlers[:] = []
    logging.getLogger("uvicorn.access").propagate = False
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
