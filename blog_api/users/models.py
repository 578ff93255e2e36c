"""User accounts."""

from __future__ import annotations

from enum import Enum

from tortoise import fields
from tortoise.models import Model


class Role(str, Enum):
    user = "user"
    l1_approver = "l1_approver"
    admin = "admin"


REVIEWER_ROLES = (Role.l1_approver, Role.admin)


class User(Model):
    """An account; `email` is stored normalised (lower case) so uniqueness is case-insensitive."""

    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=320, unique=True)
    username = fields.CharField(max_length=32, unique=True)
    password_hash = fields.CharField(max_length=255)
    role = fields.CharEnumField(Role, max_length=16, default=Role.user)
    is_active = fields.BooleanField(default=True)
    # Set when the owner proved they read mail at `email` (a verification link, a password
    # reset); cleared when the address changes.
    email_verified_at = fields.DatetimeField(null=True)
    # TOTP second factor confirmed (accounts/twofactor.py); login then takes two steps.
    totp_enabled = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "users"

    def __str__(self) -> str:
        return f"User({self.id}, {self.username})"

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_reviewer(self) -> bool:
        return self.role in REVIEWER_ROLES
