"""Export and import as JSON lines: one object per line, `kind` first.

Line 1 is a header (`{"kind": "header", "format": "blog-api-export", "version": 1, ...}`), then
`user` lines, then `blog` lines (when the blogs domain is installed). Import is idempotent: users
are matched by email and blogs by slug; what exists is left alone and counted as skipped. The whole
file is validated before anything is written, and errors name the line.

Blog posts are imported through the blogs service (create, then approve or reject as the recorded
reviewer), so every rule and event applies; the original slug and timestamps are restored after.
Images are not part of the export (copy MEDIA_ROOT separately); reviews history and revisions are
not carried over.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import IO, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, TypeAdapter, ValidationError

from blog_api.core.config import Settings
from blog_api.core.db import MODEL_MODULES, transaction
from blog_api.core.security import hash_password
from blog_api.users.models import Role, User

FORMAT = "blog-api-export"
VERSION = 1
MAX_REPORTED_ERRORS = 20


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
                    "status": blog.status.value,
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
            errors.append(f"line {number}: not valid JSON ({exc.msg})")
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
    records: list[tuple[int, UserRecord | BlogRecord]], *, settings: Settings
) -> ImportReport:
    """Create what is missing; check every reference before writing anything."""
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
        if record.email not in existing:
            taken = await User.filter(username__iexact=record.username).first()
            if taken is not None:
                errors.append(
                    f"line {number}: username {record.username} belongs to another account "
                    f"({taken.email})"
                )
    referenced = {r.author for _, r in blogs} | {r.reviewed_by for _, r in blogs if r.reviewed_by}
    in_db = {u.email for u in await User.filter(email__in=list(referenced - known_emails))}
    for number, blog in blogs:
        for who, email in (("author", blog.author), ("reviewer", blog.reviewed_by)):
            if email and email not in known_emails | in_db:
                errors.append(
                    f"line {number}: {who} {email} is in neither the file nor the database"
                )
        if blog.status == "rejected" and not blog.rejection_reason:
            errors.append(f"line {number}: a rejected post needs its rejection_reason")
    if errors:
        raise ImportFailed(errors[:MAX_REPORTED_ERRORS])

    report = ImportReport()
    # Accounts that cannot log in until the owner resets the password (no hash exported).
    locked_hash: str | None = None
    async with transaction() as conn:
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
            user = await User.create(
                email=record.email,
                username=record.username,
                password_hash=password_hash,
                role=record.role,
                is_active=record.is_active,
                using_db=conn,
            )
            if record.created_at:
                await User.filter(id=user.id).using_db(conn).update(created_at=record.created_at)
            report.created["user"] += 1
    for _, blog in blogs:
        if await _import_blog(blog, settings=settings):
            report.created["blog"] += 1
        else:
            report.skipped["blog"] += 1
    return report


async def _import_blog(record: BlogRecord, *, settings: Settings) -> bool:
    from blog_api.blogs import service as blogs_service
    from blog_api.blogs.models import Blog
    from blog_api.blogs.schemas import BlogCreate

    if await Blog.filter(slug=record.slug).exists():
        return False
    author = await User.get(email=record.author)
    data = BlogCreate(title=record.title, content=record.content, tags=record.tags, image_ids=[])
    result = await blogs_service.create_blog(data, author=author, media_url=settings.media_url)
    blog = result.blog
    assert blog is not None  # no idempotency key, so never a replay
    if record.status != "pending":
        reviewer = await _reviewer(record.reviewed_by, author_id=author.id)
        if record.status == "approved":
            blog = await blogs_service.approve_blog(blog, reviewer=reviewer)
        else:
            blog = await blogs_service.reject_blog(
                blog, reviewer=reviewer, reason=record.rejection_reason or ""
            )
    # The service gave it a fresh slug and timestamps; put the originals back so links survive.
    await Blog.filter(id=blog.id).update(
        slug=record.slug,
        created_at=record.created_at,
        submitted_at=record.submitted_at,
        published_at=record.published_at,
    )
    return True


async def _reviewer(email: str | None, *, author_id: int) -> User:
    if email:
        user = await User.get(email=email)
        if user.id != author_id:
            return user
    # The original reviewer is unknown: an admin of this instance (not the author) stands in.
    admin = (
        await User.filter(role=Role.admin, is_active=True)
        .exclude(id=author_id)
        .order_by("id")
        .first()
    )
    if admin is None:
        raise ImportFailed(["a reviewed post has no usable reviewer and no admin to stand in"])
    return admin
