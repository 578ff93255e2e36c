"""`/api/webhooks`: admins register endpoints, read the delivery log and replay messages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from blog_api.auth.dependencies import Admin, SettingsDep
from blog_api.core.errors import problem_responses
from blog_api.core.pagination import DEFAULT_LIMIT, CursorParam, LimitParam, Page
from blog_api.webhooks import service as webhooks_service
from blog_api.webhooks.dependencies import EndpointChangesDep, TargetDelivery, TargetEndpoint
from blog_api.webhooks.models import DeliveryStatus
from blog_api.webhooks.schemas import (
    DeliveryRead,
    EndpointCreate,
    EndpointCreated,
    EndpointRead,
    EndpointUpdate,
)

router = APIRouter(prefix="/api/webhooks", tags=["webhooks"])


@router.post(
    "/endpoints",
    status_code=status.HTTP_201_CREATED,
    response_model=EndpointCreated,
    summary="Register a webhook endpoint",
    responses=problem_responses(400, 401, 403, 413, 422),
)
async def create_webhook_endpoint(
    body: EndpointCreate,
    admin: Admin,
    settings: SettingsDep,
    response: Response,
    changes: EndpointChangesDep,
) -> EndpointCreated:
    """Register a URL for some event types; the answer holds its secret, shown only once."""
    created = await webhooks_service.create_endpoint(
        body, owner=admin, allow_private=settings.webhook_allow_private
    )
    await changes.announce()
    response.headers["Location"] = f"/api/webhooks/endpoints/{created.id}"
    return created


@router.get(
    "/endpoints",
    response_model=Page[EndpointRead],
    summary="List webhook endpoints",
    responses=problem_responses(401, 403, 422),
)
async def list_webhook_endpoints(
    _admin: Admin, limit: LimitParam = DEFAULT_LIMIT, cursor: CursorParam = None
) -> Page[EndpointRead]:
    """Every endpoint, oldest first (admins)."""
    return await webhooks_service.list_endpoints(limit=limit, cursor=cursor)


@router.get(
    "/endpoints/{endpoint_id}",
    response_model=EndpointRead,
    summary="Get a webhook endpoint",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_webhook_endpoint(endpoint: TargetEndpoint) -> EndpointRead:
    """One endpoint, without its secret (admins)."""
    return webhooks_service.endpoint_read(endpoint)


@router.patch(
    "/endpoints/{endpoint_id}",
    response_model=EndpointRead,
    summary="Change a webhook endpoint",
    responses=problem_responses(400, 401, 403, 404, 413, 422),
)
async def update_webhook_endpoint(
    endpoint: TargetEndpoint,
    body: EndpointUpdate,
    settings: SettingsDep,
    changes: EndpointChangesDep,
) -> EndpointRead:
    """Change URL, event types, description; `is_active: true` re-enables it (admins)."""
    updated = await webhooks_service.update_endpoint(
        endpoint, body, allow_private=settings.webhook_allow_private
    )
    await changes.announce()
    return webhooks_service.endpoint_read(updated)


@router.delete(
    "/endpoints/{endpoint_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete a webhook endpoint",
    responses=problem_responses(401, 403, 404, 422),
)
async def delete_webhook_endpoint(
    endpoint: TargetEndpoint, changes: EndpointChangesDep
) -> Response:
    """Delete an endpoint and its delivery log (admins)."""
    await webhooks_service.delete_endpoint(endpoint)
    await changes.announce()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/endpoints/{endpoint_id}/deliveries",
    response_model=Page[DeliveryRead],
    summary="List an endpoint's deliveries",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_webhook_deliveries(
    endpoint: TargetEndpoint,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
    status_filter: Annotated[
        DeliveryStatus | None, Query(alias="status", description="Only this status.")
    ] = None,
) -> Page[DeliveryRead]:
    """The delivery log, newest first: status, attempts, last answer and its time (admins)."""
    return await webhooks_service.list_deliveries(
        endpoint, limit=limit, cursor=cursor, status=status_filter
    )


@router.post(
    "/deliveries/{delivery_id}/replay",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DeliveryRead,
    summary="Send a delivery again",
    responses=problem_responses(401, 403, 404, 422),
)
async def replay_webhook_delivery(delivery: TargetDelivery) -> DeliveryRead:
    """Queue the same message (same `webhook-id`, same body) again, before newer ones."""
    replay = await webhooks_service.replay_delivery(delivery)
    return webhooks_service.delivery_read(replay)
