"""Shared parameter types."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Path
from pydantic import BeforeValidator, Field, Strict

# Ids are 32-bit in the database; bounding them here turns an absurd id into a 422, not a 500.
MAX_ID = 2_147_483_647
IdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Numeric id.")]


# `str.isdigit()` is true for "²" (which `int()` then refuses) and `int()` reads Arabic-Indic,
# fullwidth and other Unicode digits, signs, spaces and underscores: `int("٢") == 2`. An id or a
# number taken from an untrusted string (token subject, header, path piece) is ASCII digits only.
_ASCII_DIGITS = re.compile(r"[0-9]+")


def ascii_int(text: str, *, max_digits: int = 20) -> int | None:
    """The value of `text` if it is 1 to `max_digits` ASCII digits, else None."""
    if len(text) > max_digits or not _ASCII_DIGITS.fullmatch(text):
        return None
    return int(text)


def integral_number(value: object) -> object:
    # JSON Schema, and so the OpenAPI document, counts 7.0 as an integer; a client that goes
    # through floats (JavaScript, or a generator) sends it. True and "7" stay refused (strict).
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# An integer in a JSON body is a JSON number without a fraction (7 or 7.0), never a bool or a
# string (pydantic's lax mode would read `true` as 1 and `"7"` as 7). Bounds go before the
# BeforeValidator so the document shows them as minimum/maximum:
#     Annotated[int, Strict(), Field(ge=0, le=MAX_ID), BeforeValidator(integral_number)]
JsonId = Annotated[int, Strict(), Field(ge=1, le=MAX_ID), BeforeValidator(integral_number)]
"""A row id in a JSON body."""


# Unicode White_Space: what pydantic's `strip_whitespace` removes. Spelled out because `\s`
# means different sets in Python's and ECMAScript's regexes (OpenAPI patterns are ECMAScript).
_WHITESPACE = r"\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_CONTROL = r"\x00-\x1f\x7f-\x9f"


# --- visible single-line text (titles) ---------------------------------------------------------
# Bidi embedding, override and isolate controls (LRE RLE PDF LRO RLO, LRI RLI FSI PDI) reorder
# the text around them where it is shown: "Invoice \u202egnp.exe" displays as "Invoice exe.png".
# Titles refuse them rather than strip them, so what is stored is what the author sent and the
# author learns why. The marks LRM, RLM and ALM (U+200E, U+200F, U+061C) only mark a direction,
# reorder nothing beyond themselves, and right-to-left writers use them: they are allowed.
_BIDI_CONTROLS = r"\u202a-\u202e\u2066-\u2069"
_BIDI = re.compile(f"[{_BIDI_CONTROLS}]")
BIDI_MESSAGE = (
    "must not contain bidirectional embedding, override or isolate controls "
    "(U+202A-U+202E, U+2066-U+2069)"
)
# What renders as nothing: Unicode's Default_Ignorable_Code_Point set (zero-width characters,
# joiners, BOM, soft hyphen, Hangul fillers, variation selectors, tag characters...), White_Space,
# control characters, and the braille blank that people use as an "invisible" letter. In the
# BMP, spelled out as a character class for the OpenAPI pattern; then the astral ones.
_INVISIBLE_BMP = (
    _WHITESPACE
    + _CONTROL
    + r"\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
    + r"\u202a-\u202e\u2060-\u206f\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8"
)
_INVISIBLE = re.compile(
    rf"[{_INVISIBLE_BMP}\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)
VISIBLE_MESSAGE = "must contain at least one visible character"


def visible_line(value: str) -> str:
    """AfterValidator of a title: something visible, and no bidi embedding/override/isolate."""
    if _BIDI.search(value):
        raise ValueError(BIDI_MESSAGE)
    if not _INVISIBLE.sub("", value):
        raise ValueError(VISIBLE_MESSAGE)
    return value


def stripped_text(
    *, max_stripped: int, min_stripped: int = 1, controls: bool = True, visible: bool = False
) -> Callable[[dict[str, Any]], None]:
    """`json_schema_extra` of a text field that pydantic strips before checking its length.

    The document then states the lengths of the stripped text in a pattern instead of
    minLength/maxLength, which count the surrounding whitespace: at least `min_stripped` and at
    most `max_stripped` characters once it is removed, no NUL (core/validation.py) and, with
    `controls=False`, no control character inside. `visible=True` documents `visible_line`: no
    bidi control, and at least one character that is not invisible (astral invisible characters
    are left out: an ECMAScript pattern without the `u` flag cannot name them, so the document
    is slightly looser than the rule there). Documentation only: validators are the rule.
    """
    forbidden = r"\x00" if controls else _CONTROL
    if visible:
        forbidden += _BIDI_CONTROLS
    char, solid, space = f"[^{forbidden}]", f"[^{forbidden}{_WHITESPACE}]", f"[{_WHITESPACE}]"
    if min_stripped <= 1:
        inner = f"{solid}(?:{char}{{0,{max_stripped - 2}}}{solid})?"
    else:
        inner = f"{solid}{char}{{{min_stripped - 2},{max_stripped - 2}}}{solid}"
    pattern = f"^{space}*{inner}{space}*$"
    if visible:
        pattern = f"^(?=[\\s\\S]*[^{_INVISIBLE_BMP}]){pattern[1:]}"

    def extra(schema: dict[str, Any]) -> None:
        schema.pop("minLength", None)
        schema.pop("maxLength", None)
        schema["pattern"] = pattern

    return extra
