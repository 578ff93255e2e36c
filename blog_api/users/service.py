"""User administration: listing accounts, changing roles and the active flag."""

from __future__ import annotations

from datetime import datetime, timezone

from blog_api.auth.models import RefreshToken
from blog_api.core.db import transaction
from blog_api.core.errors import Conflict, NotFound
from blog_api.core.pagination import Page, decode_cursor, encode_cursor
from blog_api.realtime.events import audience_for, record_event
from blog_api.users.models import Role, User
from blog_api.users.schemas import UserAdminUpdate, UserRead


class UserNotFound(NotFound):
    code, title = "user-not-found", "User not found"


async def get_user(user_id: int) -> User:
    """The user with this id, or `UserNotFound`."""
    user = await User.get_or_none(id=user_id)
    if user is None:
        raise UserNotFound(f"user {user_id} does not exist")
    return user


async def list_users(*, limit: int, cursor: str | None, role: Role | None = None) -> Page[UserRead]:
    """Users in id order, one page at a time."""
    query = User.all().order_by("id")
    if role is not None:
        query = query.filter(role=role)
    if cursor:
        query = query.filter(id__gt=int(decode_cursor(cursor, ("id",))["id"]))
    rows = await query.limit(limit + 1)
    items = [UserRead.model_validate(u) for u in rows[:limit]]
    next_cursor = encode_cursor({"id": rows[limit - 1].id}) if len(rows) > limit else None
    return Page[UserRead](items=items, next_cursor=next_cursor)


async def update_user(target: User, changes: UserAdminUpdate, *, actor: User) -> User:
    """Change role and/or active flag; deactivation also revokes every refresh token."""
    if target.id == actor.id and (
        (changes.role is not None and changes.role != actor.role) or changes.is_active is False
    ):
        raise Conflict("admins cannot demote or deactivate themselves; ask another admin")
    async with transaction() as conn:
        old_role, was_active = target.role, target.is_active
        if changes.role is not None:
            target.role = changes.role
        if changes.is_active is not None:
            target.is_active = changes.is_active
        await target.save(using_db=conn)
        if changes.is_active is False:
            await (
                RefreshToken.filter(user_id=target.id, revoked_at=None)
                .using_db(conn)
                .update(revoked_at=datetime.now(timezone.utc))
            )
        if changes.role is not None and changes.role != old_role:
            await record_event(
                "user.role_changed",
                subject_kind="user",
                subject_id=target.id,
                actor_id=actor.id,
                audience=audience_for(roles=[Role.admin.value], user_ids=[target.id]),
                data={"old_role": old_role.value, "new_role": target.role.value},
                using_db=conn,
            )
        if was_active and not target.is_active:
            # Ends that user's open SSE streams and WebSockets on every worker.
            await record_event(
                "user.deactivated",
                subject_kind="user",
                subject_id=target.id,
                actor_id=actor.id,
                audience=audience_for(roles=[Role.admin.value], user_ids=[target.id]),
                using_db=conn,
            )
    return target
