"""Export and import as JSON lines: one object per line, `kind` first.

Line 1 is a header (`{"kind": "header", "format": "blog-api-export", "version": 1, ...}`), then
`user` lines, then `blog` lines (when the blogs domain is installed). Import is idempotent: users
are matched by email and blogs by slug; what exists is left alone and counted as skipped. The whole
file is validated before anything is written, and errors name the line.

Blog posts are imported through the blogs service (`import_posts`), in batches of `BATCH_SIZE` per
transaction: the same validation (`BlogCreate`), rows and events as submitting each post and then
approving or rejecting it as the recorded reviewer, with the original slug and dates, written in a
few bulk statements per batch. A batch is all or nothing; an import that stopped part-way is
finished by importing the same file again (what exists is skipped). Images are not part of the
export (copy MEDIA_ROOT separately); reviews history and revisions are not carried over.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import IO, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, TypeAdapter, ValidationError
from tortoise import connections
from tortoise.functions import Lower

from blog_api.core.config import Settings
from blog_api.core.db import MODEL_MODULES, transaction
from blog_api.core.security import hash_password
from blog_api.users.models import Role, User

FORMAT = "blog-api-export"
VERSION = 1
MAX_REPORTED_ERRORS = 20
# Posts per transaction: large enough that round trips stop mattering, small enough that a
# SQLite writer elsewhere (the dev server) waits well under its busy timeout.
BATCH_SIZE = 500


class ImportFailed(Exception):
    """The file cannot be imported; `errors` say where and why (nothing was written)."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HeaderRecord(_Record):
    kind: Literal["header"]
    format: Literal["blog-api-export"]
    version: Literal[1]
    exported_at: datetime


class UserRecord(_Record):
    kind: Literal["user"]
    email: EmailStr
    username: str = Field(pattern=r"^[A-Za-z0-9_.-]{3,32}$")
    role: Role
    is_active: bool = True
    created_at: datetime | None = None
    # Absent in exports from before email verification existed: such accounts verify again.
    email_verified_at: datetime | None = None
    password_hash: str | None = Field(default=None, max_length=255)


class BlogRecord(_Record):
    kind: Literal["blog"]
    slug: str = Field(min_length=1, max_length=220)
    title: str = Field(min_length=1, max_length=200)
    content: str = Field(min_length=1)
    status: Literal["pending", "approved", "rejected"]
    author: EmailStr
    tags: list[str] = Field(default_factory=list)
    created_at: datetime
    submitted_at: datetime
    published_at: datetime | None = None
    reviewed_by: EmailStr | None = None
    rejection_reason: str | None = None


AnyRecord = Annotated[HeaderRecord | UserRecord | BlogRecord, Field(discriminator="kind")]
_RECORD = TypeAdapter(AnyRecord)


def blogs_installed() -> bool:
    return "blog_api.blogs.models" in MODEL_MODULES


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z") if value else None


async def export_records(*, include_password_hashes: bool = True) -> Iterator[dict[str, Any]]:
    """Everything to export, as plain dicts in file order (header, users, blogs)."""
    records: list[dict[str, Any]] = [
        {
            "kind": "header",
            "format": FORMAT,
            "version": VERSION,
            "exported_at": _iso(datetime.now(timezone.utc)),
        }
    ]
    emails: dict[int, str] = {}
    for user in await User.all().order_by("id"):
        emails[user.id] = user.email
        record: dict[str, Any] = {
            "kind": "user",
            "email": user.email,
            "username": user.username,
            "role": user.role.value,
            "is_active": user.is_active,
            "created_at": _iso(user.created_at),
            "email_verified_at": _iso(user.email_verified_at),
        }
        if include_password_hashes:
            record["password_hash"] = user.password_hash
        records.append(record)
    if blogs_installed():
        from blog_api.blogs.models import Blog

        for blog in await Blog.all().order_by("id").prefetch_related("tags"):
            records.append(
                {
                    "kind": "blog",
                    "slug": blog.slug,
                    "title": blog.title,
                    "content": blog.content,
                    # A scheduled post is exported as pending: the export format has no
                    # schedule, and an approval without its date must be given again.
                    "status": "pending" if blog.status.value == "scheduled" else blog.status.value,
                    "author": emails[blog.author_id],
                    "tags": sorted(tag.name for tag in blog.tags),
                    "created_at": _iso(blog.created_at),
                    "submitted_at": _iso(blog.submitted_at),
                    "published_at": _iso(blog.published_at),
                    "reviewed_by": emails.get(blog.reviewed_by_id or 0),
                    "rejection_reason": blog.rejection_reason,
                }
            )
    return iter(records)


