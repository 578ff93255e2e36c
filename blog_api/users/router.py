"""`/api/users`: account administration (admins only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from blog_api.auth.dependencies import Admin
from blog_api.core.errors import problem_responses
from blog_api.core.pagination import DEFAULT_LIMIT, CursorParam, LimitParam, Page
from blog_api.core.types import IdPath
from blog_api.users import service as users_service
from blog_api.users.models import Role, User
from blog_api.users.schemas import UserAdminUpdate, UserRead

router = APIRouter(prefix="/api/users", tags=["users"])


async def target_user(user_id: IdPath) -> User:
    """The user named in the path, or 404."""
    return await users_service.get_user(user_id)


TargetUser = Annotated[User, Depends(target_user)]


@router.get(
    "",
    response_model=Page[UserRead],
    summary="List users",
    responses=problem_responses(401, 403, 422),
)
async def list_users(
    _admin: Admin,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
    role: Annotated[Role | None, Query(description="Only users with this role.")] = None,
) -> Page[UserRead]:
    """List accounts in id order, paginated by cursor."""
    return await users_service.list_users(limit=limit, cursor=cursor, role=role)


@router.get(
    "/{user_id}",
    response_model=UserRead,
    summary="Get a user",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_user(_admin: Admin, user: TargetUser) -> Any:
    """Return one account."""
    return user


@router.patch(
    "/{user_id}",
    response_model=UserRead,
    summary="Change a user's role or active flag",
    responses=problem_responses(400, 401, 403, 404, 409, 422),
)
async def update_user(admin: Admin, user: TargetUser, body: UserAdminUpdate) -> Any:
    """Change role and/or active flag; a deactivated user's tokens and live streams end at once."""
    return await users_service.update_user(user, body, actor=admin)
