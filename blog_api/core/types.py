"""Shared parameter types."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

# Ids are 32-bit in the database; bounding them here turns an absurd id into a 422, not a 500.
MAX_ID = 2_147_483_647
IdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Numeric id.")]
