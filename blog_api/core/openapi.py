"""Post-processing of the generated OpenAPI document so it tells the truth about errors.

FastAPI documents validation failures with its own `HTTPValidationError` schema and does not list
the 400 it returns for malformed JSON or our 413 for oversized bodies. Every error here is a
`Problem`, so the document is corrected in one place instead of in every route.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI

from blog_api.core.errors import PROBLEM_MEDIA_TYPE, FieldError, Problem

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_BODY_ERRORS = {
    "400": "Malformed request body (for example invalid JSON)",
    "413": "Request body larger than the configured limit",
    "422": "Validation error: `errors` lists each invalid field",
}
_METHODS = {"get", "put", "post", "patch", "delete", "head", "options"}
# Every other operation reads or writes the database, so it answers 503 when the database
# cannot be reached (core/errors.py: a problem with Retry-After, never a 500).
_NO_DATABASE = {"/healthz", "/asyncapi.json"}
_UNAVAILABLE = "Service unavailable (the database cannot be reached): retry after `Retry-After`"


def _problem_content() -> dict[str, Any]:
    return {PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM_REF}}


def fix_error_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """Make every documented error a Problem and add the body errors FastAPI leaves out."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault(
        "FieldError", FieldError.model_json_schema(ref_template="#/components/schemas/{model}")
    )
    components.setdefault(
        "Problem", Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    )
    for path, path_item in schema.get("paths", {}).items():
        for method, operation in path_item.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            if path not in _NO_DATABASE:
                responses.setdefault("503", {"description": _UNAVAILABLE})
            has_params = bool(operation.get("parameters"))
            if "requestBody" in operation:
                for status, description in _BODY_ERRORS.items():
                    responses.setdefault(status, {"description": description})
            elif has_params:
                responses.setdefault("422", {"description": _BODY_ERRORS["422"]})
            for status, response in responses.items():
                if status.startswith(("4", "5")):
                    response["content"] = _problem_content()
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    return schema


# What core/validation.py refuses in every input: a NUL anywhere, also in an object's keys.
NUL_FREE = r"^[^\x00]*$"
_JSON_WITHOUT_NUL = {
    "description": "Any JSON value without a NUL character in a string or key.",
    "anyOf": [
        {"type": ["null", "boolean", "number"]},
        {"type": "string", "pattern": NUL_FREE},
        {"type": "array", "items": {"$ref": "#/components/schemas/JsonWithoutNul"}},
        {
            "type": "object",
            "propertyNames": {"pattern": NUL_FREE},
            "additionalProperties": {"$ref": "#/components/schemas/JsonWithoutNul"},
        },
    ],
}


def _declare_no_nul(node: Any) -> None:
    """Add the app-wide NUL rule to every string and open object below `node`."""
    if isinstance(node, list):
        for item in node:
            _declare_no_nul(item)
        return
    if not isinstance(node, dict):
        return
    if (
        node.get("type") == "string"
        and not {"pattern", "format", "enum", "const"} & node.keys()
        and "contentMediaType" not in node
    ):
        node["pattern"] = NUL_FREE
    if node.get("type") == "object" and "properties" in node and "additionalProperties" not in node:
        # FastAPI bodies that ignore unknown fields still refuse a NUL inside them.
        node["propertyNames"] = {"pattern": NUL_FREE}
        node["additionalProperties"] = {"$ref": "#/components/schemas/JsonWithoutNul"}
    for key, value in node.items():
        if key not in ("example", "examples", "default", "const", "enum"):
            _declare_no_nul(value)


def _not_null(schema: dict[str, Any]) -> None:
    """A parameter is sent or omitted, never null: `str | None` is documented as a string.

    FastAPI writes `anyOf: [string, null]`; a client (or a fuzzer) then sends the text `null`,
    and the rules written beside `anyOf` (a pattern) do not reach the string.
    """
    options = schema.get("anyOf")
    if not isinstance(options, list):
        return
    kept = [option for option in options if option.get("type") != "null"]
    if len(kept) == 1 and len(options) == 2:
        del schema["anyOf"]
        for key, value in kept[0].items():
            schema.setdefault(key, value)  # what is written beside `anyOf` wins


