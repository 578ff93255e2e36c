"""Lookups for the webhook routes (admins only: 401/403 before any 404)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from blog_api.auth.dependencies import Admin
from blog_api.core.types import MAX_ID, IdPath
from blog_api.webhooks import service as webhooks_service
from blog_api.webhooks.dispatcher import EndpointCache
from blog_api.webhooks.models import WebhookDelivery, WebhookEndpoint


async def target_endpoint(endpoint_id: IdPath, _admin: Admin) -> WebhookEndpoint:
    """The endpoint named in the path."""
    return await webhooks_service.get_endpoint(endpoint_id)


TargetEndpoint = Annotated[WebhookEndpoint, Depends(target_endpoint)]

DeliveryIdPath = Annotated[int, Path(ge=1, le=MAX_ID * 8, description="Delivery id.")]


async def target_delivery(delivery_id: DeliveryIdPath, _admin: Admin) -> WebhookDelivery:
    """The delivery named in the path."""
    return await webhooks_service.get_delivery(delivery_id)


TargetDelivery = Annotated[WebhookDelivery, Depends(target_delivery)]


class EndpointChanges:
    """Tells every worker's webhook intake that the endpoints changed (their cached copy)."""

    def __init__(self, cache: EndpointCache | None) -> None:
        self._cache = cache

    async def announce(self) -> None:
        """Call after the change is committed."""
        if self._cache is not None:
            await self._cache.changed()


async def endpoint_changes(request: Request) -> EndpointChanges:
    """The announcer for this worker (async: a sync dependency would run in the thread pool)."""
    # Absent only in an app started without its lifespan (nothing reads a cache there).
    webhooks = getattr(request.app.state, "webhooks", None)
    return EndpointChanges(webhooks[0].endpoints if webhooks else None)


EndpointChangesDep = Annotated[EndpointChanges, Depends(endpoint_changes)]
