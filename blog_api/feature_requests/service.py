"""Feature requests: listing, creation with a near-duplicate check, edits by role, votes.

Near-duplicates: a title is normalised (Unicode NFKC, lower case, every character that is not a
letter or digit removed, so "Dark-mode!" and "dark mode" are equal) and compared with the
author's own open (pending or accepted) requests; equal normalised titles, or a
`difflib.SequenceMatcher` ratio of at least `DUPLICATE_RATIO` (0.9), are a 409 naming the
existing request. Other authors' requests are not checked: voting is how they agree. Two
identical requests sent at the same instant can both pass (there is no lock per author); the
rate limit on creation keeps that harmless.
"""

from __future__ import annotations

import difflib
import unicodedata
from datetime import datetime, timezone
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q

from blog_api.core.db import transaction
from blog_api.core.errors import Conflict, Forbidden, NotFound
from blog_api.core.pagination import InvalidCursor, Page, decode_cursor, encode_cursor
from blog_api.feature_requests.models import (
    OPEN_STATUSES,
    PRIORITY_RANK,
    FeatureRequest,
    FeatureRequestStatus,
    FeatureRequestVote,
)
from blog_api.feature_requests.schemas import (
    ADMIN_FIELDS,
    AUTHOR_FIELDS,
    FeatureRequestCreate,
    FeatureRequestRead,
    FeatureRequestSort,
    FeatureRequestUpdate,
)
from blog_api.realtime.events import audience_for, record_event
from blog_api.users.models import Role, User
from blog_api.users.schemas import UserPublic

DUPLICATE_RATIO = 0.9

# Sort keys, all descending; the last one is always the unique id.
_SORT_KEYS: dict[FeatureRequestSort, tuple[str, ...]] = {
    FeatureRequestSort.newest: ("id",),
    FeatureRequestSort.votes: ("vote_count", "id"),
    FeatureRequestSort.priority: ("priority_rank", "vote_count", "id"),
}


class FeatureRequestNotFound(NotFound):
    code, title = "feature-request-not-found", "Feature request not found"


class DuplicateFeatureRequest(Conflict):
    code, title = "duplicate-feature-request", "Duplicate feature request"


class FeatureRequestNotEditable(Conflict):
    code, title = "feature-request-not-editable", "Feature request not editable"


class FeatureRequestClosed(Conflict):
    code, title = "feature-request-closed", "Feature request closed"


def normalise_title(title: str) -> str:
    """The comparable form of a title: NFKC, lower case, letters and digits only."""
    folded = unicodedata.normalize("NFKC", title).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


def is_near_duplicate(a: str, b: str) -> bool:
    """Whether two titles name the same request (see the module docstring)."""
    na, nb = normalise_title(a), normalise_title(b)
    if na == nb:
        return True
    return difflib.SequenceMatcher(None, na, nb).ratio() >= DUPLICATE_RATIO


async def _refuse_duplicate(author_id: int, title: str, *, exclude_id: int | None = None) -> None:
    query = FeatureRequest.filter(author_id=author_id, status__in=list(OPEN_STATUSES))
    if exclude_id is not None:
        query = query.exclude(id=exclude_id)
    for other_id, other_title in await query.values_list("id", "title"):
        if is_near_duplicate(title, other_title):
            raise DuplicateFeatureRequest(
                f"you already asked for this in feature request {other_id} ({other_title!r}); "
                "edit that one instead"
            )


async def get_request(request_id: int) -> FeatureRequest:
    """The request with this id (author loaded), or `FeatureRequestNotFound`."""
    fr = await FeatureRequest.get_or_none(id=request_id).select_related("author")
    if fr is None:
        raise FeatureRequestNotFound(f"feature request {request_id} does not exist")
    return fr


