"""The batched `blog-api import` makes what the per-post path through the services made.

Reference: the import as it was before batching, each post through `create_blog` and then
`approve_blog` / `reject_blog` as its reviewer, original slug and dates put back. Both run on a
database of the test's own (SQLite file or PostgreSQL database, by pass) and are compared row by
row: posts, tags, reviews, approved versions, outbox events and notifications.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

from slugify import slugify

from tests.conftest import run_cli
from tests.ops.conftest import OpsDb

POSTS = 300
HEADER = {
    "kind": "header",
    "format": "blog-api-export",
    "version": 1,
    "exported_at": "2026-01-01T00:00:00Z",
}
PEOPLE = [("admin", "admin"), ("ann", "l1_approver"), ("bob", "l1_approver")] + [
    (f"author{n}", "user") for n in range(5)
]


def _email(name: str) -> str:
    return f"{name}@example.com"


def _records() -> list[dict]:
    rng = random.Random(11)
    users = [
        {"kind": "user", "email": _email(n), "username": n, "role": role} for n, role in PEOPLE
    ]
    blogs = []
    for n in range(POSTS):
        title = f"Post {n} about {rng.choice(['Redis', 'Caddy', 'SQL', 'Async IO'])}"
        status = rng.choice(["pending", "approved", "approved", "rejected"])
        author = rng.choice(["author0", "author1", "author2", "author3", "author4", "ann"])
        reviewer = rng.choice(["ann", "bob", None, author])  # None / the author: admin stands in
        blogs.append(
            {
                "kind": "blog",
                "slug": slugify(title),
                "title": title,
                "content": f"# {title}\n\nSome *markdown* text, number {n}.\n\n- a\n- b\n",
                "status": status,
                "author": _email(author),
                "tags": rng.sample(["Web APIs", "python", "Ops", "sql"], rng.randint(0, 3)),
                "created_at": f"2025-03-{1 + n % 28:02d}T10:00:00Z",
                "submitted_at": f"2025-03-{1 + n % 28:02d}T11:00:00Z",
                "published_at": f"2025-04-{1 + n % 28:02d}T09:00:00Z"
                if status == "approved"
                else None,
                "reviewed_by": _email(reviewer) if reviewer and status != "pending" else None,
                "rejection_reason": "Needs an example." if status == "rejected" else None,
            }
        )
    return [HEADER, *users, *blogs]


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


async def _reference_import(url: str, blogs: list[dict]) -> None:
    """The pre-batching import of blog lines, verbatim in substance."""
    from tortoise import Tortoise

    from blog_api.blogs import service as blogs_service
    from blog_api.blogs.models import Blog
    from blog_api.blogs.schemas import BlogCreate
    from blog_api.core.db import tortoise_config
    from blog_api.users.models import Role, User

    await Tortoise.init(config=tortoise_config(url))
    try:
        for record in blogs:
            author = await User.get(email=record["author"])
            data = BlogCreate(
                title=record["title"], content=record["content"], tags=record["tags"], image_ids=[]
            )
            result = await blogs_service.create_blog(data, author=author, media_url="/media/")
            blog = result.blog
            assert blog is not None
            if record["status"] != "pending":
                reviewer = None
                if record["reviewed_by"]:
                    reviewer = await User.get(email=record["reviewed_by"])
                if reviewer is None or reviewer.id == author.id:
                    reviewer = (
                        await User.filter(role=Role.admin, is_active=True)
                        .exclude(id=author.id)
                        .order_by("id")
                        .first()
                    )
                assert reviewer is not None
                if record["status"] == "approved":
                    blog = await blogs_service.approve_blog(blog, reviewer=reviewer)
                else:
                    blog = await blogs_service.reject_blog(
                        blog, reviewer=reviewer, reason=record["rejection_reason"]
                    )
            dates = {
                k: datetime.fromisoformat(record[k]) if record[k] else None
                for k in ("created_at", "submitted_at", "published_at")
            }
            await Blog.filter(id=blog.id).update(slug=record["slug"], **dates)
    finally:
        await Tortoise.close_connections()


def _snapshot(db: OpsDb) -> dict[str, object]:
    """Every row the import writes, ids replaced by emails and slugs, clock times left out."""
    emails = dict(db.query("SELECT id, email FROM users"))
    slugs = dict(db.query("SELECT id, slug FROM blogs"))

    def when(value: object) -> str:
        return str(value)[:19].replace("T", " ") if value is not None else ""

    blogs = sorted(
        (
            slug,
            title,
            content,
            html,
            excerpt,
            status,
            emails[a],
            emails.get(r),
            reason,
            when(c),
            when(s),
            when(p),
            version,
        )
        for (
            slug,
            title,
            content,
            html,
            excerpt,
            status,
            a,
            r,
            reason,
            c,
            s,
            p,
            version,
        ) in db.query(
            "SELECT slug, title, content, content_html, excerpt, status, author_id,"
            " reviewed_by_id, rejection_reason, created_at, submitted_at, published_at, version"
            " FROM blogs"
        )
    )
    tags = sorted(
        (slugs[b], name)
        for b, name in db.query(
            "SELECT bt.blogs_id, t.name FROM blog_tags bt JOIN tags t ON t.id = bt.tag_id"
        )
    )
    reviews = sorted(
        (slugs[b], emails[r], decision, reason or "")
        for b, r, decision, reason in db.query(
            "SELECT blog_id, reviewer_id, decision, reason FROM blog_reviews"
        )
    )
    revisions = sorted(
        (
            slugs[b],
            emails[a],
            number,
            title,
            content,
            json.dumps(sorted(json.loads(t))),
            status,
            emails[r],
        )
        for b, a, number, title, content, t, status, r in db.query(
            "SELECT blog_id, author_id, number, title, content, tags, status, reviewed_by_id"
            " FROM blog_revisions"
        )
    )
    events: dict[int, tuple] = {}
    for eid, etype, actor, subject, audience, data in db.query(
        "SELECT id, type, actor_id, subject_id, audience, data FROM outbox_events"
    ):
        aud = json.loads(audience) if isinstance(audience, str) else audience
        aud["user_ids"] = sorted(emails[u] for u in aud["user_ids"])
        payload = json.loads(data) if isinstance(data, str) else data
        # The reference approves first and puts the imported date back afterwards, so its
        # event carries the approval time; the batched import sends the imported date.
        payload.pop("published_at", None)
        events[eid] = (
            etype,
            slugs[subject],
            emails[actor],
            json.dumps(aud, sort_keys=True),
            json.dumps(payload, sort_keys=True),
        )
    notifications = sorted(
        (*events[e], emails[u]) for u, e in db.query("SELECT user_id, event_id FROM notifications")
    )
    return {
        "blogs": blogs,
        "tags": tags,
        "reviews": reviews,
        "revisions": revisions,
        "events": sorted(events.values()),
        "notifications": notifications,
    }


def test_batched_import_matches_the_per_post_service_path(
    ops_db: Callable[[str], OpsDb], tmp_path: Path
) -> None:
    records = _records()
    people = [r for r in records if r["kind"] != "blog"]
    blogs = [r for r in records if r["kind"] == "blog"]

    reference = ops_db("import_reference")
    result = run_cli("import", str(_write(tmp_path / "users.jsonl", people)), env=reference.env)
    assert result.returncode == 0, result.stderr
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _reference_import(reference.url, blogs)).result()

    batched = ops_db("import_batched")
    dump = _write(tmp_path / "all.jsonl", records)
    result = run_cli("import", str(dump), env=batched.env)
    assert result.returncode == 0, result.stderr
    assert f"blogs: {POSTS} created, 0 already present" in result.stdout

    expected = _snapshot(reference)
    assert len(expected["events"]) > POSTS  # submitted for every post, plus the decisions
    assert expected["notifications"]
    assert _snapshot(batched) == expected

    # Idempotent: the same file again creates nothing and changes nothing.
    again = run_cli("import", str(dump), env=batched.env)
    assert again.returncode == 0, again.stderr
    assert f"blogs: 0 created, {POSTS} already present" in again.stdout
    assert "users: 0 created, 8 already present" in again.stdout
    assert _snapshot(batched) == expected


def test_an_import_leaves_the_planner_statistics_fresh(
    ops_db: Callable[[str], OpsDb], tmp_path: Path
) -> None:
    import pytest

    db = ops_db("import_analyzed")
    if not db.is_postgres:
        pytest.skip("planner statistics are PostgreSQL's (this runs in the PostgreSQL pass)")
    result = run_cli("import", str(_write(tmp_path / "all.jsonl", _records()[:40])), env=db.env)
    assert result.returncode == 0, result.stderr
    assert db.scalar("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'blogs'")
