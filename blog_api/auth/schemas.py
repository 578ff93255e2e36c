"""Auth request and response bodies."""

from __future__ import annotations

import re

import email_validator
from pydantic import BaseModel, ConfigDict, EmailStr, Field, ValidationInfo, field_validator

PASSWORD_MIN = 12
PASSWORD_MAX = 128
PASSWORD_RULES = (
    f"{PASSWORD_MIN} to {PASSWORD_MAX} characters, with at least one letter and at least one "
    "digit or symbol, at least 5 different characters, and not containing the username"
)
USERNAME_PATTERN = r"^[A-Za-z0-9_.-]{3,32}$"
# The letter-and-another-character rule as a pattern, for the document (no NUL either: see
# core/validation.py). Not containing the username, and variety, need the other fields or more
# than a regular expression: the description says them.
_LETTER_AND_OTHER = (
    r"^[^\x00]*(?:[A-Za-z][^\x00]*[^A-Za-z\x00]|[^A-Za-z\x00][^\x00]*[A-Za-z])[^\x00]*$"
)


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
        if not re.search(r"[A-Za-z]", pw) or not re.search(r"[^A-Za-z]", pw):
            raise ValueError("password needs at least one letter and one digit or symbol")
        username = info.data.get("username")
        if username and username.lower() in pw.lower():
            raise ValueError("password must not contain the username")
        if len(set(pw)) < 5:
            raise ValueError("password is too repetitive")
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