def write_jsonl(records: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """Write one JSON object per line; returns how many data lines (header excluded)."""
    count = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
        count += record["kind"] != "header"
    return count


def parse_jsonl(lines: Iterable[str]) -> list[tuple[int, UserRecord | BlogRecord]]:
    """Validate every line; raise `ImportFailed` listing the bad ones (with line numbers)."""
    errors: list[str] = []
    records: list[tuple[int, UserRecord | BlogRecord]] = []
    header_seen = False
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            payload = json.loads(raw)
        except json.JSONDecodeError as exc:
            errors.append(f"line {number}, column {exc.colno}: not valid JSON ({exc.msg})")
            continue
        try:
            record = _RECORD.validate_python(payload)
        except ValidationError as exc:
            details = ", ".join(
                f"{'.'.join(str(p) for p in e['loc'][1:]) or 'kind'}: {e['msg']}"
                for e in exc.errors()
            )
            errors.append(f"line {number}: {details}")
            continue
        if isinstance(record, HeaderRecord):
            if number != 1 and header_seen:
                errors.append(f"line {number}: a second header")
            header_seen = True
            continue
        if not header_seen:
            errors.append(f"line {number}: the file must start with a {FORMAT} header line")
            header_seen = True  # report this once
        records.append((number, record))
    if errors:
        raise ImportFailed(errors[:MAX_REPORTED_ERRORS])
    return records


@dataclass
class ImportReport:
    created: dict[str, int] = field(default_factory=lambda: {"user": 0, "blog": 0})
    skipped: dict[str, int] = field(default_factory=lambda: {"user": 0, "blog": 0})


async def import_records(
    records: list[tuple[int, UserRecord | BlogRecord]],
    *,
    settings: Settings,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Create what is missing; check every record and reference before writing anything.

    `progress(done, total)` is called after each batch of posts.
    """
    users = [(n, r) for n, r in records if isinstance(r, UserRecord)]
    blogs = [(n, r) for n, r in records if isinstance(r, BlogRecord)]
    errors: list[str] = []
    if blogs and not blogs_installed():
        errors.append(f"line {blogs[0][0]}: this build has no blogs; blog lines cannot be imported")

    existing = {u.email: u for u in await User.filter(email__in=[r.email for _, r in users])}
    known_emails = set(existing) | {r.email for _, r in users}
    seen: dict[str, int] = {}
    for number, record in users:
        if record.email in seen:
            errors.append(f"line {number}: {record.email} is already on line {seen[record.email]}")
        seen[record.email] = number
    new_names: dict[str, int] = {}
    for number, record in users:
        if record.email in existing:
            continue
        name = record.username.lower()
        if name in new_names:
            errors.append(
                f"line {number}: username {record.username} is already on line {new_names[name]}"
            )
        new_names.setdefault(name, number)
    if new_names:
        # One query for all of them, case-insensitively as before.
        taken = dict(
            await User.annotate(lower=Lower("username"))
            .filter(lower__in=list(new_names))
            .values_list("lower", "email")
        )
        for number, record in users:
            owner = taken.get(record.username.lower())
            if record.email not in existing and owner is not None:
                errors.append(
                    f"line {number}: username {record.username} belongs to another account "
                    f"({owner})"
                )
    referenced = {r.author for _, r in blogs} | {r.reviewed_by for _, r in blogs if r.reviewed_by}
    in_db = {u.email for u in await User.filter(email__in=list(referenced - known_emails))}
    # Who may stand in for an unknown reviewer: an active admin, from the database or the file.
    admins = {u.email for u in await User.filter(role=Role.admin, is_active=True).only("email")} | {
        r.email
        for _, r in users
        if r.email not in existing and r.role is Role.admin and r.is_active
    }
    posts_data: dict[int, object] = {}
    for number, blog in blogs:
        for who, email in (("author", blog.author), ("reviewer", blog.reviewed_by)):
            if email and email not in known_emails | in_db:
                errors.append(
                    f"line {number}: {who} {email} is in neither the file nor the database"
                )
        if blog.status == "rejected" and not blog.rejection_reason:
            errors.append(f"line {number}: a rejected post needs its rejection_reason")
        if (
            blog.status != "pending"
            and (not blog.reviewed_by or blog.reviewed_by == blog.author)
            and not (admins - {blog.author})
        ):
            errors.append(
                f"line {number}: a reviewed post has no usable reviewer and no admin to stand in"
            )
        if blogs_installed():
            try:
                posts_data[number] = _post_data(blog)
            except ValidationError as exc:
                details = ", ".join(
                    f"{'.'.join(str(p) for p in e['loc']) or 'post'}: {e['msg']}"
                    for e in exc.errors()
                )
                errors.append(f"line {number}: {details}")
    if errors:
        raise ImportFailed(errors[:MAX_REPORTED_ERRORS])

    report = ImportReport()
    # Accounts that cannot log in until the owner resets the password (no hash exported).
    locked_hash: str | None = None
    new_users: list[User] = []
    for _, record in users:
        if record.email in existing:
            report.skipped["user"] += 1
            continue
        password_hash = record.password_hash
        if not password_hash:
            locked_hash = locked_hash or await hash_password(
                secrets.token_urlsafe(32), settings.password_hash_profile
            )
            password_hash = locked_hash
        new_users.append(
            User(
                email=record.email,
                username=record.username,
                password_hash=password_hash,
                role=record.role,
                is_active=record.is_active,
                email_verified_at=record.email_verified_at,
                # Without it the field defaults to now.
                **({"created_at": record.created_at} if record.created_at else {}),
            )
        )
    if new_users:
        async with transaction() as conn:
            await User.bulk_create(new_users, using_db=conn)
        report.created["user"] = len(new_users)
    if blogs:
        report.created["blog"], report.skipped["blog"] = await _import_blogs(
            blogs, posts_data, progress=progress
        )
    if report.created["blog"] or report.created["user"]:
        await _refresh_planner_statistics()
    return report


async def _refresh_planner_statistics() -> None:
    """ANALYZE after a bulk load (PostgreSQL): until autovacuum gets to the new rows, the
    planner's row estimates are those of the empty tables, and it picks plans for them (seen:
    a search walking every post, 1.4 s instead of 1 ms). SQLite plans without statistics."""
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        await conn.execute_script("ANALYZE")


def _post_data(record: BlogRecord) -> object:
    """The post's text and tags through the same schema as a submission (same validation)."""
    from blog_api.blogs.schemas import BlogCreate

    return BlogCreate(title=record.title, content=record.content, tags=record.tags, image_ids=[])


async def _import_blogs(
    blogs: list[tuple[int, BlogRecord]],
    posts_data: dict[int, object],
    *,
    progress: Callable[[int, int], None] | None,
) -> tuple[int, int]:
    """(created, skipped): batches of `BATCH_SIZE` posts through `blogs_service.import_posts`."""
    from blog_api.blogs import service as blogs_service
    from blog_api.blogs.models import BlogStatus
    from blog_api.blogs.schemas import BlogCreate

    emails = {r.author for _, r in blogs} | {r.reviewed_by for _, r in blogs if r.reviewed_by}
    ids = dict(await User.filter(email__in=list(emails)).values_list("email", "id"))
    admins = [
        (u.id, u.email) for u in await User.filter(role=Role.admin, is_active=True).order_by("id")
    ]
    created = 0
    for start in range(0, len(blogs), BATCH_SIZE):
        batch: list[blogs_service.ImportedPost] = []
        for number, record in blogs[start : start + BATCH_SIZE]:
            data = posts_data[number]
            assert isinstance(data, BlogCreate)
            author_id = int(ids[record.author])
            reviewer_id: int | None = None
            if record.status != "pending":
                reviewer_id = _reviewer_id(record, author_id, ids, admins)
            batch.append(
                blogs_service.ImportedPost(
                    slug=record.slug,
                    data=data,
                    status=BlogStatus(record.status),
                    author_id=author_id,
                    reviewer_id=reviewer_id,
                    rejection_reason=record.rejection_reason,
                    created_at=record.created_at,
                    submitted_at=record.submitted_at,
                    published_at=record.published_at,
                )
            )
        created += len(await blogs_service.import_posts(batch))
        if progress is not None:
            progress(min(start + BATCH_SIZE, len(blogs)), len(blogs))
    return created, len(blogs) - created


def _reviewer_id(
    record: BlogRecord, author_id: int, ids: dict[str, int], admins: list[tuple[int, str]]
) -> int:
    if record.reviewed_by and int(ids[record.reviewed_by]) != author_id:
        return int(ids[record.reviewed_by])
    # The original reviewer is unknown: an admin of this instance (not the author) stands in.
    for admin_id, _ in admins:
        if admin_id != author_id:
            return admin_id
    raise ImportFailed(["a reviewed post has no usable reviewer and no admin to stand in"])
