"""`blog-api export` and `blog-api import`: JSON lines, idempotent, clear errors."""

from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path

from tests.cli.conftest import CliDb
from tests.conftest import run_cli

HEADER = (
    '{"kind":"header","format":"blog-api-export","version":1,"exported_at":"2026-01-01T00:00:00Z"}'
)


def _seeded(db: CliDb) -> None:
    result = run_cli(
        "seed",
        "--users",
        "6",
        "--blogs",
        "8",
        "--feature-requests",
        "0",
        "--random-seed",
        "3",
        env={**db.env, "BLOG_API_SEED_PASSWORD": "Demo-password-42"},
    )
    assert result.returncode == 0, result.stderr


def _export(db: CliDb, *args: str) -> list[dict]:
    result = run_cli("export", "-", *args, env=db.env)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def _write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_export_writes_a_header_then_users_then_blogs(cli_db: CliDb) -> None:
    _seeded(cli_db)
    records = _export(cli_db)
    assert records[0]["kind"] == "header" and records[0]["version"] == 1
    kinds = [r["kind"] for r in records[1:]]
    assert kinds == ["user"] * 6 + ["blog"] * 8


def test_export_to_a_file_is_private(cli_db: CliDb, tmp_path: Path) -> None:
    target = tmp_path / "dump.jsonl"
    result = run_cli("export", str(target), env=cli_db.env)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_export_can_leave_out_password_hashes(cli_db: CliDb) -> None:
    _seeded(cli_db)
    users = [r for r in _export(cli_db, "--no-password-hashes") if r["kind"] == "user"]
    assert users and all("password_hash" not in u for u in users)


def test_import_into_an_empty_database_reproduces_the_export(cli_db: CliDb, tmp_path: Path) -> None:
    _seeded(cli_db)
    with sqlite3.connect(cli_db.path) as conn:  # some verified addresses, which must carry over
        conn.execute(
            "UPDATE users SET email_verified_at = '2026-02-03 04:05:06+00:00' WHERE id % 2 = 0"
        )
    dump = tmp_path / "dump.jsonl"
    assert run_cli("export", str(dump), env=cli_db.env).returncode == 0
    target = CliDb(tmp_path / "target.sqlite3")
    assert run_cli("migrate", env=target.env).returncode == 0
    result = run_cli("import", str(dump), env=target.env)
    assert result.returncode == 0, result.stderr
    assert "users: 6 created, 0 already present" in result.stdout
    assert "blogs: 8 created, 0 already present" in result.stdout
    assert _export(target)[1:] == _export(cli_db)[1:]
    assert target.query("SELECT count(*) FROM users WHERE email_verified_at IS NOT NULL") == [(3,)]


def test_import_twice_changes_nothing(cli_db: CliDb, tmp_path: Path) -> None:
    _seeded(cli_db)
    dump = tmp_path / "dump.jsonl"
    assert run_cli("export", str(dump), env=cli_db.env).returncode == 0
    before = _export(cli_db)[1:]
    result = run_cli("import", str(dump), env=cli_db.env)
    assert result.returncode == 0, result.stderr
    assert "users: 0 created, 6 already present" in result.stdout
    assert "blogs: 0 created, 8 already present" in result.stdout
    assert _export(cli_db)[1:] == before


def test_import_reports_bad_lines_and_writes_nothing(cli_db: CliDb, tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        HEADER,
        '{"kind":"user","email":"ok@example.com","username":"okay","role":"user"}',
        "not json",
        '{"kind":"user","email":"x@example.com","username":"x!","role":"boss"}',
    )
    result = run_cli("import", str(path), env=cli_db.env)
    assert result.returncode == 1
    assert "line 3, column 1: not valid JSON" in result.stderr
    assert "line 4: username: String should match pattern" in result.stderr
    assert "line 4" in result.stderr and "role: Input should be" in result.stderr
    assert "nothing was imported" in result.stderr
    assert cli_db.scalar("SELECT count(*) FROM users") == 0


def test_import_names_the_line_and_column_of_invalid_json(cli_db: CliDb, tmp_path: Path) -> None:
    # A comma missing after the email: the 40th character of line 2.
    bad = '{"kind":"user","email":"a@example.com" "username":"abc","role":"user"}'
    result = run_cli("import", str(_write(tmp_path, HEADER, bad)), env=cli_db.env)
    assert result.returncode == 1
    assert "line 2, column 40: not valid JSON (Expecting ',' delimiter)" in result.stderr


def test_import_requires_the_header(cli_db: CliDb, tmp_path: Path) -> None:
    path = _write(
        tmp_path, '{"kind":"user","email":"a@example.com","username":"aaa","role":"user"}'
    )
    result = run_cli("import", str(path), env=cli_db.env)
    assert result.returncode == 1
    assert "line 1: the file must start with a blog-api-export header line" in result.stderr


def test_import_refuses_a_blog_whose_author_is_unknown(cli_db: CliDb, tmp_path: Path) -> None:
    blog = {
        "kind": "blog",
        "slug": "hello",
        "title": "Hello",
        "content": "Hi",
        "status": "pending",
        "author": "ghost@example.com",
        "created_at": "2026-01-01T00:00:00Z",
        "submitted_at": "2026-01-01T00:00:00Z",
    }
    result = run_cli("import", str(_write(tmp_path, HEADER, json.dumps(blog))), env=cli_db.env)
    assert result.returncode == 1
    assert "line 2: author ghost@example.com is in neither the file nor the database" in (
        result.stderr
    )


def test_import_refuses_a_username_owned_by_another_account(cli_db: CliDb, tmp_path: Path) -> None:
    _seeded(cli_db)
    line = '{"kind":"user","email":"new@example.com","username":"demo_user_1","role":"user"}'
    result = run_cli("import", str(_write(tmp_path, HEADER, line)), env=cli_db.env)
    assert result.returncode == 1
    assert "username demo_user_1 belongs to another account" in result.stderr


def test_import_reports_a_missing_file(cli_db: CliDb, tmp_path: Path) -> None:
    result = run_cli("import", str(tmp_path / "nope.jsonl"), env=cli_db.env)
    assert result.returncode == 1
    assert "cannot read" in result.stderr and "No such file or directory" in result.stderr