def _read(fr: FeatureRequest, *, voted: bool) -> FeatureRequestRead:
    return FeatureRequestRead(
        id=fr.id,
        title=fr.title,
        description=fr.description,
        status=fr.status,
        priority=fr.priority,
        response=fr.response,
        author=UserPublic.model_validate(fr.author),
        vote_count=fr.vote_count,
        voted=voted,
        created_at=fr.created_at,
        updated_at=fr.updated_at,
        status_changed_at=fr.status_changed_at,
    )


async def read(fr: FeatureRequest, *, viewer: User) -> FeatureRequestRead:
    """The API view of one request for `viewer`."""
    voted = await FeatureRequestVote.exists(request_id=fr.id, user_id=viewer.id)
    return _read(fr, voted=voted)


def _after_cursor(keys: tuple[str, ...], values: dict[str, Any]) -> Q:
    """Rows strictly after the cursor row in descending order of `keys` (keyset pagination)."""
    condition: Q | None = None
    for i, key in enumerate(keys):
        step = Q(**{f"{key}__lt": values[key]})
        for earlier in keys[:i]:
            step &= Q(**{earlier: values[earlier]})
        condition = step if condition is None else condition | step
    assert condition is not None
    return condition


async def list_requests(
    *,
    viewer: User,
    limit: int,
    cursor: str | None,
    sort: FeatureRequestSort,
    status: FeatureRequestStatus | None = None,
) -> Page[FeatureRequestRead]:
    """One page of requests in the chosen order.

    Vote counts move while someone pages through the `votes` order, so a request whose count
    changed may appear twice or be skipped; the `newest` order is stable.
    """
    keys = _SORT_KEYS[sort]
    query = FeatureRequest.all().select_related("author").order_by(*(f"-{k}" for k in keys))
    if status is not None:
        query = query.filter(status=status)
    if cursor:
        values = decode_cursor(cursor, keys)
        if not all(isinstance(values[k], int) for k in keys):
            raise InvalidCursor("cursor is not one this API issued")
        query = query.filter(_after_cursor(keys, values))
    rows = await query.limit(limit + 1)
    page = rows[:limit]
    voted_ids = set(
        await FeatureRequestVote.filter(
            user_id=viewer.id, request_id__in=[fr.id for fr in page]
        ).values_list("request_id", flat=True)
    )
    items = [_read(fr, voted=fr.id in voted_ids) for fr in page]
    next_cursor = None
    if len(rows) > limit:
        last = page[-1]
        next_cursor = encode_cursor({k: getattr(last, k) for k in keys})
    return Page[FeatureRequestRead](items=items, next_cursor=next_cursor)


async def create_request(data: FeatureRequestCreate, *, author: User) -> FeatureRequest:
    """Create a pending request and tell the admins."""
    await _refuse_duplicate(author.id, data.title)
    async with transaction() as conn:
        fr = await FeatureRequest.create(
            title=data.title, description=data.description, author=author, using_db=conn
        )
        await record_event(
            "feature_request.created",
            subject_kind="feature_request",
            subject_id=fr.id,
            actor_id=author.id,
            audience=audience_for(roles=[Role.admin.value]),
            data={"title": fr.title, "status": fr.status.value},
            using_db=conn,
        )
    return await get_request(fr.id)


def check_may_edit(fr: FeatureRequest, changes: FeatureRequestUpdate, *, actor: User) -> None:
    """403 unless every field sent is one this actor may change."""
    sent = changes.model_fields_set
    if sent & ADMIN_FIELDS and actor.role is not Role.admin:
        raise Forbidden("only admins change status, priority and the response")
    if sent & AUTHOR_FIELDS and fr.author_id != actor.id:
        raise Forbidden("only the author may change the title and description")


