"""Notifications (list, read marks) and stream tickets."""

from __future__ import annotations

from datetime import datetime, timezone

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
    rows = await query.limit(limit + 1)
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
    if n is None:
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
    return int(await query.update(read_at=datetime.now(timezone.utc)))


async def unread_count(user: User) -> int:
    """How many of the user's notifications are unread."""
    return int(await Notification.filter(user_id=user.id, read_at__isnull=True).count())


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
