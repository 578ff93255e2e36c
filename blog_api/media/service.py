"""Image uploads: verification with Pillow, metadata stripping, content-addressed storage.

An upload is decoded completely (so truncated or forged files fail here, not in a browser), then
re-encoded from its pixels alone: EXIF (including GPS), XMP, ICC profiles, comments and PNG text
chunks do not survive. The stored file is named after the SHA-256 of its bytes, so identical
uploads share one file while each upload keeps its own row (ownership is per uploader).

Other domains reach images through `resolve_owned_images` (blogs attach only the caller's uploads).
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import tempfile
from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from io import BytesIO
from pathlib import Path

import anyio
import anyio.to_thread
from fastapi import UploadFile
from PIL import Image as PILImage
from PIL import ImageCms, ImageOps, ImageSequence, UnidentifiedImageError
from tortoise.backends.base.client import BaseDBAsyncClient

# Models only: the blogs service imports this module.
from blog_api.blogs.models import Blog, BlogRevision, BlogStatus
from blog_api.core.config import Settings
from blog_api.core.db import transaction
from blog_api.core.errors import (
    AppError,
    Conflict,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    UnprocessableEntity,
)
from blog_api.core.pagination import InvalidCursor, Page, decode_cursor, encode_cursor
from blog_api.core.types import MAX_ID
from blog_api.media.models import Image
from blog_api.media.schemas import ImageRead
from blog_api.users.models import Role, User

logger = logging.getLogger("blog_api.media")

# A post referencing more images than this is almost certainly a mistake or an abuse.
MAX_IMAGE_IDS = 20

# Pillow format -> (file extension, content type). Only these are stored.
ACCEPTED_FORMATS: dict[str, tuple[str, str]] = {
    "PNG": ("png", "image/png"),
    "JPEG": ("jpg", "image/jpeg"),
    "WEBP": ("webp", "image/webp"),
    "GIF": ("gif", "image/gif"),
}
# Formats we recognise only to answer 415 instead of 422. Each has a real magic number; formats
# without one (TGA, ...) are left out so random bytes are never "recognised" as an image.
RECOGNISED_UNSUPPORTED = ("BMP", "TIFF", "ICO", "PSD", "JPEG2000", "AVIF", "QOI", "DDS", "PPM")
ACCEPTED_NAMES = "PNG, JPEG, WebP or GIF"

JPEG_QUALITY = 90
WEBP_QUALITY = 90
# Decoding is CPU- and memory-heavy; at most this many uploads decode at once per worker, so a
# burst of large uploads queues instead of exhausting memory.
_decode_limiter = anyio.CapacityLimiter(2)


# --- errors -----------------------------------------------------------------------------------


class ImageNotFound(NotFound):
    code, title = "image-not-found", "Image not found"


class ImageNotOwned(UnprocessableEntity):
    """Some referenced images do not exist or belong to someone else (never says which case)."""

    code, title = "image-not-owned", "Image not found or not yours"

    def __init__(self, image_ids: list[int]) -> None:
        self.image_ids = image_ids
        listed = ", ".join(str(i) for i in image_ids)
        super().__init__(f"images {listed} do not exist or were not uploaded by you")


class TooManyImages(UnprocessableEntity):
    code, title = "too-many-images", "Too many images"


class InvalidImage(UnprocessableEntity):
    code, title = "invalid-image", "Invalid image"


class ImageTooManyPixels(UnprocessableEntity):
    code, title = "image-too-many-pixels", "Image dimensions too large"


class UnsupportedImageType(AppError):
    status, code, title = 415, "unsupported-image-type", "Unsupported image type"


class ImageTooLarge(PayloadTooLarge):
    code, title = "image-too-large", "Image too large"


class StorageFailed(ServiceUnavailable):
    code, title = "storage-failed", "Could not store the image"


class ImageInUse(Conflict):
    code, title = "image-in-use", "Image in use"


# --- resolving references (used by blogs) ------------------------------------------------------


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


# --- decoding and re-encoding (runs in a worker thread) -----------------------------------------


@dataclass(frozen=True)
class ProcessedImage:
    """A verified upload re-encoded without metadata, ready to store."""

    data: bytes
    sha256: str
    extension: str
    content_type: str
    width: int
    height: int

    @property
    def filename(self) -> str:
        return f"{self.sha256}.{self.extension}"


def process_image(raw: bytes, *, max_pixels: int) -> ProcessedImage:
    """Verify `raw` is a complete PNG/JPEG/WebP/GIF and re-encode its pixels without metadata.

    The file name and declared content type are never consulted: Pillow's detection decides.
    Raises `InvalidImage` (not an image, truncated, corrupt), `UnsupportedImageType` (a real image
    in another format) or `ImageTooManyPixels` (possible decompression bomb).
    """
    fmt = _check_header(raw, max_pixels=max_pixels)
    try:
        # verify() checks structure (PNG chunk CRCs, ...) without decoding; the file object is
        # unusable afterwards, hence the second open that decodes every frame.
        with PILImage.open(BytesIO(raw), formats=[fmt]) as probe:
            probe.verify()
        with PILImage.open(BytesIO(raw), formats=[fmt]) as img:
            frames, durations, loop = _decode_frames(img, max_pixels=max_pixels)
    except (ImageTooManyPixels, InvalidImage):
        raise
    except Exception as exc:
        # Pillow signals damaged input with many exception types (OSError, SyntaxError,
        # ValueError, struct.error, EOFError...); all mean the same thing to the client.
        logger.info("rejected corrupt image", extra={"format": fmt, "error": repr(exc)})
        raise InvalidImage(f"the {fmt} data is truncated or corrupt and cannot be decoded") from exc
    data = _encode(frames, durations, loop, fmt)
    extension, content_type = ACCEPTED_FORMATS[fmt]
    return ProcessedImage(
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        extension=extension,
        content_type=content_type,
        width=frames[0].width,
        height=frames[0].height,
    )


def _check_header(raw: bytes, *, max_pixels: int) -> str:
    """Identify the format from the content and check the declared dimensions before decoding."""
    try:
        with PILImage.open(
            BytesIO(raw), formats=[*ACCEPTED_FORMATS, *RECOGNISED_UNSUPPORTED]
        ) as img:
            fmt = img.format or "unknown"
            width, height = img.size
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning) as exc:
        raise ImageTooManyPixels(
            f"the image declares too many pixels; at most {max_pixels} are accepted"
        ) from exc
    except UnidentifiedImageError as exc:
        raise InvalidImage(f"the file is not a {ACCEPTED_NAMES} image") from exc
    except Exception as exc:  # a header so broken that a plugin choked on it
        raise InvalidImage(f"the file is not a readable {ACCEPTED_NAMES} image") from exc
    if fmt not in ACCEPTED_FORMATS:
        raise UnsupportedImageType(f"{fmt} images are not accepted; upload {ACCEPTED_NAMES}")
    if width < 1 or height < 1:
        raise InvalidImage("the image has no pixels")
    if width * height > max_pixels:
        raise ImageTooManyPixels(
            f"the image is {width}x{height} ({width * height} pixels); "
            f"at most {max_pixels} pixels are accepted"
        )
    return fmt


def _decode_frames(
    img: PILImage.Image, *, max_pixels: int
) -> tuple[list[PILImage.Image], list[int], int | None]:
    """Decode every frame into a metadata-free copy; animations keep their timing and loop count.

    The pixel budget covers all frames together and is checked before each frame is decoded, so
    an animation with thousands of frames stops early instead of eating CPU and memory.
    """
    loop = img.info.get("loop")
    frames: list[PILImage.Image] = []
    durations: list[int] = []
    frame_pixels = img.width * img.height
    used = 0
    for frame in ImageSequence.Iterator(img):
        used += frame_pixels
        if used > max_pixels:
            raise ImageTooManyPixels(
                f"the animation has more than {len(frames)} frames of {img.width}x{img.height}; "
                f"at most {max_pixels} pixels are accepted across all frames"
            )
        frame.load()
        durations.append(round(frame.info.get("duration", 0) or 0))
        frames.append(_bare_copy(frame))
    if len(frames) == 1 and _exif_orientation(img) not in (0, 1):
        # Orientation lives in EXIF, which is about to be dropped: apply it to the pixels.
        frames[0] = _bare_copy(ImageOps.exif_transpose(img))
    return frames, durations, loop if isinstance(loop, int) else None


def _exif_orientation(img: PILImage.Image) -> int:
    try:
        return int(img.getexif().get(0x0112, 1))
    except Exception:  # a damaged EXIF block is dropped anyway; it must not sink the image
        return 1


def _bare_copy(frame: PILImage.Image) -> PILImage.Image:
    """The frame's pixels in sRGB, without any metadata Pillow might write back when saving."""
    converted = _to_srgb(frame)
    clean = converted.copy()
    # Savers fall back to `info` for comments, ICC profiles and XMP: keep only what the pixels
    # need (a palette's transparent index).
    transparency = frame.info.get("transparency") if clean.mode == frame.mode else None
    clean.info = {} if transparency is None else {"transparency": transparency}
    return clean


