"""`blog-api create-admin`, `set-role`, `disable-2fa` and `reseal-secrets`, run as an operator would."""

from __future__ import annotations

import base64
import sqlite3

from blog_api.core.secretbox import SecretBox
from tests.cli.conftest import CliDb
from tests.conftest import run_cli

PASSWORD = "Admin-password-42"


def _create_admin(db: CliDb, email: str = "root@example.com", username: str = "root", **env: str):
    return run_cli(
        "create-admin",
        "--email",
        email,
        "--username",
        username,
        env={**db.env, "BLOG_API_ADMIN_PASSWORD": PASSWORD, **env},
    )


def test_create_admin_creates_an_admin(cli_db: CliDb) -> None:
    result = _create_admin(cli_db)
    assert result.returncode == 0, result.stderr
    assert "created admin root" in result.stdout
    assert cli_db.query("SELECT role, is_active FROM users WHERE email = 'root@example.com'") == [
        ("admin", 1)
    ]
    assert PASSWORD not in result.stdout + result.stderr


def test_create_admin_refuses_a_taken_email(cli_db: CliDb) -> None:
    assert _create_admin(cli_db).returncode == 0
    again = _create_admin(cli_db, username="other")
    assert again.returncode == 1
    assert "already exists" in again.stderr


def test_create_admin_refuses_a_weak_password(cli_db: CliDb) -> None:
    result = _create_admin(cli_db, BLOG_API_ADMIN_PASSWORD="short")
    assert result.returncode == 1
    assert "at least 12 characters" in result.stderr
    assert cli_db.scalar("SELECT count(*) FROM users") == 0


def test_set_role_changes_the_role(cli_db: CliDb) -> None:
    assert _create_admin(cli_db).returncode == 0
    result = run_cli("set-role", "ROOT@example.com", "l1_approver", env=cli_db.env)
    assert result.returncode == 0, result.stderr
    assert cli_db.scalar("SELECT role FROM users WHERE username = 'root'") == "l1_approver"


def test_set_role_rejects_an_unknown_role(cli_db: CliDb) -> None:
    result = run_cli("set-role", "root@example.com", "superuser", env=cli_db.env)
    assert result.returncode == 1
    assert "unknown role 'superuser'" in result.stderr
    assert "user, l1_approver, admin" in result.stderr


def test_set_role_reports_an_unknown_account(cli_db: CliDb) -> None:
    result = run_cli("set-role", "nobody@example.com", "admin", env=cli_db.env)
    assert result.returncode == 1
    assert "no account with email nobody@example.com" in result.stderr


def test_create_admin_works_when_reviewers_must_use_two_factor(cli_db: CliDb) -> None:
    """The admin is created (address verified, two-factor off); they enrol after logging in."""
    result = _create_admin(cli_db, REQUIRE_2FA_FOR_REVIEWERS="true")
    assert result.returncode == 0, result.stderr
    assert cli_db.query("SELECT role, totp_enabled, email_verified_at IS NOT NULL FROM users") == [
        ("admin", 0, 1)
    ]


def test_disable_2fa_turns_two_factor_off(cli_db: CliDb) -> None:
    assert _create_admin(cli_db).returncode == 0
    import sqlite3

    with sqlite3.connect(cli_db.path) as conn:
        conn.execute("UPDATE users SET totp_enabled = 1")
    result = run_cli("disable-2fa", "root@example.com", env=cli_db.env)
    assert result.returncode == 0, result.stderr
    assert cli_db.scalar("SELECT totp_enabled FROM users") == 0


def test_disable_2fa_reports_an_unknown_account(cli_db: CliDb) -> None:
    result = run_cli("disable-2fa", "nobody@example.com", env=cli_db.env)
    assert result.returncode == 1
    assert "no account" in result.stderr


PLAIN_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # base32, as stored in clear before encryption
NEW_KEY = "rotated-key-" + "r" * 40


def _with_clear_totp_secret(db: CliDb) -> int:
    assert _create_admin(db).returncode == 0
    user_id = int(db.scalar("SELECT id FROM users"))  # type: ignore[call-overload]
    with sqlite3.connect(db.path) as conn:
        conn.execute(
            "INSERT INTO totp_credentials (user_id, secret, last_step, created_at)"
            " VALUES (?, ?, 0, '2026-01-01 00:00:00+00:00')",
            (user_id, PLAIN_SECRET),
        )
    return user_id


def _opens_to(db: CliDb, user_id: int, *keys: str) -> str:
    stored = str(db.scalar("SELECT secret FROM totp_credentials"))
    raw = SecretBox(keys).open(stored, context=f"totp:{user_id}".encode())
    return base64.b32encode(raw).decode()


def test_reseal_secrets_encrypts_secrets_stored_in_clear(cli_db: CliDb) -> None:
    user_id = _with_clear_totp_secret(cli_db)
    result = run_cli("reseal-secrets", env=cli_db.env)
    assert result.returncode == 0, result.stderr
    assert (
        "checked 1 TOTP secrets: 1 re-encrypted, 0 already current, 0 unreadable" in result.stdout
    )
    assert _opens_to(cli_db, user_id, cli_db.env["SECRET_KEY"]) == PLAIN_SECRET
    again = run_cli("reseal-secrets", env=cli_db.env)
    assert "0 re-encrypted, 1 already current" in again.stdout


def test_reseal_secrets_moves_secrets_to_the_new_key(cli_db: CliDb) -> None:
    user_id = _with_clear_totp_secret(cli_db)
    assert run_cli("reseal-secrets", env=cli_db.env).returncode == 0
    rotating = {**cli_db.env, "DATA_ENCRYPTION_KEYS": f"{NEW_KEY},{cli_db.env['SECRET_KEY']}"}
    result = run_cli("reseal-secrets", env=rotating)
    assert result.returncode == 0, result.stderr
    assert "1 re-encrypted" in result.stdout
    assert _opens_to(cli_db, user_id, NEW_KEY) == PLAIN_SECRET


def test_reseal_secrets_names_the_accounts_no_key_opens(cli_db: CliDb) -> None:
    user_id = _with_clear_totp_secret(cli_db)
    old = {**cli_db.env, "DATA_ENCRYPTION_KEYS": "earlier-key-" + "e" * 40}
    assert run_cli("reseal-secrets", env=old).returncode == 0
    result = run_cli("reseal-secrets", env={**cli_db.env, "DATA_ENCRYPTION_KEYS": NEW_KEY})
    assert result.returncode == 1
    assert "1 unreadable" in result.stdout
    assert f"user ids {user_id}" in result.stderr
