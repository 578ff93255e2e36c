"""Image uploads: verification with Pillow, metadata stripping, content-addressed storage.

Other domains reach images through `resolve_owned_images` (blogs attach only the caller's uploads).
"""

from __future__ import annotations

from blog_api.core.errors import UnprocessableEntity
from blog_api.core.types import MAX_ID
from blog_api.media.models import Image
from blog_api.users.models import User

# A post referencing more images than this is almost certainly a mistake or an abuse.
MAX_IMAGE_IDS = 20


class ImageNotOwned(UnprocessableEntity):
    """Some referenced images do not exist or belong to someone else (never says which case)."""

    code, title = "image-not-owned", "Image not found or not yours"

    def __init__(self, image_ids: list[int]) -> None:
        self.image_ids = image_ids
        listed = ", ".join(str(i) for i in image_ids)
        super().__init__(f"images {listed} do not exist or were not uploaded by you")


class TooManyImages(UnprocessableEntity):
    code, title = "too-many-images", "Too many images"


async def resolve_owned_images(image_ids: list[int], *, owner: User) -> list[Image]:
    """The images with these ids, in the given order without duplicates, all uploaded by `owner`.

    Raises `TooManyImages` for more than `MAX_IMAGE_IDS` distinct ids and `ImageNotOwned` (naming
    the offending ids) when any id is unknown or another user's: only the uploader may attach an
    image, admins included, so a post never shows someone else's upload by accident.
    """
    unique = list(dict.fromkeys(image_ids))
    if len(unique) > MAX_IMAGE_IDS:
        raise TooManyImages(f"at most {MAX_IMAGE_IDS} images per post, got {len(unique)}")
    if not unique:
        return []
    # Out-of-range ids cannot exist; filtering them out keeps PostgreSQL from an int overflow.
    queryable = [i for i in unique if 1 <= i <= MAX_ID]
    rows = await Image.filter(id__in=queryable, owner_id=owner.id) if queryable else []
    by_id = {row.id: row for row in rows}
    missing = [i for i in unique if i not in by_id]
    if missing:
        raise ImageNotOwned(missing)
    return [by_id[i] for i in unique]
