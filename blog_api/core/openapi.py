"""Post-processing of the generated OpenAPI document so it tells the truth about errors.

FastAPI documents validation failures with its own `HTTPValidationError` schema and does not list
the 400 it returns for malformed JSON or our 413 for oversized bodies. Every error here is a
`Problem`, so the document is corrected in one place instead of in every route.
"""

from __future__ import annotations

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
    for path_item in schema.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
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


def install_openapi_fixes(app: FastAPI) -> None:
    """Wrap `app.openapi` so the corrected document is generated once and cached."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        app.openapi_schema = fix_error_responses(original())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
