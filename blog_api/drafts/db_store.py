"""Drafts in the database: one `Draft` row per (user, key), saves conditional on `revision`.

A user's saves run one at a time: each save first locks the user's row (PostgreSQL; SQLite runs
one transaction at a time anyway). So a save without `revision` always overwrites, even when
another tab is creating the same draft, and concurrent creates cannot exceed `MAX_DRAFTS`.

Expired rows are never returned and are purged for a user whenever that user saves; no
background job is needed for a single-box install.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tortoise.exceptions import IntegrityError

from blog_api.core.db import transaction
from blog_api.drafts.models import Draft
from blog_api.drafts.store import (
    MAX_DRAFTS,
    DraftContent,
    StaleRevision,
    StoredDraft,
    TooManyDrafts,
)
from blog_api.users.models import User


def _stored(row: Draft) -> StoredDraft:
    return StoredDraft(
        key=row.key,
        title=row.title,
        content=row.content,
        image_ids=list(row.image_ids),
        revision=row.revision,
        updated_at=row.updated_at,
        expires_at=row.expires_at,
    )


class DatabaseDraftStore:
    """`DraftStore` on the app's database."""

    def __init__(self, *, ttl: timedelta) -> None:
        self.ttl = ttl

    async def get(self, user_id: int, key: str) -> StoredDraft | None:
        now = datetime.now(timezone.utc)
        row = await Draft.get_or_none(user_id=user_id, key=key, expires_at__gt=now)
        return _stored(row) if row else None

    async def list_drafts(self, user_id: int) -> list[StoredDraft]:
        now = datetime.now(timezone.utc)
        rows = await Draft.filter(user_id=user_id, expires_at__gt=now).order_by(
            "-updated_at", "-id"
        )
        return [_stored(r) for r in rows]

    async def save(
        self, user_id: int, key: str, content: DraftContent, *, expected_revision: int | None
    ) -> StoredDraft:
        now = datetime.now(timezone.utc)
        values = {
            "title": content.title,
            "content": content.content,
            "image_ids": list(content.image_ids),
            "updated_at": now,
            "expires_at": now + self.ttl,
        }
        async with transaction() as conn:
            # NO KEY: other writes referencing the user (posts, votes) need not wait for this.
            await User.select_for_update(no_key=True).filter(id=user_id).using_db(conn).first()
            await Draft.filter(user_id=user_id, expires_at__lte=now).using_db(conn).delete()
            row = await Draft.filter(user_id=user_id, key=key).using_db(conn).first()
            current = row.revision if row else 0
            if expected_revision is not None and expected_revision != current:
                raise StaleRevision(key, current)
            if row is None:
                if await Draft.filter(user_id=user_id).using_db(conn).count() >= MAX_DRAFTS:
                    raise TooManyDrafts()
                try:
                    row = await Draft.create(
                        user_id=user_id, key=key, revision=1, using_db=conn, **values
                    )
                except IntegrityError as exc:
                    # Another save created it between our read and our insert.
                    raise StaleRevision(key, 1) from exc
            else:
                # Conditional on the revision we read: a concurrent save makes this match 0 rows.
                updated = (
                    await Draft.filter(id=row.id, revision=current)
                    .using_db(conn)
                    .update(revision=current + 1, **values)
                )
                if not updated:
                    raise StaleRevision(key, current + 1)
                row = await Draft.get(id=row.id, using_db=conn)
        return _stored(row)

    async def delete(self, user_id: int, key: str) -> bool:
        return bool(await Draft.filter(user_id=user_id, key=key).delete())

    async def aclose(self) -> None:
        return None
