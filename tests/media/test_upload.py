"""POST /api/media: who may upload, which files are accepted, what is stored."""

from __future__ import annotations

import hashlib
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient, Response
from PIL import Image, ImageCms
from PIL.PngImagePlugin import PngInfo

from tests.conftest import Actor, auth
from tests.media.images import (
    animated_gif,
    image_bytes,
    jpeg_rotated_by_exif,
    jpeg_with_gps_exif,
    png_declaring_size,
    stored_image,
)

ROLE_EXPECTED = {"anonymous": 401, "user": 201, "l1_approver": 201, "admin": 201}


async def upload(
    client: AsyncClient,
    actor: Actor | None,
    data: bytes,
    filename: str = "picture.png",
    content_type: str = "image/png",
) -> Response:
    return await client.post(
        "/api/media", files={"file": (filename, data, content_type)}, headers=auth(actor)
    )


def stored_path(app: FastAPI, body: dict[str, Any]) -> Path:
    media_root: Path = app.state.settings.media_root
    return media_root / body["url"].rsplit("/", 1)[1]


@pytest.mark.parametrize("role", list(ROLE_EXPECTED))
async def test_upload_role_matrix(client: AsyncClient, actors: dict, role: str) -> None:
    resp = await upload(client, actors[role], image_bytes("PNG"))
    assert resp.status_code == ROLE_EXPECTED[role]


@pytest.mark.parametrize(
    ("fmt", "content_type", "extension"),
    [
        ("PNG", "image/png", "png"),
        ("JPEG", "image/jpeg", "jpg"),
        ("WEBP", "image/webp", "webp"),
        ("GIF", "image/gif", "gif"),
    ],
)
async def test_accepted_formats_are_stored_by_content_hash(
    client: AsyncClient, app: FastAPI, user: Actor, fmt: str, content_type: str, extension: str
) -> None:
    resp = await upload(client, user, image_bytes(fmt, (32, 24)), f"x.{extension}", content_type)
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert resp.headers["location"] == f"/api/media/{body['id']}"
    assert (body["width"], body["height"], body["content_type"]) == (32, 24, content_type)
    path = stored_path(app, body)
    stored = path.read_bytes()
    assert path.name == f"{hashlib.sha256(stored).hexdigest()}.{extension}"
    assert body["url"] == f"/media/{path.name}"
    assert body["size_bytes"] == len(stored)
    assert Image.open(path).format == fmt
    assert set(body) == {"id", "url", "width", "height", "content_type", "size_bytes", "created_at"}


async def test_gps_exif_and_comment_are_removed_from_jpeg(
    client: AsyncClient, app: FastAPI, user: Actor
) -> None:
    original = jpeg_with_gps_exif()
    assert Image.open(BytesIO(original)).getexif().get_ifd(0x8825)  # the test input has GPS
    resp = await upload(client, user, original, "photo.jpg", "image/jpeg")
    assert resp.status_code == 201
    stored = stored_image(stored_path(app, resp.json()))
    assert "exif" not in stored.info
    assert len(stored.getexif()) == 0
    assert "comment" not in stored.info
    assert b"SpyCam" not in stored_path(app, resp.json()).read_bytes()


async def test_png_text_chunks_and_icc_profile_are_removed(
    client: AsyncClient, app: FastAPI, user: Actor
) -> None:
    info = PngInfo()
    info.add_text("Author", "Jane Doe, 12 Secret Lane")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>private</x:xmpmeta>")
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = image_bytes("PNG", pnginfo=info, icc_profile=icc)
    assert Image.open(BytesIO(data)).info.get("Author")  # the test input carries the text
    resp = await upload(client, user, data)
    assert resp.status_code == 201
    stored = stored_image(stored_path(app, resp.json()))
    assert not {"Author", "XML:com.adobe.xmp", "xmp", "icc_profile"} & set(stored.info)
    assert b"Secret Lane" not in stored_path(app, resp.json()).read_bytes()


async def test_exif_orientation_is_applied_to_the_pixels(
    client: AsyncClient, app: FastAPI, user: Actor
) -> None:
    resp = await upload(client, user, jpeg_rotated_by_exif(), "p.jpg", "image/jpeg")
    assert resp.status_code == 201
    assert (resp.json()["width"], resp.json()["height"]) == (20, 40)
    assert stored_image(stored_path(app, resp.json())).size == (20, 40)


async def test_animated_gif_keeps_its_frames_but_not_its_comment(
    client: AsyncClient, app: FastAPI, user: Actor
) -> None:
    resp = await upload(client, user, animated_gif(frames=3), "a.gif", "image/gif")
    assert resp.status_code == 201
    stored = Image.open(stored_path(app, resp.json()))
    assert stored.n_frames == 3
    assert "comment" not in stored.info


async def test_text_file_named_png_is_422(client: AsyncClient, user: Actor) -> None:
    resp = await upload(client, user, b"just some text, not an image\n" * 10, "x.png")
    assert resp.status_code == 422
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["type"].endswith("/invalid-image")
    assert "not a PNG, JPEG, WebP or GIF image" in resp.json()["detail"]


async def test_html_declared_as_image_is_422(client: AsyncClient, user: Actor) -> None:
    payload = b"<html><script>alert(document.cookie)</script></html>"
    resp = await upload(client, user, payload, "x.gif", "image/gif")
    assert resp.status_code == 422


