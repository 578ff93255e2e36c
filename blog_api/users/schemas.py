"""User schemas: what the API shows of an account and what an admin may change."""

from __future__ import annotations

from datetime import datetime

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from blog_api.users.models import Role


class UserRead(BaseModel):
    """An account as the API shows it (never the password hash)."""

    model_config = ConfigDict(from_attributes=True)

    id: int = Field(examples=[7])
    email: str = Field(examples=["ada@example.com"])
    username: str = Field(examples=["ada"])
    # The account's stored role, also while this request may not use its powers (a reviewer
    # without the two-factor REQUIRE_2FA_FOR_REVIEWERS asks for: `User.withhold_role`), so a
    # client can tell such an account to enrol.
    role: Role = Field(examples=[Role.user], validation_alias=AliasChoices("account_role", "role"))
    is_active: bool = Field(examples=[True])
    email_verified: bool = Field(
        examples=[False], description="The owner followed a verification link sent to `email`."
    )
    totp_enabled: bool = Field(
        examples=[False], description="Login asks for an authenticator code as a second step."
    )
    created_at: datetime


class UserPublic(BaseModel):
    """What other users may see of an author."""

    model_config = ConfigDict(from_attributes=True)

    id: int = Field(examples=[7])
    username: str = Field(examples=["ada"])


class UserAdminUpdate(BaseModel):
    """Fields an admin may change; omitted fields stay as they are."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"role": "admin"}]})

    role: Role | None = None
    is_active: bool | None = Field(default=None, strict=True)  # JSON true/false, not 1 or "yes"
