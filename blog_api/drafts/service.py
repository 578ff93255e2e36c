"""Draft operations on the app's store; other domains (blogs) reach drafts through here."""

from __future__ import annotations

import logging

from blog_api.core.errors import NotFound
from blog_api.drafts.schemas import DraftRead, DraftSummary, DraftWrite
from blog_api.drafts.store import DraftContent, DraftStore, StoredDraft
from blog_api.users.models import User

logger = logging.getLogger("blog_api.drafts")


class DraftNotFound(NotFound):
    code, title = "draft-not-found", "Draft not found"


def _read(draft: StoredDraft) -> DraftRead:
    return DraftRead(
        key=draft.key,
        title=draft.title,
        content=draft.content,
        image_ids=draft.image_ids,
        revision=draft.revision,
        updated_at=draft.updated_at,
        expires_at=draft.expires_at,
    )


def empty_draft(key: str) -> DraftRead:
    """What an absent draft reads as where absence is normal (the current draft)."""
    return DraftRead(
        key=key, title="", content="", image_ids=[], revision=0, updated_at=None, expires_at=None
    )


async def get_draft(store: DraftStore, *, user: User, key: str) -> DraftRead | None:
    """The user's draft `key`, or None."""
    draft = await store.get(user.id, key)
    return _read(draft) if draft else None


async def require_draft(store: DraftStore, *, user: User, key: str) -> DraftRead:
    """The user's draft `key`, or `DraftNotFound`."""
    draft = await get_draft(store, user=user, key=key)
    if draft is None:
        raise DraftNotFound(f"you have no draft {key!r} (it may have expired)")
    return draft


async def list_drafts(store: DraftStore, *, user: User) -> list[DraftSummary]:
    """The user's live drafts, most recently saved first."""
    return [
        DraftSummary(
            key=d.key,
            title=d.title,
            revision=d.revision,
            updated_at=d.updated_at,
            expires_at=d.expires_at,
        )
        for d in await store.list_drafts(user.id)
    ]


async def save_draft(store: DraftStore, *, user: User, key: str, data: DraftWrite) -> DraftRead:
    """Save (create or replace) the user's draft `key`; 409 on a stale revision."""
    content = DraftContent(title=data.title, content=data.content, image_ids=data.image_ids)
    draft = await store.save(user.id, key, content, expected_revision=data.revision)
    return _read(draft)


async def delete_draft(store: DraftStore, *, user: User, key: str) -> bool:
    """Delete the user's draft `key` (idempotent); whether it existed."""
    return await store.delete(user.id, key)


async def discard_after_use(store: DraftStore, *, user: User, key: str) -> None:
    """Delete a draft once its content became a post (called by the blogs domain).

    The post is already committed, so a failure here (Redis unreachable) is logged, not raised:
    a leftover draft expires on its own, a 500 would make the client submit the post again.
    """
    try:
        await store.delete(user.id, key)
    except Exception:
        logger.warning(
            "could not delete draft after use", extra={"user_id": user.id}, exc_info=True
        )
