"""Feature request schemas. Inputs forbid unknown fields, so a stray `status` or `vote_count`
in a body is a 422 rather than silently ignored."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from blog_api.core.types import stripped_text, visible_line
from blog_api.feature_requests.models import (
    DESCRIPTION_MAX,
    RESPONSE_MAX,
    TITLE_MAX,
    FeatureRequestStatus,
    Priority,
)
from blog_api.users.schemas import UserPublic

Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=TITLE_MAX),
    AfterValidator(visible_line),
    Field(
        examples=["Dark mode for the editor"],
        json_schema_extra=stripped_text(min_stripped=3, max_stripped=TITLE_MAX, visible=True),
    ),
]
Description = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=DESCRIPTION_MAX),
    Field(
        examples=["Writing at night is hard on the eyes."],
        json_schema_extra=stripped_text(max_stripped=DESCRIPTION_MAX),
    ),
]
ResponseText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=RESPONSE_MAX),
    Field(
        description="A public answer from the admins.",
        examples=["Planned for June."],
        json_schema_extra=stripped_text(max_stripped=RESPONSE_MAX),
    ),
]

NOT_NULLABLE = ("title", "description", "status")


def _update_schema(schema: dict[str, Any]) -> None:
    """Document what `_something_to_change` enforces: these fields may be omitted, never null."""
    schema["examples"] = [
        {"status": "accepted", "priority": "high", "response": "Planned for June."},
        {"title": "Dark mode for the editor"},
    ]
    schema["minProperties"] = 1
    for name in NOT_NULLABLE:
        field = schema["properties"][name]
        options = [o for o in field.pop("anyOf", []) if o.get("type") != "null"]
        if len(options) == 1:
            field.update(options[0])


AUTHOR_FIELDS = frozenset({"title", "description"})
ADMIN_FIELDS = frozenset({"status", "priority", "response"})


class FeatureRequestSort(str, Enum):
    """`votes`: most voted first; `priority`: highest priority first (unset last), then most
    voted; `newest`: most recent first. Ties are broken by id, newest first."""

    votes = "votes"
    priority = "priority"
    newest = "newest"


class FeatureRequestCreate(BaseModel):
    """A new request; it starts `pending`, without priority."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"title": "Dark mode", "description": "Easier on the eyes at night."}]
        },
    )

    title: Title
    description: Description


class FeatureRequestUpdate(BaseModel):
    """Changes to a request; omitted fields stay as they are.

    The author may change `title` and `description` while the request is pending. Admins may
    change `status`, `priority` (null clears it) and `response` (null clears it).
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra=_update_schema)

    title: Title | None = None
    description: Description | None = None
    status: FeatureRequestStatus | None = None
    priority: Priority | None = None
    response: ResponseText | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> FeatureRequestUpdate:
        if not self.model_fields_set:
            raise ValueError("send at least one field to change")
        for name in NOT_NULLABLE:
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class FeatureRequestRead(BaseModel):
    """A request as everyone signed in sees it; `voted` is about the caller."""

    id: int = Field(examples=[12])
    title: str
    description: str
    status: FeatureRequestStatus
    priority: Priority | None = Field(description="Set by admins; null until triaged.")
    response: str | None = Field(description="Public answer from the admins, if any.")
    author: UserPublic
    vote_count: int = Field(examples=[7])
    voted: bool = Field(description="Whether the caller has voted for it.")
    created_at: datetime
    updated_at: datetime
    status_changed_at: datetime | None = Field(description="Last status change by an admin.")