def declare_input_rules(schema: dict[str, Any]) -> dict[str, Any]:
    """Declare in the document the rules that core/validation.py applies to every request.

    A rule the document does not state is one a client (or a fuzzer) cannot follow: strings
    without a NUL, in bodies, queries, paths, headers and keys alike.
    """
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, component in components.items():
        if name not in ("Problem", "FieldError"):
            _declare_no_nul(component)
    for path_item in schema.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in _METHODS:
                continue
            for parameter in operation.get("parameters", []):
                _not_null(parameter.get("schema", {}))
                _declare_no_nul(parameter.get("schema"))
            for media in operation.get("requestBody", {}).get("content", {}).values():
                _declare_no_nul(media.get("schema"))
    components.setdefault("JsonWithoutNul", _JSON_WITHOUT_NUL)
    return schema


# Collections whose items live elsewhere: a comment is created under its post, then addressed
# as /api/comments/{comment_id}.
_ITEMS_ELSEWHERE = {"/api/blogs/{blog_id}/comments": "/api/comments"}
_PARAM = re.compile(r"{(\w+)}")


def _pointer(path: str, method: str) -> str:
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method


def _body_id(schema: dict[str, Any], response: dict[str, Any]) -> str | None:
    """Where the response names a resource's `id`: `/id`, or `/items/0/id` for a page."""
    media = response.get("content", {}).get("application/json", {}).get("schema", {})
    component = schema["components"]["schemas"].get(media.get("$ref", "").split("/")[-1], {})
    properties = component.get("properties", {})
    if "id" in properties:
        return "/id"
    item_ref = properties.get("items", {}).get("items", {}).get("$ref", "")
    item = schema["components"]["schemas"].get(item_ref.split("/")[-1], {})
    return "/items/0/id" if "id" in item.get("properties", {}) else None


def add_links(schema: dict[str, Any]) -> dict[str, Any]:
    """Link each response that names a resource to the operations on that resource.

    `POST /api/blogs` answers with the new post's `id`; that id is the `blog_id` of every
    operation under `/api/blogs/{blog_id}`. A list links its first item the same way. Clients
    (and stateful fuzzers) follow these links instead of guessing ids. Links are derived from
    the paths, so they follow renamed operations and parameters; `operationRef` is used rather
    than `operationId` for the same reason.
    """
    paths: dict[str, dict[str, Any]] = schema.get("paths", {})
    for source, path_item in paths.items():
        collection = _ITEMS_ELSEWHERE.get(source, source)
        items = [p for p in paths if p.startswith(collection + "/{") and p.endswith("}")]
        items = [p for p in items if "/" not in p[len(collection) + 1 :]]
        if len(items) != 1:
            continue
        item = items[0]
        item_param = _PARAM.findall(item)[-1]
        known = {name: f"$request.path.{name}" for name in _PARAM.findall(source)}
        for method, operation in path_item.items():
            if method not in ("get", "post", "put"):
                continue
            for status, response in operation.get("responses", {}).items():
                pointer = _body_id(schema, response) if status.startswith("2") else None
                if pointer is None:
                    continue
                values = {**known, item_param: f"$response.body#{pointer}"}
                links = response.setdefault("links", {})
                for target, target_item in paths.items():
                    if target != item and not target.startswith(item + "/"):
                        continue
                    if not set(_PARAM.findall(target)) <= values.keys():
                        continue  # needs an id this response does not give
                    for target_method in target_item:
                        if target_method not in _METHODS:
                            continue
                        name = re.sub(r"[^A-Za-z0-9_]+", "-", f"{target_method}{target}")
                        links[name.strip("-")] = {
                            "operationRef": _pointer(target, target_method),
                            "parameters": {n: values[n] for n in _PARAM.findall(target)},
                        }
    _link_saved_items(paths)
    return schema


def _link_saved_items(paths: dict[str, dict[str, Any]]) -> None:
    """A PUT that saves an item under a client-chosen key (a draft) links to reading and
    deleting that same item."""
    for path, path_item in paths.items():
        params = _PARAM.findall(path)
        if "put" not in path_item or not params or not path.endswith("}"):
            continue
        for status, response in path_item["put"].get("responses", {}).items():
            if not status.startswith("2"):
                continue
            links = response.setdefault("links", {})
            for method in path_item:
                if method in _METHODS and method != "put":
                    name = re.sub(r"[^A-Za-z0-9_]+", "-", f"{method}{path}").strip("-")
                    links[name] = {
                        "operationRef": _pointer(path, method),
                        "parameters": {n: f"$request.path.{n}" for n in params},
                    }


def install_openapi_fixes(app: FastAPI) -> None:
    """Wrap `app.openapi` so the corrected document is generated once and cached."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        app.openapi_schema = add_links(declare_input_rules(fix_error_responses(original())))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
