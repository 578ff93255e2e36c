"""Shared parameter types."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from pydantic import BeforeValidator, Strict

# Ids are 32-bit in the database; bounding them here turns an absurd id into a 422, not a 500.
MAX_ID = 2_147_483_647
IdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Numeric id.")]


def _integral_number(value: object) -> object:
    # JSON Schema, and so the OpenAPI document, counts 7.0 as an integer; a client that goes
    # through floats (JavaScript, or a generator) sends it. True and "7" stay refused (strict).
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


JsonInt = Annotated[int, BeforeValidator(_integral_number), Strict()]
"""An integer in a JSON body: a JSON number without a fraction (7 or 7.0), never a bool or a
string (pydantic's lax mode would read `true` as 1 and `"7"` as 7)."""
