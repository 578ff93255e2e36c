"""`resolve_owned_images`, the service blogs call to attach images to a post."""

from __future__ import annotations

import pytest
from httpx import AsyncClient

from blog_api.media.service import (
    MAX_IMAGE_IDS,
    ImageNotOwned,
    TooManyImages,
    resolve_owned_images,
)
from tests.conftest import Actor
from tests.media.images import image_bytes


async def upload(client: AsyncClient, actor: Actor, width: int = 8) -> int:
    resp = await client.post(
        "/api/media",
        files={"file": ("x.png", image_bytes("PNG", (width, 8)), "image/png")},
        headers=actor.headers,
    )
    assert resp.status_code == 201, resp.text
    return int(resp.json()["id"])


async def test_returns_own_images_in_given_order_without_duplicates(
    client: AsyncClient, user: Actor
) -> None:
    a, b, c = [await upload(client, user, w) for w in (8, 9, 10)]
    images = await resolve_owned_images([c, a, c, b, a], owner=user.user)
    assert [image.id for image in images] == [c, a, b]


async def test_empty_list_is_empty(client: AsyncClient, user: Actor) -> None:
    assert await resolve_owned_images([], owner=user.user) == []


async def test_someone_elses_image_raises_naming_it(
    client: AsyncClient, user: Actor, other_user: Actor
) -> None:
    mine = await upload(client, user)
    theirs = await upload(client, other_user, 9)
    with pytest.raises(ImageNotOwned) as caught:
        await resolve_owned_images([mine, theirs], owner=user.user)
    assert caught.value.image_ids == [theirs]
    assert caught.value.status == 422
    assert caught.value.code == "image-not-owned"
    assert str(theirs) in caught.value.detail


async def test_admin_cannot_attach_someone_elses_image(
    client: AsyncClient, user: Actor, admin: Actor
) -> None:
    theirs = await upload(client, user)
    with pytest.raises(ImageNotOwned):
        await resolve_owned_images([theirs], owner=admin.user)


async def test_unknown_and_out_of_range_ids_raise(client: AsyncClient, user: Actor) -> None:
    mine = await upload(client, user)
    with pytest.raises(ImageNotOwned) as caught:
        await resolve_owned_images([mine, 999_999, 2**40, 0], owner=user.user)
    assert caught.value.image_ids == [999_999, 2**40, 0]


async def test_more_than_the_maximum_distinct_ids_raises(client: AsyncClient, user: Actor) -> None:
    with pytest.raises(TooManyImages):
        await resolve_owned_images(list(range(1, MAX_IMAGE_IDS + 2)), owner=user.user)


async def test_repeated_ids_count_once_towards_the_maximum(
    client: AsyncClient, user: Actor
) -> None:
    mine = await upload(client, user)
    images = await resolve_owned_images([mine] * (MAX_IMAGE_IDS + 5), owner=user.user)
    assert [image.id for image in images] == [mine]
