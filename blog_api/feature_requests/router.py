"""`/api/feature-requests`: users ask for features and vote; admins triage."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from blog_api.auth.dependencies import CurrentUser, user_rate_limit_key
from blog_api.core.errors import problem_responses
from blog_api.core.pagination import DEFAULT_LIMIT, CursorParam, LimitParam, Page
from blog_api.core.ratelimit import rate_limit
from blog_api.feature_requests import service as fr_service
from blog_api.feature_requests.dependencies import TargetRequest
from blog_api.feature_requests.models import FeatureRequestStatus
from blog_api.feature_requests.schemas import (
    FeatureRequestCreate,
    FeatureRequestRead,
    FeatureRequestSort,
    FeatureRequestUpdate,
)

router = APIRouter(prefix="/api/feature-requests", tags=["feature-requests"])


@router.get(
    "",
    response_model=Page[FeatureRequestRead],
    summary="List feature requests",
    responses=problem_responses(401, 422),
)
async def list_feature_requests(
    viewer: CurrentUser,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
    sort: Annotated[FeatureRequestSort, Query(description="Order of the list.")] = (
        FeatureRequestSort.votes
    ),
    status_filter: Annotated[
        FeatureRequestStatus | None, Query(alias="status", description="Only this status.")
    ] = None,
) -> Page[FeatureRequestRead]:
    """List requests by votes, priority or newest first, paginated by cursor."""
    return await fr_service.list_requests(
        viewer=viewer, limit=limit, cursor=cursor, sort=sort, status=status_filter
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=FeatureRequestRead,
    summary="Ask for a feature",
    dependencies=[Depends(rate_limit("feature_request", key=user_rate_limit_key))],
    responses=problem_responses(400, 401, 409, 413, 422, 429),
)
async def create_feature_request(
    body: FeatureRequestCreate, author: CurrentUser, response: Response
) -> FeatureRequestRead:
    """Create a pending request; a near-duplicate of one of your open requests is a 409."""
    fr = await fr_service.create_request(body, author=author)
    response.headers["Location"] = f"/api/feature-requests/{fr.id}"
    return await fr_service.read(fr, viewer=author)


@router.get(
    "/{feature_request_id}",
    response_model=FeatureRequestRead,
    summary="Get a feature request",
    responses=problem_responses(401, 404, 422),
)
async def get_feature_request(fr: TargetRequest, viewer: CurrentUser) -> FeatureRequestRead:
    """Return one request."""
    return await fr_service.read(fr, viewer=viewer)


@router.patch(
    "/{feature_request_id}",
    response_model=FeatureRequestRead,
    summary="Edit or triage a feature request",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def update_feature_request(
    fr: TargetRequest, body: FeatureRequestUpdate, actor: CurrentUser
) -> FeatureRequestRead:
    """Author: title/description while pending. Admin: status, priority, response."""
    updated = await fr_service.update_request(fr, body, actor=actor)
    return await fr_service.read(updated, viewer=actor)


@router.post(
    "/{feature_request_id}/vote",
    response_model=FeatureRequestRead,
    summary="Vote for a feature request",
    dependencies=[Depends(rate_limit("vote", key=user_rate_limit_key))],
    responses=problem_responses(401, 404, 409, 422, 429),
)
async def vote(fr: TargetRequest, voter: CurrentUser) -> FeatureRequestRead:
    """Add your vote (idempotent: voting twice counts once); closed requests answer 409."""
    updated = await fr_service.vote(fr, user=voter)
    return await fr_service.read(updated, viewer=voter)


@router.delete(
    "/{feature_request_id}/vote",
    response_model=FeatureRequestRead,
    summary="Withdraw your vote",
    dependencies=[Depends(rate_limit("vote", key=user_rate_limit_key))],
    responses=problem_responses(401, 404, 422, 429),
)
async def unvote(fr: TargetRequest, voter: CurrentUser) -> FeatureRequestRead:
    """Remove your vote if you voted (idempotent)."""
    updated = await fr_service.unvote(fr, user=voter)
    return await fr_service.read(updated, viewer=voter)