async def test_png_named_jpg_is_stored_as_png(
    client: AsyncClient, app: FastAPI, user: Actor
) -> None:
    resp = await upload(client, user, image_bytes("PNG"), "holiday.jpg", "image/jpeg")
    assert resp.status_code == 201
    assert resp.json()["content_type"] == "image/png"
    assert resp.json()["url"].endswith(".png")
    assert Image.open(stored_path(app, resp.json())).format == "PNG"


async def test_truncated_png_is_422(client: AsyncClient, user: Actor) -> None:
    data = image_bytes("PNG", (64, 64))
    resp = await upload(client, user, data[: len(data) // 2])
    assert resp.status_code == 422
    assert "truncated or corrupt" in resp.json()["detail"]


async def test_truncated_jpeg_is_422(client: AsyncClient, user: Actor) -> None:
    data = image_bytes("JPEG", (64, 64))
    resp = await upload(client, user, data[: len(data) // 2], "x.jpg", "image/jpeg")
    assert resp.status_code == 422


@pytest.mark.parametrize("fmt", ["BMP", "TIFF"])
async def test_recognised_but_unsupported_format_is_415(
    client: AsyncClient, user: Actor, fmt: str
) -> None:
    resp = await upload(client, user, image_bytes(fmt), "x.png")
    assert resp.status_code == 415
    assert resp.json()["type"].endswith("/unsupported-image-type")
    assert resp.json()["detail"].startswith(f"{fmt} images are not accepted")


async def test_empty_file_is_422(client: AsyncClient, user: Actor) -> None:
    resp = await upload(client, user, b"")
    assert resp.status_code == 422
    assert resp.json()["detail"] == "the file is empty"


async def test_missing_file_field_is_422(client: AsyncClient, user: Actor) -> None:
    resp = await client.post(
        "/api/media",
        files={"image": ("x.png", image_bytes("PNG"), "image/png")},
        headers=user.headers,
    )
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["loc"] == ["body", "file"]


async def test_json_body_instead_of_multipart_is_422(client: AsyncClient, user: Actor) -> None:
    resp = await client.post("/api/media", json={"file": "aGVsbG8="}, headers=user.headers)
    assert resp.status_code == 422


async def test_pixel_bomb_is_422(client: AsyncClient, user: Actor) -> None:
    # 30000 x 30000 declared in a file of a few dozen bytes: refused before any decoding.
    resp = await upload(client, user, png_declaring_size(30_000, 30_000))
    assert resp.status_code == 422
    assert resp.json()["type"].endswith("/image-too-many-pixels")


async def test_same_image_twice_shares_one_file(
    client: AsyncClient, app: FastAPI, user: Actor, other_user: Actor
) -> None:
    data = image_bytes("PNG")
    first = (await upload(client, user, data)).json()
    second = (await upload(client, other_user, data, "copy.png")).json()
    assert first["id"] != second["id"]
    assert first["url"] == second["url"]
    assert stored_path(app, first).exists()


async def test_uploaded_file_is_served_under_media_url(
    client: AsyncClient, app: FastAPI, user: Actor
) -> None:
    body = (await upload(client, user, image_bytes("WEBP"), "x.webp", "image/webp")).json()
    served = await client.get(body["url"])
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/webp"
    assert served.content == stored_path(app, body).read_bytes()


class TestLimits:
    """Small limits so the tests need no large files."""

    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"max_upload_bytes": 4096, "max_image_pixels": 10_000}

    async def test_file_one_byte_over_the_limit_is_413(
        self, client: AsyncClient, user: Actor
    ) -> None:
        # Below the middleware's limit (upload limit + multipart slack): the route's exact check.
        resp = await upload(client, user, b"\x89PNG" + b"\0" * 4093)
        assert resp.status_code == 413
        assert resp.headers["content-type"] == "application/problem+json"
        assert resp.json()["type"].endswith("/image-too-large")

    async def test_file_at_the_limit_is_read(self, client: AsyncClient, user: Actor) -> None:
        # Exactly 4096 bytes is within the limit, so it is examined (and is not an image).
        resp = await upload(client, user, b"x" * 4096)
        assert resp.status_code == 422

    async def test_body_far_over_the_limit_is_413(self, client: AsyncClient, user: Actor) -> None:
        resp = await upload(client, user, b"\0" * 200_000)
        assert resp.status_code == 413

    async def test_more_pixels_than_configured_is_422(
        self, client: AsyncClient, user: Actor
    ) -> None:
        resp = await upload(client, user, image_bytes("PNG", (101, 100), mode="L"))
        assert resp.status_code == 422
        assert "at most 10000 pixels" in resp.json()["detail"]

    async def test_animation_frames_count_towards_the_pixel_limit(
        self, client: AsyncClient, user: Actor
    ) -> None:
        # 4 frames of 60x60 = 14400 pixels: each frame fits, the animation does not.
        resp = await upload(client, user, animated_gif(frames=4, size=(60, 60)), "a.gif")
        assert resp.status_code == 422
        assert "across all frames" in resp.json()["detail"]


class TestRateLimit:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"rate_limit_enabled": True, "rate_limit_upload": "2/minute"}

    async def test_uploads_over_the_limit_are_429_per_user(
        self, client: AsyncClient, user: Actor, other_user: Actor
    ) -> None:
        for _ in range(2):
            assert (await upload(client, user, image_bytes("PNG"))).status_code == 201
        refused = await upload(client, user, image_bytes("PNG"))
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) > 0
        assert (await upload(client, other_user, image_bytes("PNG"))).status_code == 201
