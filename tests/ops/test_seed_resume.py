"""`blog-api seed` is resumable on both backends, and survives another process writing to SQLite.

The seed runs as users run it (the real command, in a subprocess) on a database of the test's
own (see conftest): a SQLite file in the SQLite pass, a PostgreSQL database in the other.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import IS_POSTGRES, run_cli
from tests.ops.conftest import OpsDb

SIZE = ("--users", "6", "--blogs", "8", "--feature-requests", "6", "--random-seed", "4")


def _seed(db: OpsDb, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("seed", *args, env={**db.env, "BLOG_API_SEED_PASSWORD": "Demo-password-42"})


def _snapshot(db: OpsDb) -> dict[str, object]:
    """Everything the seed makes, without ids and clock times (which differ between runs)."""
    blogs = db.query(
        "SELECT b.title, b.content, b.status, a.email, r.email, b.rejection_reason, b.version"
        " FROM blogs b JOIN users a ON a.id = b.author_id"
        " LEFT JOIN users r ON r.id = b.reviewed_by_id ORDER BY b.title"
    )
    tags = db.query(
        "SELECT b.title, t.name FROM blog_tags bt JOIN blogs b ON b.id = bt.blogs_id"
        " JOIN tags t ON t.id = bt.tag_id ORDER BY b.title, t.name"
    )
    requests = db.query(
        "SELECT f.title, f.description, a.email, f.vote_count FROM feature_requests f"
        " JOIN users a ON a.id = f.author_id ORDER BY f.title"
    )
    votes = db.query(
        "SELECT f.title, u.email FROM feature_request_votes v"
        " JOIN feature_requests f ON f.id = v.request_id JOIN users u ON u.id = v.user_id"
        " ORDER BY f.title, u.email"
    )
    return {
        "users": db.query("SELECT email, username, role FROM users ORDER BY email"),
        "blogs": blogs,
        "tags": tags,
        "reviews": db.query("SELECT decision, count(*) FROM blog_reviews GROUP BY decision"),
        "revisions": db.scalar("SELECT count(*) FROM blog_revisions"),
        "requests": requests,
        "votes": votes,
        "events": db.query("SELECT type, count(*) FROM outbox_events GROUP BY type ORDER BY type"),
        "notifications": db.scalar("SELECT count(*) FROM notifications"),
    }


def test_a_seed_stopped_by_a_conflicting_row_is_finished_by_running_it_again(
    ops_db: Callable[[str], OpsDb],
) -> None:
    reference = ops_db("seed_reference")
    assert _seed(reference, *SIZE).returncode == 0
    title, email = reference.query(
        "SELECT f.title, u.email FROM feature_requests f JOIN users u ON u.id = f.author_id"
        " WHERE f.title LIKE 'Request 3:%'"
    )[0]

    db = ops_db("seed_resumed")
    # The same demo accounts first, then a request of request 3's author that the service will
    # take for a duplicate of request 3 ("Request 3 - x" normalises like "Request 3: x").
    assert _seed(db, *SIZE[:2], "--blogs", "0", "--feature-requests", "0").returncode == 0
    author_id = db.scalar("SELECT id FROM users WHERE email = ?", email)
    conflict = title.replace("Request 3:", "Request 3 -", 1)
    db.execute(
        "INSERT INTO feature_requests (title, description, status, priority_rank, author_id,"
        " vote_count, created_at, updated_at) VALUES (?, 'in the way', 'pending', 0, ?, 0,"
        " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        conflict,
        author_id,
    )

    failed = _seed(db, *SIZE)
    assert failed.returncode == 1
    assert "seeding stopped at feature request #3" in failed.stderr
    assert "run the same command again" in failed.stderr
    # Everything before the failure is complete: all posts, requests 1 and 2 with their votes.
    assert db.scalar("SELECT count(*) FROM blogs") == 8
    titles = [t for (t,) in db.query("SELECT title FROM feature_requests ORDER BY id")]
    assert [t.split(":")[0] for t in titles[1:]] == ["Request 1", "Request 2"]
    assert db.scalar("SELECT sum(vote_count) FROM feature_requests") == db.scalar(
        "SELECT count(*) FROM feature_request_votes"
    )

    db.execute("DELETE FROM feature_requests WHERE title = ?", conflict)
    resumed = _seed(db, *SIZE)
    assert resumed.returncode == 0, resumed.stderr
    assert "feature requests: 6 (4 created, 2 already there)" in resumed.stdout
    assert "blog posts: 8 (0 created, 8 already there)" in resumed.stdout
    assert _snapshot(db) == _snapshot(reference)

    # And once more: nothing left to do, nothing duplicated.
    again = _seed(db, *SIZE)
    assert again.returncode == 0, again.stderr
    assert "users: 6 (0 created, 6 already there)" in again.stdout
    assert _snapshot(db) == _snapshot(reference)


def test_a_seed_stopped_by_a_taken_username_is_finished_by_running_it_again(
    ops_db: Callable[[str], OpsDb],
) -> None:
    db = ops_db("seed_username")
    db.execute(
        "INSERT INTO users (email, username, password_hash, role, is_active, created_at,"
        " updated_at) VALUES ('someone@example.com', 'demo_user_2', 'x', 'user', ?,"
        " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        True,
    )
    failed = _seed(db, *SIZE)
    assert failed.returncode == 1
    assert "seeding stopped at user #2: cannot create demo_user_2" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert db.scalar("SELECT count(*) FROM blogs") == 0

    db.execute("DELETE FROM users WHERE email = 'someone@example.com'")
    resumed = _seed(db, *SIZE)
    assert resumed.returncode == 0, resumed.stderr
    reference = ops_db("seed_username_reference")
    assert _seed(reference, *SIZE).returncode == 0
    assert _snapshot(db) == _snapshot(reference)


WRITER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
conn.execute("CREATE TABLE IF NOT EXISTS other_writer (id INTEGER PRIMARY KEY, at REAL)")
while True:
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO other_writer (at) VALUES (?)", (time.time(),))
    time.sleep(0.01)  # holds the write lock a little, then commits, again and again
    conn.execute("COMMIT")
    time.sleep(0.002)
"""


@pytest.mark.skipif(IS_POSTGRES, reason="SQLite file locking; runs in the SQLite pass")
def test_seed_completes_while_another_process_keeps_writing(
    ops_db: Callable[[str], OpsDb],
) -> None:
    """A second process commits every few milliseconds while the seed runs: with deferred
    transactions the seed failed with "database is locked"; now it waits its turn."""
    db = ops_db("seed_busy")
    path = Path(db.url.removeprefix("sqlite://"))
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)])
    try:
        time.sleep(0.3)
        result = _seed(db, "--users", "10", "--blogs", "30", "--feature-requests", "15")
        still_writing = writer.poll() is None
    finally:
        writer.terminate()
        writer.wait(10)
    assert result.returncode == 0, result.stderr
    assert "locked" not in result.stderr
    assert still_writing
    assert db.scalar("SELECT count(*) FROM other_writer") > 50
    assert db.scalar("SELECT count(*) FROM blogs") == 30
    assert db.scalar("SELECT count(*) FROM feature_requests") == 15
