"""Draft schemas: what a client saves and what it reads back."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict

from blog_api.core.types import MAX_ID, JsonId, integral_number
from blog_api.drafts.models import CONTENT_MAX, KEY_MAX, MAX_IMAGES, TITLE_MAX

KEY_PATTERN = rf"^[a-z0-9][a-z0-9_-]{{0,{KEY_MAX - 1}}}$"
CURRENT_KEY = "current"


class DraftWrite(BaseModel):
    """A whole draft (omitted fields are saved empty) and the revision it was based on."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"title": "Hello", "content": "Work in progress", "revision": 3}]
        },
    )

    title: str = Field(default="", max_length=TITLE_MAX)
    content: str = Field(default="", max_length=CONTENT_MAX)
    # JsonInt: JSON `true` or "7" is not an id, and `false` is not revision 0 ("create only")
    image_ids: list[JsonId] = Field(
        default_factory=list, max_length=MAX_IMAGES, description="Ids of your uploaded images."
    )
    revision: (
        Annotated[int, Strict(), Field(ge=0, le=MAX_ID), BeforeValidator(integral_number)] | None
    ) = Field(
        default=None,
        description=(
            "The revision this save is based on (from your last read or save); a different "
            "current revision is a 409, so two tabs never overwrite each other. 0 means "
            "'create only if absent'; omit it to overwrite unconditionally."
        ),
    )


class DraftRead(BaseModel):
    """A saved draft. An absent current draft reads as empty with revision 0."""

    key: str = Field(examples=["current"])
    title: str
    content: str
    image_ids: list[int]
    revision: int = Field(examples=[4], description="Send it back with the next save.")
    updated_at: datetime | None = Field(description="Last save; null if never saved.")
    expires_at: datetime | None = Field(description="Deleted after this unless saved again.")


class DraftSummary(BaseModel):
    """A draft in the list (without its content)."""

    key: str = Field(examples=["blog-42"])
    title: str
    revision: int
    updated_at: datetime
    expires_at: datetime
