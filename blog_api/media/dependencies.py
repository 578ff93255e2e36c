"""Media dependencies: the image named in the path, if the caller may see it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from blog_api.auth.dependencies import CurrentUser
from blog_api.core.types import IdPath
from blog_api.media import service as media_service
from blog_api.media.models import Image


async def visible_image(image_id: IdPath, user: CurrentUser) -> Image:
    """The image in the path if the caller uploaded it or is an admin; 404 otherwise."""
    return await media_service.get_visible_image(image_id, viewer=user)


VisibleImage = Annotated[Image, Depends(visible_image)]
