"""Notifications (list, read marks) and stream tickets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timezone

from tortoise.queryset import QuerySet

from blog_api.core.errors import NotFound, ServiceUnavailable
from blog_api.core.pagination import InvalidCursor, Page, decode_cursor, encode_cursor
from blog_api.realtime.bus import BusUnavailable
from blog_api.realtime.events import Subject
from blog_api.realtime.models import Notification
from blog_api.realtime.schemas import NotificationRead, TicketRead
from blog_api.realtime.tickets import Purpose, TicketStore
from blog_api.users.models import User


class NotificationNotFound(NotFound):
    code, title = "notification-not-found", "Notification not found"


def to_read(n: Notification) -> NotificationRead:
    """The API shape of a notification whose `event` is loaded."""
    event = n.event
    return NotificationRead(
        id=n.id,
        event_id=event.stream_id,
        type=event.type,
        occurred_at=event.occurred_at,
        actor_id=event.actor_id,
        subject=Subject(kind=event.subject_kind, id=event.subject_id),
        data=event.data,
        read=n.read_at is not None,
        read_at=n.read_at,
        created_at=n.created_at,
    )


# --- a caller acting below their account's role -----------------------------------------------
#
# Notifications are written per user when the event is recorded, for the members of its roles
# too. A caller acting as a plain user although their account has a reviewer role
# (`User.withhold_role`: REQUIRE_2FA_FOR_REVIEWERS, two-factor off) sees only those addressed to
# them personally, as their live stream does; the rest (the review queue, admin notices) show
# again once they may use the role. Such callers are few and the audience is JSON, so they are
# filtered here, in batches, rather than in SQL.

_SCAN_BATCH = 200


def _shown(n: Notification, user: User) -> bool:
    """Whether `user` may see `n` (its `event` loaded) with the powers of this request."""
    if user.withheld_role is None:
        return True
    audience = n.event.audience
    return user.id in audience.get("user_ids", ()) or user.role.value in audience.get("roles", ())


async def _shown_batches(
    query: QuerySet[Notification], user: User
) -> AsyncIterator[list[Notification]]:
    """The rows of `query` (newest first, `event` loaded) that `user` may see, batch by batch."""
    while True:
        batch = await query.limit(_SCAN_BATCH)
        yield [n for n in batch if _shown(n, user)]
        if len(batch) < _SCAN_BATCH:
            return
        query = query.filter(id__lt=batch[-1].id)


async def list_notifications(
    user: User, *, limit: int, cursor: str | None, unread_only: bool = False
) -> Page[NotificationRead]:
    """The user's notifications, newest first, one page at a time."""
    query = Notification.filter(user_id=user.id).select_related("event").order_by("-id")
    if unread_only:
        query = query.filter(read_at__isnull=True)
    if cursor:
        before = decode_cursor(cursor, ("id",))["id"]
        if not isinstance(before, int):
            raise InvalidCursor("cursor is not one this API issued")
        query = query.filter(id__lt=before)
    if user.withheld_role is None:
        rows = await query.limit(limit + 1)
    else:
        rows = []
        async for shown in _shown_batches(query, user):
            rows += shown
            if len(rows) > limit:
                break
    items = [to_read(n) for n in rows[:limit]]
    next_cursor = encode_cursor({"id": rows[limit - 1].id}) if len(rows) > limit else None
    return Page[NotificationRead](items=items, next_cursor=next_cursor)


async def get_notification(user: User, notification_id: int) -> Notification:
    """The user's notification; someone else's is reported as missing, not forbidden."""
    n = (
        await Notification.filter(id=notification_id, user_id=user.id)
        .select_related("event")
        .first()
    )
    if n is None or not _shown(n, user):
        raise NotificationNotFound(f"notification {notification_id} does not exist")
    return n


async def set_read(n: Notification, *, read: bool) -> Notification:
    """Mark read (keeping the first read time) or unread."""
    if read and n.read_at is None:
        n.read_at = datetime.now(timezone.utc)
    elif not read:
        n.read_at = None
    await n.save(update_fields=["read_at"])
    return n


async def mark_all_read(user: User, *, up_to_id: int | None) -> int:
    """Mark the user's unread notifications read (those up to `up_to_id`); return the count."""
    query = Notification.filter(user_id=user.id, read_at__isnull=True)
    if up_to_id is not None:
        query = query.filter(id__lte=up_to_id)
    now = datetime.now(timezone.utc)
    if user.withheld_role is None:
        return int(await query.update(read_at=now))
    updated = 0
    async for shown in _shown_batches(query.select_related("event").order_by("-id"), user):
        if shown:
            ids = [n.id for n in shown]
            updated += int(await Notification.filter(id__in=ids).update(read_at=now))
    return updated


async def unread_count(user: User) -> int:
    """How many of the user's notifications are unread."""
    query = Notification.filter(user_id=user.id, read_at__isnull=True)
    if user.withheld_role is None:
        return int(await query.count())
    unread = 0
    async for shown in _shown_batches(query.select_related("event").order_by("-id"), user):
        unread += len(shown)
    return unread


async def issue_ticket(
    tickets: TicketStore,
    *,
    user: User,
    purpose: Purpose,
    expires_at: int | None = None,
    session_id: str | None = None,
) -> TicketRead:
    """A single-use stream ticket for `user`, carrying the expiry and login of the access
    token that asked for it (the stream ends with them); 503 if the ticket store is down."""
    try:
        ticket = await tickets.issue(
            user_id=user.id, purpose=purpose, expires_at=expires_at, session_id=session_id
        )
    except BusUnavailable as exc:
        raise ServiceUnavailable("real-time service unavailable; retry shortly") from exc
    return TicketRead(ticket=ticket, purpose=purpose, expires_in=tickets.ttl_seconds)
