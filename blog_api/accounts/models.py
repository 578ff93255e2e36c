"""Single-use account tokens, TOTP secrets and recovery codes."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from blog_api.users.models import User


class TokenPurpose(str, Enum):
    verify_email = "verify_email"
    reset_password = "reset_password"  # noqa: S105 (a purpose, not a password)
    second_factor = "second_factor"


class AccountToken(Model):
    """A single-use token sent to the user (mail) or handed to them (second-factor step).

    Only its SHA-256 digest is stored (the token is 256 random bits: no salt or slow hash
    needed), so a database leak yields no usable link. `used_at` set means spent or superseded.
    """

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="account_tokens", on_delete=fields.CASCADE
    )
    user_id: int
    purpose = fields.CharEnumField(TokenPurpose, max_length=16)
    token_hash = fields.CharField(max_length=64, unique=True)
    # verify_email, reset_password: the address the link was mailed to (a changed address
    # makes it void; a reset link then verifies nothing). Null on reset links issued before.
    email = fields.CharField(max_length=320, null=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    # second_factor: wrong codes entered with it (it dies after MAX_SECOND_FACTOR_ATTEMPTS).
    attempts = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "account_tokens"
        indexes = (("user_id", "purpose"),)


class TotpCredential(Model):
    """A user's TOTP secret (RFC 6238); `confirmed_at` null while enrolment awaits a code.

    `last_step` is the time step of the last accepted code: a code is accepted only for a
    later step, so one seen over a shoulder cannot be replayed within its window.
    """

    id = fields.IntField(primary_key=True)
    user: fields.OneToOneRelation[User] = fields.OneToOneField(
        "models.User", related_name="totp", on_delete=fields.CASCADE
    )
    user_id: int
    # Sealed (core/secretbox.py: 64 characters, bound to the user), or the base32 secret in clear
    # if stored before secrets were sealed (`blog-api reseal-secrets` seals those).
    secret = fields.CharField(max_length=64)
    confirmed_at = fields.DatetimeField(null=True)
    last_step = fields.BigIntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "totp_credentials"


class RecoveryCode(Model):
    """One single-use recovery code, stored as a digest (the code has 50 random bits)."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="recovery_codes", on_delete=fields.CASCADE
    )
    user_id: int
    code_hash = fields.CharField(max_length=64)
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "recovery_codes"
        unique_together = (("user_id", "code_hash"),)


class OidcLogin(Model):
    """One sign-in with an OpenID Connect provider, from start to token exchange.

    Kept on the server (not in a cookie session) so the API stays cookie-free: the `state`
    sent to the provider names this row (stored as a digest), which holds the PKCE verifier and
    the nonce. The SPA that started the sign-in holds `login_binding` (stored as a digest) and
    must present it with the login code: a callback URL planted by someone else (login CSRF)
    cannot be exchanged by the victim's SPA. Each step is single-use (conditional UPDATEs).
    """

    id = fields.IntField(primary_key=True)
    provider = fields.CharField(max_length=32)
    state_hash = fields.CharField(max_length=64, unique=True)
    binding_hash = fields.CharField(max_length=64)
    nonce = fields.CharField(max_length=128)
    code_verifier = fields.CharField(max_length=128)
    redirect_uri = fields.CharField(max_length=2048)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    callback_at = fields.DatetimeField(null=True)
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="oidc_logins", null=True, on_delete=fields.CASCADE
    )
    user_id: int | None
    login_code_hash = fields.CharField(max_length=64, unique=True, null=True)
    exchanged_at = fields.DatetimeField(null=True)

    class Meta:
        table = "oidc_logins"
