"""Lookup dependencies for feature request routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from blog_api.auth.dependencies import CurrentUser
from blog_api.core.types import IdPath
from blog_api.feature_requests import service as fr_service
from blog_api.feature_requests.models import FeatureRequest


async def target_request(feature_request_id: IdPath, _user: CurrentUser) -> FeatureRequest:
    """The request named in the path (401 before 404: anonymous callers learn nothing)."""
    return await fr_service.get_request(feature_request_id)


TargetRequest = Annotated[FeatureRequest, Depends(target_request)]
