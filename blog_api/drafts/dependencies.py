"""The app's draft store (Redis when `REDIS_URL` is set, the database otherwise)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, FastAPI, Path, Request

from blog_api.core.config import Settings
from blog_api.drafts.db_store import DatabaseDraftStore
from blog_api.drafts.redis_store import RedisDraftStore
from blog_api.drafts.schemas import KEY_PATTERN
from blog_api.drafts.store import DraftStore


def build_draft_store(settings: Settings) -> DraftStore:
    """The store `settings` ask for."""
    ttl = timedelta(days=settings.draft_ttl_days)
    if settings.redis_url:
        return RedisDraftStore.from_url(settings.redis_url, ttl=ttl, cluster=settings.redis_cluster)
    return DatabaseDraftStore(ttl=ttl)


def install_draft_store(app: FastAPI, settings: Settings) -> None:
    """Build the app's draft store and close it when the app stops."""
    store = build_draft_store(settings)
    app.state.draft_store = store

    @asynccontextmanager
    async def close_on_shutdown(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await store.aclose()

    app.state.lifespan_hooks.append(close_on_shutdown)


async def get_draft_store(request: Request) -> DraftStore:
    """The running app's draft store."""
    store: DraftStore = request.app.state.draft_store
    return store


DraftStoreDep = Annotated[DraftStore, Depends(get_draft_store)]
DraftKey = Annotated[
    str,
    Path(
        pattern=KEY_PATTERN,
        description="Your name for the draft: 1-64 of a-z, 0-9, '-', '_' (e.g. `blog-42`).",
    ),
]
