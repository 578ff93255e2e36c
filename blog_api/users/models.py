"""User accounts."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from tortoise.backends.base.client import BaseDBAsyncClient


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

    # Not a column. The stored role while this request runs with the powers of a plain `user`
    # (`withhold_role`); None otherwise. A class default because the ORM builds rows without
    # calling `__init__`.
    _withheld_role: Role | None = None

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

    def withhold_role(self) -> None:
        """Act as a plain `user` for the rest of this request, without changing the account.

        `role` then says `user`, so every check of the role (dependencies, services, event
        filters) answers as for a plain user; `account_role` and `withheld_role` keep the stored
        one. Used for REQUIRE_2FA_FOR_REVIEWERS (`auth.service.acting_user`).
        """
        if self._withheld_role is None and self.role is not Role.user:
            self._withheld_role, self.role = self.role, Role.user

    @property
    def withheld_role(self) -> Role | None:
        """The stored role whose powers this request does not have (`withhold_role`), or None."""
        return self._withheld_role

    @property
    def account_role(self) -> Role:
        """The role stored for the account, whatever this request may act as."""
        return self._withheld_role or self.role

    async def save(
        self,
        using_db: BaseDBAsyncClient | None = None,
        update_fields: Iterable[str] | None = None,
        force_create: bool = False,
        force_update: bool = False,
    ) -> None:
        """Save; refused for the role of an instance whose role is withheld, which would write
        `user` over the stored role (a demotion nobody asked for): name the fields instead."""
        fields = None if update_fields is None else list(update_fields)  # may be an iterator
        if self._withheld_role is not None and (fields is None or "role" in fields):
            raise RuntimeError(
                f"{self} acts without its {self._withheld_role.value} role in this request; "
                "save it with update_fields that leave out the role"
            )
        await super().save(using_db, fields, force_create, force_update)
