"""Validate /asyncapi.json against the official AsyncAPI 3.0.0 JSON Schema, and real messages
against the payload schemas the document publishes (shared by the SSE and WebSocket tests).

`asyncapi-3.0.0.schema.json` beside this file is `schemas/3.0.0-without-$id.json` of the npm
package `@asyncapi/specs` 6.11.1, unmodified (see ASYNCAPI-SCHEMA.md here: origin, licence).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator, Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_SCHEMA = Path(__file__).with_name("asyncapi-3.0.0.schema.json")
DOCUMENT_URI = "urn:blog-api:asyncapi"


@cache
def spec_validator() -> Draft7Validator:
    """The official AsyncAPI 3.0.0 schema (JSON Schema draft-07), checked itself first."""
    schema = json.loads(SPEC_SCHEMA.read_text())
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema)


def spec_errors(document: dict[str, Any]) -> list[str]:
    """Every way `document` breaks the AsyncAPI 3.0.0 schema (empty: valid)."""
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}"
        for e in spec_validator().iter_errors(document)
    ]


def payload_validator(document: dict[str, Any], message_key: str) -> Draft202012Validator:
    """A validator for the payload of `components/messages/<message_key>`, resolving its
    `#/components/schemas/...` references inside the document (pydantic writes 2020-12)."""
    assert message_key in document["components"]["messages"], f"no message {message_key!r}"
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(DOCUMENT_URI, resource)
    pointer = f"{DOCUMENT_URI}#/components/messages/{message_key}/payload"
    return Draft202012Validator({"$ref": pointer}, registry=registry)


def assert_valid_message(document: dict[str, Any], message_key: str, message: Any) -> None:
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
        for e in payload_validator(document, message_key).iter_errors(message)
    ]
    assert errors == [], (message_key, message, errors)