async def update_request(
    fr: FeatureRequest, changes: FeatureRequestUpdate, *, actor: User
) -> FeatureRequest:
    """Apply an author's edit (while pending) and/or an admin's triage, atomically."""
    check_may_edit(fr, changes, actor=actor)
    sent = changes.model_fields_set
    values: dict[str, Any] = {}
    if sent & AUTHOR_FIELDS:
        if fr.status is not FeatureRequestStatus.pending:
            raise FeatureRequestNotEditable(
                f"feature request {fr.id} is {fr.status.value}; only pending requests can be edited"
            )
        if "title" in sent:
            assert changes.title is not None
            await _refuse_duplicate(fr.author_id, changes.title, exclude_id=fr.id)
            values["title"] = changes.title
        if "description" in sent:
            values["description"] = changes.description
    if "priority" in sent:
        values["priority"] = changes.priority
        values["priority_rank"] = PRIORITY_RANK[changes.priority] if changes.priority else 0
    if "response" in sent:
        values["response"] = changes.response
    old_status = fr.status
    new_status = changes.status if "status" in sent else None
    status_changed = new_status is not None and new_status is not old_status
    now = datetime.now(timezone.utc)
    if status_changed:
        values["status"] = new_status
        values["status_changed_at"] = now
    values["updated_at"] = now

    async with transaction() as conn:
        # Conditional on the status we read: an author's edit must not land after an admin
        # closed the request, and two admins must not both announce a change from one state.
        updated = (
            await FeatureRequest.filter(id=fr.id, status=old_status).using_db(conn).update(**values)
        )
        if not updated:
            raise FeatureRequestNotEditable(
                f"feature request {fr.id} changed meanwhile; reload it and try again"
            )
        if status_changed:
            assert new_status is not None
            await record_event(
                "feature_request.status_changed",
                subject_kind="feature_request",
                subject_id=fr.id,
                actor_id=actor.id,
                audience=audience_for(user_ids=[fr.author_id]),
                data={
                    "title": values.get("title", fr.title),
                    "old_status": old_status.value,
                    "new_status": new_status.value,
                    "response": values.get("response", fr.response),
                },
                using_db=conn,
            )
    return await get_request(fr.id)


async def vote(fr: FeatureRequest, *, user: User) -> FeatureRequest:
    """Add the user's vote; voting again changes nothing. Closed requests take no votes."""
    if fr.status not in OPEN_STATUSES:
        raise FeatureRequestClosed(
            f"feature request {fr.id} is {fr.status.value}; it takes no more votes"
        )
    try:
        async with transaction() as conn:
            await FeatureRequestVote.create(request_id=fr.id, user_id=user.id, using_db=conn)
            # Increment in SQL, only when this transaction inserted the vote: concurrent votes
            # each add exactly one, serialised by the row lock the UPDATE takes. The status is
            # checked again here: an admin may have closed the request since it was read above,
            # and then the vote is rolled back.
            counted = (
                await FeatureRequest.filter(id=fr.id, status__in=list(OPEN_STATUSES))
                .using_db(conn)
                .update(vote_count=F("vote_count") + 1)
            )
            if not counted:
                current = await FeatureRequest.filter(id=fr.id).using_db(conn).first()
                if current is None:
                    raise FeatureRequestNotFound(f"feature request {fr.id} does not exist")
                raise FeatureRequestClosed(
                    f"feature request {fr.id} is {current.status.value}; it takes no more votes"
                )
    except IntegrityError:
        # The unique (request, user) pair refused a second vote: already voted, nothing to do.
        # (A request deleted meanwhile also lands here; reloading it below answers 404.)
        pass
    return await get_request(fr.id)


async def unvote(fr: FeatureRequest, *, user: User) -> FeatureRequest:
    """Remove the user's vote if there is one (idempotent)."""
    async with transaction() as conn:
        deleted = (
            await FeatureRequestVote.filter(request_id=fr.id, user_id=user.id)
            .using_db(conn)
            .delete()
        )
        if deleted:
            await (
                FeatureRequest.filter(id=fr.id)
                .using_db(conn)
                .update(vote_count=F("vote_count") - deleted)
            )
    return await get_request(fr.id)
