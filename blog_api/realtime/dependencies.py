"""Dependencies of the real-time routes, also meant for the WebSocket endpoints.

- `RealtimeDep`, `HubDep`, `TicketsDep`, `SseSlotsDep`: the running app's services.
- `authenticate_ticket(tickets, ticket, purpose=..., settings=...)`: the credential a ticket was
  issued for, its user with the powers they may use (for a WebSocket handler, which has no
  `Request`: pass `websocket.app.state.realtime.tickets` and `websocket.app.state.settings`).
- `spend_ticket(tickets, ticket, purpose=...)`: spend a ticket sent beside a bearer token.
- `SseCaller`: the caller of the SSE stream, by `Authorization: Bearer` or `?ticket=`, with the
  expiry and login of the credential (the stream ends with them).
- `LastEventId`: `Last-Event-ID` header or `?last_event_id=`, validated.
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import Depends, Header, Query, Request

from blog_api.auth import service as auth_service
from blog_api.auth.dependencies import Credential, credential_from_access_token, oauth2_scheme
from blog_api.core import requestid
from blog_api.core.config import Settings
from blog_api.core.errors import ServiceUnavailable, Unauthorized, UnprocessableEntity
from blog_api.realtime.bus import BusUnavailable, is_valid_id, normalize_id
from blog_api.realtime.hub import Hub
from blog_api.realtime.runtime import Realtime
from blog_api.realtime.slots import SlotStore
from blog_api.realtime.tickets import Purpose, TicketStore


class InvalidEventId(UnprocessableEntity):
    code, title = "invalid-event-id", "Invalid event id"


async def get_realtime(request: Request) -> Realtime:
    """The real-time services of the running app."""
    rt: Realtime = request.app.state.realtime
    return rt


RealtimeDep = Annotated[Realtime, Depends(get_realtime)]


async def get_hub(rt: RealtimeDep) -> Hub:
    return rt.hub


async def get_tickets(rt: RealtimeDep) -> TicketStore:
    return rt.tickets


async def get_sse_slots(rt: RealtimeDep) -> SlotStore:
    return rt.sse_slots


HubDep = Annotated[Hub, Depends(get_hub)]
TicketsDep = Annotated[TicketStore, Depends(get_tickets)]
SseSlotsDep = Annotated[SlotStore, Depends(get_sse_slots)]


async def authenticate_ticket(
    tickets: TicketStore, ticket: str, *, purpose: Purpose, settings: Settings
) -> Credential:
    """Redeem a ticket (spending it) and load its user: 401 if unusable (also when the login
    that asked for it has since been revoked), 503 if Redis is down.

    The user comes with the powers they may use now (`auth_service.acting_user`), as with a
    bearer token: the ticket carries no role.
    """
    try:
        grant = await tickets.redeem(ticket, purpose=purpose)
    except BusUnavailable as exc:
        raise ServiceUnavailable("real-time service unavailable; retry shortly") from exc
    if grant is None:
        raise Unauthorized(f"ticket is invalid, expired, already used or not for {purpose}")
    user, revoked = await auth_service.user_of_session(grant.user_id, grant.session_id)
    if user is None or not user.is_active:
        raise Unauthorized("account is not active")
    if revoked:
        raise Unauthorized("the login this ticket was issued to has ended; log in again")
    # A ticket issued before tickets carried `exp` (an upgrade in between): the stream ends as
    # if the ticket's own lifetime were the token's, and the client fetches a new ticket.
    expires_at = grant.expires_at or int(time.time()) + tickets.ttl_seconds
    auth_service.acting_user(user, settings)
    return Credential(user=user, expires_at=expires_at, session_id=grant.session_id)


async def spend_ticket(tickets: TicketStore, ticket: str, *, purpose: Purpose) -> None:
    """Spend a ticket sent beside a bearer token (which authenticates); 503 if Redis is down.

    Failing closed: a ticket is never left usable behind a request that carried it.
    """
    try:
        await tickets.redeem(ticket, purpose=purpose)
    except BusUnavailable as exc:
        raise ServiceUnavailable("real-time service unavailable; retry shortly") from exc


async def get_sse_user(
    request: Request,
    tickets: TicketsDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
    ticket: Annotated[
        str | None,
        Query(
            max_length=128,
            description="Single-use ticket from `POST /api/notifications/ticket` (purpose `sse`),"
            " for clients that cannot send `Authorization` (browser EventSource).",
        ),
    ] = None,
) -> Credential:
    """The stream's caller: a bearer token wins; otherwise a ticket; otherwise 401.

    A ticket sent beside a bearer token is spent all the same: single use means the first
    request that carries it, whatever else that request carries (a URL with a live ticket ends up
    in logs and history).
    """
    settings: Settings = request.app.state.settings
    if token:
        if ticket:
            await spend_ticket(tickets, ticket, purpose="sse")
        caller = await credential_from_access_token(
            token, request.app.state.tokens, settings=settings
        )
    elif ticket:
        caller = await authenticate_ticket(tickets, ticket, purpose="sse", settings=settings)
    else:
        raise Unauthorized("send 'Authorization: Bearer <token>' or '?ticket=<ticket>'")
    requestid.set_current_user_id(caller.user.id)
    return caller


SseCaller = Annotated[Credential, Depends(get_sse_user)]


# What `is_valid_id` accepts, for the document (empty: start from now).
STREAM_ID_PATTERN = r"^([0-9]{1,20}(-[0-9]{1,20})?)?$"


async def get_last_event_id(
    header: Annotated[
        str | None,
        Header(
            alias="Last-Event-ID",
            description="Id of the last event received (resume).",
            json_schema_extra={"pattern": STREAM_ID_PATTERN},
        ),
    ] = None,
    query: Annotated[
        str | None,
        Query(
            alias="last_event_id",
            max_length=64,
            description="Same as the `Last-Event-ID` header, for clients that cannot set it.",
            json_schema_extra={"pattern": STREAM_ID_PATTERN},
        ),
    ] = None,
) -> str | None:
    """Where to resume; the header (sent by EventSource on reconnect) wins over the query."""
    value = (header or query or "").strip()
    if not value:
        return None
    if not is_valid_id(value):
        raise InvalidEventId(
            f"last event id {value[:64]!r} is not a stream id like 1732450000000-0"
        )
    return normalize_id(value)


LastEventId = Annotated[str | None, Depends(get_last_event_id)]
