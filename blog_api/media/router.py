"""`/api/media`: image uploads (any signed-in user), their metadata and deletion."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Response, UploadFile, status

from blog_api.auth.dependencies import CurrentUser, SettingsDep, user_rate_limit_key
from blog_api.core.errors import problem_responses
from blog_api.core.pagination import DEFAULT_LIMIT, CursorParam, LimitParam, Page
from blog_api.core.ratelimit import rate_limit
from blog_api.media import service as media_service
from blog_api.media.dependencies import VisibleImage
from blog_api.media.schemas import ImageRead

router = APIRouter(prefix="/api/media", tags=["media"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ImageRead,
    summary="Upload an image",
    # Counted per user before the image is decoded, so a flood of uploads costs no image work.
    dependencies=[Depends(rate_limit("upload", key=user_rate_limit_key))],
    responses=problem_responses(400, 401, 413, 415, 422, 429, 503),
)
async def upload_image(
    user: CurrentUser,
    settings: SettingsDep,
    response: Response,
    file: Annotated[
        UploadFile,
        File(description="PNG, JPEG, WebP or GIF; detected from the content, not the name."),
    ],
) -> ImageRead:
    """Upload an image; it is verified, stripped of metadata and stored by content hash."""
    image = await media_service.upload_image(file, owner=user, settings=settings)
    response.headers["Location"] = f"{router.prefix}/{image.id}"
    return ImageRead.from_model(image, media_url=settings.media_url)


@router.get(
    "",
    response_model=Page[ImageRead],
    summary="List my uploads",
    responses=problem_responses(401, 422),
)
async def list_my_images(
    user: CurrentUser,
    settings: SettingsDep,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[ImageRead]:
    """List the caller's own uploads, newest first, paginated by cursor."""
    return await media_service.list_own_images(
        owner=user, limit=limit, cursor=cursor, media_url=settings.media_url
    )


@router.get(
    "/{image_id}",
    response_model=ImageRead,
    summary="Get an image's metadata",
    responses=problem_responses(401, 404, 422),
)
async def get_image(image: VisibleImage, settings: SettingsDep) -> ImageRead:
    """Return an upload's metadata (its uploader and admins only)."""
    return ImageRead.from_model(image, media_url=settings.media_url)


@router.delete(
    "/{image_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete an image",
    responses=problem_responses(401, 404, 409, 422),
)
async def delete_image(image: VisibleImage, settings: SettingsDep) -> Response:
    """Delete an upload (its uploader or an admin) not attached to any post or pending revision."""
    await media_service.delete_image(image, media_root=settings.media_root)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
