"""One error hierarchy, rendered as RFC 9457 problem details for every 4xx and 5xx."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from blog_api.core.requestid import current_request_id

logger = logging.getLogger("blog_api.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://blog-api.dev/problems/"


class FieldError(BaseModel):
    """One invalid input field."""

    loc: list[str | int] = Field(examples=[["body", "email"]])
    msg: str = Field(examples=["value is not a valid email address"])
    type: str = Field(examples=["value_error"])


class Problem(BaseModel):
    """RFC 9457 problem details; `errors` lists invalid fields on 422."""

    type: str = Field(examples=[PROBLEM_BASE + "not-found"])
    title: str = Field(examples=["Not found"])
    status: int = Field(examples=[404])
    detail: str = Field(examples=["blog 42 does not exist"])
    instance: str = Field(examples=["/api/blogs/42"])
    request_id: str | None = Field(default=None, examples=["5f0c9c0e8a3b4c7d"])
    errors: list[FieldError] | None = None


class AppError(Exception):
    """Base of every domain error: an HTTP status, a stable code and a human title."""

    status: int = 400
    code: str = "bad-request"
    title: str = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        status: int | None = None,
        code: str | None = None,
        title: str | None = None,
    ) -> None:
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        if title is not None:
            self.title = title
        self.detail = detail or self.title
        self.headers = headers or {}
        super().__init__(self.detail)


class NotFound(AppError):
    status, code, title = 404, "not-found", "Not found"


class Unauthorized(AppError):
    status, code, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(AppError):
    status, code, title = 403, "forbidden", "Forbidden"


class Conflict(AppError):
    status, code, title = 409, "conflict", "Conflict"


class PreconditionFailed(AppError):
    status, code, title = 412, "precondition-failed", "Precondition failed"


class PayloadTooLarge(AppError):
    status, code, title = 413, "payload-too-large", "Payload too large"


class UnprocessableEntity(AppError):
    status, code, title = 422, "unprocessable-entity", "Unprocessable entity"


class _RetryLater(AppError):
    """A refusal the client should retry: it always carries `Retry-After` (seconds).

    Subclasses that know when (a rate limit's window) pass their own header; the default is a
    short wait for a backend to come back. OpenAPI declares the header on every 429 and 503
    (core/openapi_contract.py).
    """

    retry_after_seconds = 5

    def __init__(
        self, detail: str | None = None, *, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> None:
        headers = {"Retry-After": str(self.retry_after_seconds), **(headers or {})}
        super().__init__(detail, headers=headers, **kwargs)


class TooManyRequests(_RetryLater):
    status, code, title = 429, "rate-limited", "Too many requests"


class ServiceUnavailable(_RetryLater):
    status, code, title = 503, "service-unavailable", "Service unavailable"


_STATUS_TITLES = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "Authentication required"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    409: ("conflict", "Conflict"),
    412: ("precondition-failed", "Precondition failed"),
    413: ("payload-too-large", "Payload too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("validation-error", "Validation error"),
    429: ("rate-limited", "Too many requests"),
    500: ("internal-error", "Internal server error"),
    503: ("service-unavailable", "Service unavailable"),
}


def problem_response(
    request: Request,
    status: int,
    detail: str,
    *,
    code: str | None = None,
    title: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """Build a problem+json response; used by every handler so the shape never drifts."""
    return problem_for_path(
        request.url.path, status, detail, code=code, title=title, errors=errors, headers=headers
    )


def problem_for_path(
    path: str,
    status: int,
    detail: str,
    *,
    code: str | None = None,
    title: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """`problem_response` for code that has only the ASGI scope (middleware), not a Request."""
    default_code, default_title = _STATUS_TITLES.get(status, ("error", "Error"))
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + (code or default_code),
        "title": title or default_title,
        "status": status,
        "detail": detail,
        "instance": path,
        "request_id": current_request_id(),
    }
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def json_invalid_error(reason: str, position: int | None) -> dict[str, Any]:
    """The one validation error every route reports for a body that is not JSON (a 400)."""
    return {
        "type": "json_invalid",
        "loc": ("body",) if position is None else ("body", position),
        "msg": "JSON decode error",
        "ctx": {"error": reason},
    }


def _clean_validation_errors(raw: list[Any]) -> list[dict[str, Any]]:
    cleaned = []
    for err in raw:
        msg = str(err.get("msg", "invalid value"))
        if err.get("type") == "json_invalid":
            # FastAPI's own wording is "JSON decode error" with the reason in ctx; say both.
            reason = (err.get("ctx") or {}).get("error")
            msg = f"body is not valid JSON: {reason}" if reason else "body is not valid JSON"
        cleaned.append(
            {
                "loc": [part if isinstance(part, (str, int)) else str(part) for part in err["loc"]],
                "msg": msg.removeprefix("Value error, "),
                "type": str(err.get("type", "value_error")),
            }
        )
    return cleaned


async def _app_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return problem_response(
        request, exc.status, exc.detail, code=exc.code, title=exc.title, headers=exc.headers
    )


async def _validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _clean_validation_errors(list(exc.errors()))
    # FastAPI reports undecodable JSON as a validation error of type json_invalid; it is a 400.
    if any(e["type"] == "json_invalid" for e in errors):
        return problem_response(request, 400, "request body is not valid JSON", errors=errors)
    summary = "; ".join(
        f"{'.'.join(str(p) for p in e['loc'][1:]) or e['loc'][0]}: {e['msg']}" for e in errors[:5]
    )
    return problem_response(request, 422, summary or "invalid input", errors=errors)


def _route_table(app: FastAPI) -> list[tuple[re.Pattern[str], frozenset[str]]]:
    """(path regex, methods) of every route, included routers flattened; built once per app."""
    table: list[tuple[re.Pattern[str], frozenset[str]]] | None = getattr(
        app.state, "route_table", None
    )
    if table is None:
        table = [
            (compile_path(context.path)[0], frozenset(context.methods))
            for context in iter_route_contexts(app.routes)
            if context.path and context.methods
        ]
        app.state.route_table = table
    return table


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at the request's path, in a stable order.

    Starlette answers a 405 from the first route whose path matched, so `Allow` named only that
    route's methods (`GET` on `/api/blogs`, which also takes `POST`): each FastAPI route carries
    the methods of one handler. The whole route table is asked instead.
    """
    path = request.scope["path"]
    methods: set[str] = set()
    for regex, route_methods in _route_table(request.app):
        if regex.match(path):
            methods |= route_methods
    return sorted(methods)


async def _http_exception_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no route matches {request.method} {request.url.path}"
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        allow = allowed_methods(request)
        headers = {k: v for k, v in headers.items() if k.lower() != "allow"}
        headers["Allow"] = ", ".join(allow)
        detail = f"{request.method} is not allowed here; allowed: {', '.join(allow)}"
    return problem_response(request, exc.status_code, detail, headers=headers or None)


def _database_unreachable_errors() -> tuple[type[Exception], ...]:
    """What the database driver raises, unwrapped (the ORM translates only query errors), when the
    database cannot be reached: a refused or reset connection, a server shutting down or
    starting, a connection lost mid-query."""
    import asyncpg
    from tortoise.exceptions import DBConnectionError

    return (
        ConnectionError,  # refused, reset, aborted (builtin OSError subclasses)
        DBConnectionError,
        asyncpg.exceptions.PostgresConnectionError,
        asyncpg.exceptions.OperatorInterventionError,  # admin shutdown, cannot connect now
        asyncpg.exceptions.ConnectionDoesNotExistError,
    )


async def _database_unreachable_handler(request: Request, exc: Exception) -> JSONResponse:
    # An outage, not a bug: 503 with Retry-After (clients and proxies retry) instead of a 500,
    # and one log line without a traceback per request. Handled here, inside the app, rather
    # than by the catch-all, so the connection stays usable and Uvicorn logs no traceback.
    logger.warning(
        "database unreachable: %s",
        type(exc).__name__,
        extra={"request_id": current_request_id(), "path": request.url.path},
    )
    return await _app_error_handler(
        request, ServiceUnavailable("database unreachable; retry later")
    )


async def _unhandled_handler(request: Request, exc: Exception) -> JSONResponse:
    # The traceback goes to the log with the request id; the client gets only the id.
    logger.exception(
        "unhandled error", extra={"request_id": current_request_id(), "path": request.url.path}
    )
    # This handler runs outside the request-id middleware, so it sets the header itself.
    request_id = current_request_id()
    return problem_response(
        request,
        500,
        "an unexpected error occurred; quote the request id when reporting it",
        headers={"X-Request-ID": request_id} if request_id else None,
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every failure into problem details."""
    app.add_exception_handler(AppError, _app_error_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_exception_handler)
    for unreachable in _database_unreachable_errors():
        app.add_exception_handler(unreachable, _database_unreachable_handler)
    app.add_exception_handler(Exception, _unhandled_handler)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the given error statuses, all using `Problem`."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        _, title = _STATUS_TITLES.get(status, ("error", "Error"))
        out[status] = {
            "model": Problem,
            "description": title,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    return out
