"""Image schemas: what the API shows of an upload."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from blog_api.media.models import Image


def media_url_for(filename: str, media_url: str) -> str:
    """Public URL of a stored file under `MEDIA_URL` (tolerates a missing trailing slash)."""
    return media_url.rstrip("/") + "/" + filename


class ImageRead(BaseModel):
    """An uploaded image; `url` is where the file is served (by the proxy in production)."""

    id: int = Field(examples=[12])
    url: str = Field(
        examples=["/media/3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b.png"]
    )
    width: int = Field(examples=[1200])
    height: int = Field(examples=[800])
    content_type: str = Field(examples=["image/png"])
    size_bytes: int = Field(examples=[48213], description="Size of the stored (re-encoded) file.")
    created_at: datetime

    @classmethod
    def from_model(cls, image: Image, *, media_url: str) -> ImageRead:
        return cls(
            id=image.id,
            url=media_url_for(image.filename, media_url),
            width=image.width,
            height=image.height,
            content_type=image.content_type,
            size_bytes=image.size_bytes,
            created_at=image.created_at,
        )
