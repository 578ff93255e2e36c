"""`/api/session/draft(s)`: the caller's autosaved drafts (current and named)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from blog_api.auth.dependencies import CurrentUser
from blog_api.core.errors import problem_responses
from blog_api.drafts import service as drafts_service
from blog_api.drafts.dependencies import DraftKey, DraftStoreDep
from blog_api.drafts.schemas import CURRENT_KEY, DraftRead, DraftSummary, DraftWrite

router = APIRouter(prefix="/api/session", tags=["drafts"])


@router.get(
    "/draft",
    response_model=DraftRead,
    summary="Get your current draft",
    responses=problem_responses(401, 503),
)
async def get_current_draft(user: CurrentUser, store: DraftStoreDep) -> DraftRead:
    """Return your current draft; empty with revision 0 if there is none."""
    draft = await drafts_service.get_draft(store, user=user, key=CURRENT_KEY)
    return draft or drafts_service.empty_draft(CURRENT_KEY)


@router.post(
    "/draft",
    response_model=DraftRead,
    summary="Save your current draft",
    responses=problem_responses(400, 401, 409, 413, 422, 503),
)
async def save_current_draft(
    user: CurrentUser, store: DraftStoreDep, body: DraftWrite
) -> DraftRead:
    """Save your current draft (same as PUT /api/session/drafts/current); stale revision: 409."""
    return await drafts_service.save_draft(store, user=user, key=CURRENT_KEY, data=body)


@router.get(
    "/drafts",
    response_model=list[DraftSummary],
    summary="List your drafts",
    responses=problem_responses(401, 503),
)
async def list_drafts(user: CurrentUser, store: DraftStoreDep) -> list[DraftSummary]:
    """List your live drafts (at most 50), most recently saved first, without content."""
    return await drafts_service.list_drafts(store, user=user)


@router.get(
    "/drafts/{key}",
    response_model=DraftRead,
    summary="Get a named draft",
    responses=problem_responses(401, 404, 422, 503),
)
async def get_named_draft(key: DraftKey, user: CurrentUser, store: DraftStoreDep) -> DraftRead:
    """Return one of your drafts; 404 if absent or expired."""
    return await drafts_service.require_draft(store, user=user, key=key)


@router.put(
    "/drafts/{key}",
    response_model=DraftRead,
    summary="Save a named draft",
    responses=problem_responses(400, 401, 409, 413, 422, 503),
)
async def save_named_draft(
    key: DraftKey, user: CurrentUser, store: DraftStoreDep, body: DraftWrite
) -> DraftRead:
    """Create or replace one of your drafts; a stale `revision` is a 409."""
    return await drafts_service.save_draft(store, user=user, key=key, data=body)


@router.delete(
    "/drafts/{key}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a named draft",
    responses=problem_responses(401, 422, 503),
)
async def delete_named_draft(key: DraftKey, user: CurrentUser, store: DraftStoreDep) -> Response:
    """Delete one of your drafts (idempotent)."""
    await drafts_service.delete_draft(store, user=user, key=key)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
