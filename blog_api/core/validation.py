"""Input rules that hold for every route, checked once for the whole app.

NUL characters: PostgreSQL cannot store U+0000 in text or JSON columns (asyncpg raises
`CharacterNotInRepertoireError`), so a NUL in a request's input was a 500 on PostgreSQL (even in a
lookup, such as the login form's username) and stored as is on SQLite. No input of this API has a
use for it, so every route refuses it as a 422 before its handler runs, instead of every schema
having to remember it. (Unpaired surrogates need no rule here: pydantic already refuses them.)
"""

from __future__ import annotations

from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import HTTPConnection, Request

NUL = "\x00"
NUL_MESSAGE = "must not contain NUL characters"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
Loc = tuple[str | int, ...]


def _declared_query(route: APIRoute) -> set[str]:
    """The query parameters a route reads, through all its dependencies (a short walk)."""
    names: set[str] = set()
    stack: list[Dependant] = [route.dependant]
    while stack:
        dependant = stack.pop()
        names.update(field.alias for field in dependant.query_params)
        stack.extend(dependant.dependencies)
    return names


def _reads_body(route: APIRoute) -> bool:
    # A route may also read its body itself and document it in `openapi_extra` (login does).
    return route.body_field is not None or "requestBody" in (route.openapi_extra or {})


def _json_nul_locations(value: Any, root: Loc) -> list[Loc]:
    """Where NUL occurs in a decoded JSON value, in strings and in object keys."""
    found: list[Loc] = []
    stack: list[tuple[Loc, Any]] = [(root, value)]
    while stack:  # iterative: a deeply nested body must not exhaust the recursion limit
        loc, item = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                found.append(loc)
        elif isinstance(item, dict):
            for key, child in item.items():
                if NUL in key:
                    found.append(loc)
                stack.append(((*loc, key), child))
        elif isinstance(item, list):
            stack.extend(((*loc, index), child) for index, child in enumerate(item))
    return found


async def refuse_nul_characters(connection: HTTPConnection) -> None:
    """App-wide dependency: a 422 for NUL in the path, the query or the body a route reads
    (undeclared query parameters are ignored, as FastAPI ignores them)."""
    route = connection.scope.get("route")
    if not isinstance(connection, Request) or not isinstance(route, APIRoute):
        return  # WebSockets validate their own messages
    declared = _declared_query(route)
    found: list[Loc] = [
        ("path", name)
        for name, value in connection.path_params.items()
        if isinstance(value, str) and NUL in value
    ]
    found += [
        ("query", name)
        for name, value in connection.query_params.multi_items()
        if name in declared and NUL in value
    ]
    if _reads_body(route):
        # Starlette caches what it parses: FastAPI and the route get the same form or JSON.
        if connection.headers.get("content-type", "").startswith(FORM_TYPES):
            form = await connection.form()
            found += [
                ("body", name)
                for name, value in form.multi_items()
                if isinstance(value, str) and NUL in value  # files may hold any bytes
            ]
        elif await connection.body():
            try:
                body = await connection.json()
            except (ValueError, RecursionError):  # not JSON, or nested too deep to decode
                body = None  # the route's own parsing answers (400 or 422)
            found += _json_nul_locations(body, ("body",))
    if found:
        raise RequestValidationError(
            [
                {"type": "string_nul", "loc": loc, "msg": NUL_MESSAGE, "input": None}
                for loc in sorted(found, key=str)
            ]
        )
