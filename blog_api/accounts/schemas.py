"""Request and response bodies of the account flows."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from blog_api.auth.schemas import (
    _LETTER_AND_OTHER,
    _NO_SPECIAL_USE_DOMAIN,
    PASSWORD_MAX,
    PASSWORD_MIN,
    PASSWORD_RULES,
    normalise_email,
)

TOKEN_FIELD = Field(
    min_length=16, max_length=256, description="The token from the link in the mail."
)
# A TOTP code (6 digits) or a recovery code (`xxxxx-xxxxx`, letters and digits).
CODE_FIELD = Field(
    min_length=6,
    max_length=16,
    pattern=r"^[A-Za-z0-9 -]+$",
    description="Six digits from the authenticator app, or one of the recovery codes.",
    examples=["123456"],
)


class TokenBody(BaseModel):
    """A single-use token from a mail."""

    model_config = ConfigDict(extra="forbid")

    token: str = TOKEN_FIELD


class EmailChange(BaseModel):
    """A new address for the current account; the current password confirms it is the owner."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"email": "ada@example.org", "password": "correct-horse-42"}]
        },
    )

    email: EmailStr = Field(
        description="The new address (unique, case-insensitive); it must be verified again.",
        json_schema_extra={"pattern": _NO_SPECIAL_USE_DOMAIN},
    )
    password: str = Field(min_length=1, max_length=PASSWORD_MAX)

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return normalise_email(value)


class PasswordForgotten(BaseModel):
    """The address of the account whose password is forgotten."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"email": "ada@example.com"}]}
    )

    email: str = Field(min_length=3, max_length=320)


class PasswordReset(BaseModel):
    """The token from the reset mail and the new password."""

    model_config = ConfigDict(extra="forbid")

    token: str = TOKEN_FIELD
    password: str = Field(
        min_length=PASSWORD_MIN,
        max_length=PASSWORD_MAX,
        description=f"New password: {PASSWORD_RULES}.",
        json_schema_extra={"pattern": _LETTER_AND_OTHER},
    )


class Accepted(BaseModel):
    """The request was taken; what follows happens by mail."""

    detail: str = Field(examples=["if an account uses this address, a mail is on its way"])


class TotpEnrolment(BaseModel):
    """A new TOTP secret, not active until confirmed with a code."""

    secret: str = Field(
        description="Base32 secret, for typing into an authenticator app.",
        examples=["JBSWY3DPEHPK3PXP"],
    )
    otpauth_uri: str = Field(
        description="`otpauth://totp/...` URI; show it as a QR code.",
        examples=[
            "otpauth://totp/blog_api:ada%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=blog_api"
        ],
    )


class CodeBody(BaseModel):
    """A second-factor code."""

    model_config = ConfigDict(extra="forbid")

    code: str = CODE_FIELD


class RecoveryCodes(BaseModel):
    """Ten single-use recovery codes, shown once: each replaces one authenticator code."""

    recovery_codes: list[str] = Field(min_length=10, max_length=10, examples=[["k3x9p-2mq7w"] * 10])


SecondFactorMethod = Literal["totp", "recovery_code"]


def _both_methods() -> list[SecondFactorMethod]:
    return ["totp", "recovery_code"]


class SecondFactorChallenge(BaseModel):
    """Password accepted; the account has two-factor on, so a code is needed to finish."""

    second_factor_required: Literal[True] = True
    second_factor_token: str = Field(
        description="Short-lived, single-use; send it with the code to "
        "`/api/auth/login/second-factor`."
    )
    expires_in: int = Field(examples=[300], description="Seconds the token stays valid.")
    methods: list[SecondFactorMethod] = Field(default_factory=_both_methods)


class SecondFactorLogin(BaseModel):
    """The second step of a login."""

    model_config = ConfigDict(extra="forbid")

    second_factor_token: str = Field(min_length=16, max_length=256)
    code: str = CODE_FIELD


class OidcProviderRead(BaseModel):
    """An OpenID Connect provider users may sign in with."""

    name: str = Field(examples=["google"])
    label: str = Field(examples=["Google"])


class OidcStart(BaseModel):
    """Where to send the browser, and the secret the SPA keeps until the exchange."""

    authorization_url: str = Field(
        description="Navigate the browser here (the provider's sign-in page).",
        examples=["https://accounts.example.com/authorize?response_type=code&client_id=..."],
    )
    login_binding: str = Field(
        description="Keep it (e.g. in sessionStorage) and send it with the login code: it binds "
        "the sign-in to this SPA instance, so a planted callback URL cannot log you in as "
        "someone else."
    )
    expires_in: int = Field(examples=[600], description="Seconds the sign-in may take.")


class OidcExchange(BaseModel):
    """The login code from `<FRONTEND_URL>/oidc/callback#login_code=...` and the binding."""

    model_config = ConfigDict(extra="forbid")

    login_code: str = Field(min_length=16, max_length=256)
    login_binding: str = Field(min_length=16, max_length=256)
