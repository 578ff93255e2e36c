"""The draft store interface, shared by the Redis and the database implementations.

Both keep one draft per (user, key), a revision counter that grows by one per save, and an
expiry `DRAFT_TTL_DAYS` after the last save (renewed by every save). A save carrying an
`expected_revision` that differs from the current one fails atomically with `StaleRevision`
(revision 0 = the draft must not exist yet). Each user has at most `MAX_DRAFTS` live drafts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from blog_api.core.errors import Conflict, ServiceUnavailable

MAX_DRAFTS = 50


@dataclass(frozen=True)
class DraftContent:
    """What a save writes."""

    title: str
    content: str
    image_ids: list[int]


@dataclass(frozen=True)
class StoredDraft:
    """A draft as stored."""

    key: str
    title: str
    content: str
    image_ids: list[int]
    revision: int
    updated_at: datetime
    expires_at: datetime


class StaleRevision(Conflict):
    code, title = "stale-revision", "Stale revision"

    def __init__(self, key: str, current: int) -> None:
        super().__init__(
            f"draft {key!r} is at revision {current}: it was saved elsewhere since you read it; "
            "reload it, merge, and save with the new revision"
        )
        self.current = current


class TooManyDrafts(Conflict):
    code, title = "too-many-drafts", "Too many drafts"

    def __init__(self) -> None:
        super().__init__(f"you have {MAX_DRAFTS} drafts; delete one before starting another")


class DraftsUnavailable(ServiceUnavailable):
    code, title = "drafts-unavailable", "Drafts unavailable"

    def __init__(self) -> None:
        super().__init__("the draft store cannot be reached; retry shortly")


class DraftStore(Protocol):
    """Where drafts live; chosen once per app by `REDIS_URL`."""

    async def get(self, user_id: int, key: str) -> StoredDraft | None:
        """The live draft, or None (never an expired one)."""
        ...

    async def list_drafts(self, user_id: int) -> list[StoredDraft]:
        """The user's live drafts, most recently saved first."""
        ...

    async def save(
        self, user_id: int, key: str, content: DraftContent, *, expected_revision: int | None
    ) -> StoredDraft:
        """Write the draft and renew its expiry; `StaleRevision` / `TooManyDrafts` otherwise."""
        ...

    async def delete(self, user_id: int, key: str) -> bool:
        """Remove the draft; whether it existed."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...
