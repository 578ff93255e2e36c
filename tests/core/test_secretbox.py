"""Sealed values: bound to their context, opened by any listed key, sealed by the first."""

from __future__ import annotations

import pytest

from blog_api.core.secretbox import SecretBox, UnreadableSecret

OLD, NEW = "old-key-" + "o" * 40, "new-key-" + "n" * 40
SECRET = bytes(range(20))


def test_a_sealed_value_opens_in_its_context_only() -> None:
    box = SecretBox((OLD,))
    sealed = box.seal(SECRET, context=b"totp:1")
    assert len(sealed) == 64 and SECRET.hex() not in sealed
    assert box.open(sealed, context=b"totp:1") == SECRET
    with pytest.raises(UnreadableSecret):
        box.open(sealed, context=b"totp:2")  # copied into another user's row


def test_sealing_twice_gives_different_values() -> None:
    box = SecretBox((OLD,))
    assert box.seal(SECRET, context=b"c") != box.seal(SECRET, context=b"c")


def test_every_listed_key_opens_and_the_first_seals() -> None:
    sealed_old = SecretBox((OLD,)).seal(SECRET, context=b"c")
    rotating = SecretBox((NEW, OLD))
    assert rotating.open(sealed_old, context=b"c") == SECRET
    assert not rotating.is_current(sealed_old, context=b"c")
    sealed_new = rotating.seal(SECRET, context=b"c")
    assert rotating.is_current(sealed_new, context=b"c")
    assert SecretBox((NEW,)).open(sealed_new, context=b"c") == SECRET
    with pytest.raises(UnreadableSecret):
        SecretBox((NEW,)).open(sealed_old, context=b"c")


@pytest.mark.parametrize("stored", ["", "not base64 !", "A" * 64, "JBSWY3DPEHPK3PXP"])
def test_anything_else_is_unreadable(stored: str) -> None:
    with pytest.raises(UnreadableSecret):
        SecretBox((OLD,)).open(stored, context=b"c")


def test_keys_from_settings_split_on_commas_and_newlines_and_end_with_secret_keys(
    tmp_path: object,
) -> None:
    from blog_api.core.config import Settings
    from blog_api.core.secretbox import secret_box

    settings = Settings(_env_file=None, secret_key="s" * 10 + "ecret-key-1234567890abcdefghij")
    sealed = secret_box(settings).seal(SECRET, context=b"c")  # no keys: SECRET_KEY's key seals
    settings.data_encryption_keys = f"{NEW}\n{OLD}\n"
    box = secret_box(settings)
    assert box.open(sealed, context=b"c") == SECRET  # still opens, after the listed keys
    assert not box.is_current(sealed, context=b"c")
    assert SecretBox((NEW,)).open(box.seal(SECRET, context=b"c"), context=b"c") == SECRET
