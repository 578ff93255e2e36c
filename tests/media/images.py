"""Images generated with Pillow for the media tests (no binary fixtures in the repository)."""

from __future__ import annotations

import struct
import zlib
from io import BytesIO
from typing import Any

from PIL import ExifTags, Image


def image_bytes(
    fmt: str, size: tuple[int, int] = (32, 24), mode: str = "RGB", **save: Any
) -> bytes:
    """A small image in `fmt` with a gradient, so encoders have something to encode."""
    img = Image.new(mode, size)
    if mode in ("RGB", "RGBA"):
        img.putdata(
            [
                (x * 7 % 256, y * 11 % 256, (x + y) % 256, 255)[: len(mode)]
                for y in range(size[1])
                for x in range(size[0])
            ]
        )
    out = BytesIO()
    img.save(out, format=fmt, **save)
    return out.getvalue()


def jpeg_with_gps_exif() -> bytes:
    """A JPEG carrying camera, GPS and comment metadata, as phones write them."""
    img = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = img.getexif()
    exif[ExifTags.Base.Make] = "SpyCam"
    exif[ExifTags.Base.Model] = "Tracker 3000"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (48.0, 51.0, 29.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (2.0, 17.0, 40.0)
    out = BytesIO()
    img.save(out, format="JPEG", exif=exif, comment=b"shot at home")
    return out.getvalue()


def jpeg_rotated_by_exif() -> bytes:
    """A 40x20 JPEG whose EXIF says "rotate 90 degrees clockwise" (orientation 6)."""
    img = Image.new("RGB", (40, 20), (0, 120, 200))
    exif = img.getexif()
    exif[ExifTags.Base.Orientation] = 6
    out = BytesIO()
    img.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def animated_gif(frames: int = 3, size: tuple[int, int] = (16, 16)) -> bytes:
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)]
    images = [Image.new("RGB", size, colours[i % len(colours)]) for i in range(frames)]
    out = BytesIO()
    images[0].save(
        out,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=80,
        loop=0,
        comment=b"made by a tracker",
    )
    return out.getvalue()


def png_declaring_size(width: int, height: int) -> bytes:
    """A valid 1x1 PNG whose header is rewritten to claim `width` x `height` (a pixel bomb)."""
    data = bytearray(image_bytes("PNG", (1, 1), mode="L"))
    # IHDR follows the 8-byte signature: length(4) "IHDR"(4) width(4) height(4) ... crc(4).
    struct.pack_into(">II", data, 16, width, height)
    crc = zlib.crc32(bytes(data[12:29])) & 0xFFFFFFFF
    struct.pack_into(">I", data, 29, crc)
    return bytes(data)


def stored_image(path: Any) -> Image.Image:
    img = Image.open(path)
    img.load()
    return img
