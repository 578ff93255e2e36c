"""Auth request and response bodies."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import email_validator
from pydantic import BaseModel, ConfigDict, EmailStr, Field, ValidationInfo, field_validator

PASSWORD_MIN = 12
PASSWORD_MAX = 128
PASSWORD_RULES = (
    f"{PASSWORD_MIN} to {PASSWORD_MAX} characters, with at least one letter (of any script) and at "
    "least one character that is not a letter (digit, symbol or space), at least 5 different "
    "characters, not containing the username, and not one of the 30,000 most common passwords "
    "found in breaches (ignoring case)"
)
USERNAME_PATTERN = r"^[A-Za-z0-9_.-]{3,32}$"
# The letter-and-another-character rule as a pattern, for the document (no NUL either: see
# core/validation.py). An ECMAScript pattern without the `u` flag cannot say "a letter of any
# script", so it says less: something that is not an ASCII digit, symbol or control (a letter
# may be there), and something that is not an ASCII letter (another character may be there).
# Every password the rule accepts matches; the description states the rule exactly. Not
# containing the username, variety and the common-password list need the other fields or more
# than a regular expression: the description says them too.
_MAYBE_LETTER = r"[^\x00-\x40\x5b-\x60\x7b-\x7f]"
_MAYBE_OTHER = r"[^A-Za-z\x00]"
_LETTER_AND_OTHER = rf"^(?=[\s\S]*{_MAYBE_LETTER})(?=[\s\S]*{_MAYBE_OTHER})[^\x00]*$"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords of breach corpora, lower case, as zxcvbn ships them.

    Read from the installed `zxcvbn` package (MIT licence), so the check works offline and the
    list is updated with the package; only its list is used, not its strength estimator.
    """
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def is_common_password(password: str) -> bool:
    """Whether `password`, ignoring case and compatibility forms, is in the common list."""
    return unicodedata.normalize("NFKC", password).casefold() in common_passwords()


def password_problem(password: str, username: str | None) -> str | None:
    """What is wrong with a new password (the first rule it breaks), or None."""
    if not any(ch.isalpha() for ch in password) or all(ch.isalpha() for ch in password):
        # Letters of every script count (`str.isalpha`): Cyrillic, Greek, kana, Arabic...
        return "password needs at least one letter and one digit, symbol or space"
    if username and username.lower() in password.lower():
        return "password must not contain the username"
    if len(set(password)) < 5:
        return "password is too repetitive"
    if is_common_password(password):
        return "password is too common: it is in a list of passwords leaked in breaches"
    return None


def normalise_email(value: str) -> str:
    """Emails are compared case-insensitively: store and look them up in lower case."""
    return value.strip().lower()


def _any_case(word: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" for c in word)


# email-validator refuses special-use domains (RFC 6761: `.test`, `.localhost`...); the
# document says so (case-insensitively, hence the character classes: ECMAScript has no (?i)).
_SPECIAL_USE = "|".join(_any_case(name) for name in email_validator.SPECIAL_USE_DOMAIN_NAMES)
_NO_SPECIAL_USE_DOMAIN = rf"^(?![\s\S]*[@.](?:{_SPECIAL_USE})$)"


class RegisterRequest(BaseModel):
    """A new account; every new account is a `user` (a `role` or any other unknown field is 422)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"email": "ada@example.com", "username": "ada", "password": "correct-horse-42"}
            ]
        },
    )

    email: EmailStr = Field(
        description="Unique, case-insensitive; stored in lower case. Special-use domains "
        "(`.test`, `.localhost`, `.invalid`...) are refused.",
        json_schema_extra={"pattern": _NO_SPECIAL_USE_DOMAIN},
    )
    username: str = Field(
        pattern=USERNAME_PATTERN,
        description="3-32 letters, digits, `_`, `.` or `-`; unique, case-insensitive.",
    )
    password: str = Field(
        min_length=PASSWORD_MIN,
        max_length=PASSWORD_MAX,
        description=f"Password: {PASSWORD_RULES}.",
        json_schema_extra={"pattern": _LETTER_AND_OTHER},
    )

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return normalise_email(value)

    @field_validator("password")
    @classmethod
    def _strength(cls, pw: str, info: ValidationInfo) -> str:
        # A field validator (not a model one) so the problem points at `password`; `username`
        # is declared first, so it is already validated here (absent if it was invalid).
        problem = password_problem(pw, info.data.get("username"))
        if problem:
            raise ValueError(problem)
        return pw


class LoginRequest(BaseModel):
    """JSON login; the OAuth2 form (`username` = email) is accepted too."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"email": "ada@example.com", "password": "correct-horse-42"}]
        },
    )

    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=PASSWORD_MAX)


class RefreshRequest(BaseModel):
    """A refresh token from a previous login or refresh."""

    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=16, max_length=256)


class TokenPair(BaseModel):
    """Tokens issued on login and refresh."""

    access_token: str = Field(description="JWT, send as `Authorization: Bearer <token>`.")
    token_type: str = Field(default="bearer", examples=["bearer"])
    expires_in: int = Field(description="Access token lifetime in seconds.", examples=[900])
    refresh_token: str = Field(description="Single-use; exchange at /api/auth/refresh.")
    refresh_expires_in: int = Field(examples=[1209600])