def _to_srgb(frame: PILImage.Image) -> PILImage.Image:
    """Convert pixels tagged with an ICC profile to sRGB, so dropping the profile keeps colours."""
    icc = frame.info.get("icc_profile")
    if not icc or frame.mode not in ("RGB", "RGBA", "CMYK"):
        return frame
    try:
        alpha = frame.getchannel("A") if frame.mode == "RGBA" else None
        source = frame.convert("RGB") if alpha is not None else frame
        converted = ImageCms.profileToProfile(
            source,
            ImageCms.ImageCmsProfile(BytesIO(icc)),
            ImageCms.createProfile("sRGB"),
            outputMode="RGB",
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        # A broken profile is dropped and the pixels are read as sRGB, as browsers do.
        return frame
    if converted is None:  # only when converting in place, which we do not ask for
        return frame
    if alpha is not None:
        converted.putalpha(alpha)
    return converted


def _encode(
    frames: list[PILImage.Image], durations: list[int], loop: int | None, fmt: str
) -> bytes:
    """Write the frames in `fmt` with no metadata; animations are kept for GIF, WebP and APNG."""
    frames = [_for_format(frame, fmt) for frame in frames]
    out = BytesIO()
    options: dict[str, object] = {}
    if fmt == "JPEG":
        options = {"quality": JPEG_QUALITY}
    elif fmt == "WEBP":
        options = {"quality": WEBP_QUALITY}
    elif fmt == "PNG":
        options = {"compress_level": 6}
    if len(frames) > 1 and fmt != "JPEG":
        options |= {"save_all": True, "append_images": frames[1:], "duration": durations}
        if loop is not None:
            options["loop"] = loop
        if fmt == "GIF":
            # Frames are decoded as full canvases; restoring to background before each one keeps
            # transparent areas of a frame from showing the previous frame.
            options["disposal"] = 2
    frames[0].save(out, format=fmt, **options)
    return out.getvalue()


def _for_format(frame: PILImage.Image, fmt: str) -> PILImage.Image:
    """Convert to a mode the target format can store (CMYK JPEG -> RGB, palette WebP -> RGBA...)."""
    mode = frame.mode
    if fmt == "JPEG":
        return frame if mode in ("L", "RGB") else frame.convert("RGB")
    if fmt == "WEBP":
        if mode in ("RGB", "RGBA"):
            return frame
        has_alpha = "A" in mode or "transparency" in frame.info
        return frame.convert("RGBA" if has_alpha else "RGB")
    if fmt == "PNG":
        return (
            frame if mode in ("1", "L", "LA", "P", "RGB", "RGBA", "I;16") else frame.convert("RGBA")
        )
    return frame  # GIF: Pillow quantizes whatever mode it gets


# --- storage ------------------------------------------------------------------------------------


def _store_file(media_root: Path, filename: str, data: bytes) -> None:
    """Write `data` as `media_root/filename` atomically; an existing file already holds it."""
    target = media_root / filename
    if target.exists():
        return
    media_root.mkdir(parents=True, exist_ok=True)
    # Same directory as the target, so os.replace is an atomic rename: readers never see a
    # half-written file under the final name.
    fd, tmp_name = tempfile.mkstemp(dir=media_root, prefix=".upload-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp_name, 0o644)  # mkstemp makes 0600; the web server must read the file
        os.replace(tmp_name, target)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def _move_aside(path: Path) -> Path | None:
    """Rename `path` to a unique hidden name in the same folder; None if it is already gone."""
    aside = path.with_name(f".deleted-{secrets.token_hex(8)}-{path.name}")
    try:
        os.replace(path, aside)
    except FileNotFoundError:
        return None
    return aside


# --- use cases ----------------------------------------------------------------------------------


async def upload_image(upload: UploadFile, *, owner: User, settings: Settings) -> Image:
    """Verify, clean and store an uploaded image for `owner`; return the new row."""
    limit = settings.max_upload_bytes
    # One byte over the limit is enough to know the file is too big; never read more.
    raw = await upload.read(limit + 1)
    if len(raw) > limit:
        raise ImageTooLarge(f"the file is larger than the limit of {limit} bytes")
    if not raw:
        raise InvalidImage("the file is empty")
    processed = await anyio.to_thread.run_sync(
        partial(process_image, raw, max_pixels=settings.max_image_pixels),
        limiter=_decode_limiter,
    )
    # The row is committed before the file is written: `delete_image` re-checks for rows after
    # moving a file aside, so a concurrent delete of the last other copy cannot lose this one.
    image = await Image.create(
        owner=owner,
        sha256=processed.sha256,
        filename=processed.filename,
        content_type=processed.content_type,
        width=processed.width,
        height=processed.height,
        size_bytes=len(processed.data),
    )
    try:
        await anyio.to_thread.run_sync(
            _store_file, settings.media_root, processed.filename, processed.data
        )
    except OSError as exc:
        logger.exception("could not write an uploaded image", extra={"file": processed.filename})
        await image.delete()
        raise StorageFailed("the image could not be stored; try again later") from exc
    return image


async def get_visible_image(image_id: int, *, viewer: User) -> Image:
    """The image if `viewer` uploaded it or is an admin; 404 otherwise (existence is private)."""
    image = await Image.get_or_none(id=image_id)
    if image is None or (image.owner_id != viewer.id and viewer.role is not Role.admin):
        raise ImageNotFound(f"image {image_id} does not exist")
    return image


async def list_own_images(
    *, owner: User, limit: int, cursor: str | None, media_url: str
) -> Page[ImageRead]:
    """The caller's uploads, newest first, one page at a time."""
    query = Image.filter(owner_id=owner.id).order_by("-id")
    if cursor:
        last_id = decode_cursor(cursor, ("id",))["id"]
        if not isinstance(last_id, int) or isinstance(last_id, bool):
            raise InvalidCursor("cursor is not one this API issued")
        query = query.filter(id__lt=last_id)
    rows = await query.limit(limit + 1)
    items = [ImageRead.from_model(row, media_url=media_url) for row in rows[:limit]]
    next_cursor = encode_cursor({"id": rows[limit - 1].id}) if len(rows) > limit else None
    return Page[ImageRead](items=items, next_cursor=next_cursor)


async def _uses_of(image: Image, conn: BaseDBAsyncClient) -> list[str]:
    blog_ids = await Blog.filter(images__id=image.id).using_db(conn).values_list("id", flat=True)
    uses = [f"post {blog_id}" for blog_id in blog_ids]
    # Proposals keep image ids in a JSON list (no foreign key); only the owner's can hold them.
    pending = await (
        BlogRevision.filter(author_id=image.owner_id, status=BlogStatus.pending)
        .using_db(conn)
        .values_list("id", "blog_id", "image_ids")
    )
    uses += [
        f"revision {rev_id} of post {blog_id}"
        for rev_id, blog_id, image_ids in pending
        if image.id in image_ids
    ]
    return sorted(uses)


async def delete_image(image: Image, *, media_root: Path) -> None:
    """Delete the row; delete the file too when no other upload has the same content.

    An image attached to a post (in any status) or to a pending revision is refused with
    `ImageInUse`: deleting it would silently change a live post. The row is locked first
    (PostgreSQL; SQLite runs one transaction at a time), so a post attaching it concurrently either
    commits before the check, which then sees it, or waits and then fails on the foreign key.

    Race with a concurrent upload of the same bytes: the file is first moved aside, then rows are
    counted again. If one appeared, the file goes back (any copy is identical, being named by its
    hash); uploads commit their row before writing, so one of the two always keeps the file.
    """
    async with transaction() as conn:
        locked = await Image.select_for_update().using_db(conn).get_or_none(id=image.id)
        if locked is None:
            return
        uses = await _uses_of(image, conn)
        if uses:
            raise ImageInUse(
                f"image {image.id} is attached to {', '.join(uses)}; remove it from there first"
            )
        await Image.filter(id=image.id).using_db(conn).delete()
    if await Image.filter(sha256=image.sha256).exists():
        return
    path = media_root / image.filename
    aside = await anyio.to_thread.run_sync(_move_aside, path)
    if aside is None:
        return
    if await Image.filter(sha256=image.sha256).exists():
        await anyio.to_thread.run_sync(os.replace, aside, path)
    else:
        await anyio.to_thread.run_sync(partial(aside.unlink, missing_ok=True))
