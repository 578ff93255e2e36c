"""`blog-api seed`: demo data of a chosen size, through the domain services."""

from __future__ import annotations

from tests.cli.conftest import CliDb
from tests.conftest import run_cli

SEED_PASSWORD = "Demo-password-42"


def _seed(db: CliDb, *args: str, **env: str):
    return run_cli("seed", *args, env={**db.env, "BLOG_API_SEED_PASSWORD": SEED_PASSWORD, **env})


def test_seed_creates_users_of_every_role(cli_db: CliDb) -> None:
    result = _seed(cli_db, "--users", "20", "--blogs", "0", "--feature-requests", "0")
    assert result.returncode == 0, result.stderr
    roles = dict(cli_db.query("SELECT role, count(*) FROM users GROUP BY role"))
    assert roles == {"admin": 1, "l1_approver": 2, "user": 17}
    assert "users: 20" in result.stdout


def test_seed_shows_a_progress_bar(cli_db: CliDb) -> None:
    result = _seed(cli_db, "--users", "5", "--blogs", "4", "--feature-requests", "0")
    assert result.returncode == 0, result.stderr
    assert "5/5" in result.stderr and "4/4" in result.stderr


def test_seed_creates_blog_posts_through_the_review_workflow(cli_db: CliDb) -> None:
    result = _seed(cli_db, "--users", "10", "--blogs", "30", "--random-seed", "7")
    assert result.returncode == 0, result.stderr
    statuses = dict(cli_db.query("SELECT status, count(*) FROM blogs GROUP BY status"))
    assert sum(statuses.values()) == 30
    assert set(statuses) == {"pending", "approved", "rejected"}
    # Every approval went through the service: a review row and an event per decision.
    decided = statuses["approved"] + statuses["rejected"]
    assert cli_db.scalar("SELECT count(*) FROM blog_reviews") == decided
    submitted = cli_db.scalar("SELECT count(*) FROM outbox_events WHERE type = 'blog.submitted'")
    assert submitted == 30


def test_seed_creates_feature_requests_with_votes(cli_db: CliDb) -> None:
    result = _seed(cli_db, "--users", "10", "--blogs", "0", "--feature-requests", "6")
    assert result.returncode == 0, result.stderr
    assert cli_db.scalar("SELECT count(*) FROM feature_requests") == 6
    votes = cli_db.scalar("SELECT count(*) FROM feature_request_votes")
    assert cli_db.scalar("SELECT sum(vote_count) FROM feature_requests") == votes


def test_demo_accounts_can_log_in_with_the_seed_password(cli_db: CliDb) -> None:
    import asyncio

    from tortoise import Tortoise

    from blog_api.auth import service as auth_service
    from blog_api.core.config import Settings
    from blog_api.core.db import tortoise_config

    assert _seed(cli_db, "--users", "3", "--blogs", "0").returncode == 0

    async def login() -> int:
        await Tortoise.init(config=tortoise_config(cli_db.env["DATABASE_URL"]))
        try:
            settings = Settings(_env_file=None, password_hash_profile="fast")  # type: ignore[call-arg]
            user = await auth_service.authenticate(
                "demo_l1approver_1@demo.example.com", SEED_PASSWORD, settings=settings
            )
            return user.id
        finally:
            await Tortoise.close_connections()

    from concurrent.futures import ThreadPoolExecutor

    # A thread with its own loop: the test session's loop must not host a second Tortoise.
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(asyncio.run, login()).result() > 0


def test_seed_twice_reuses_the_demo_accounts(cli_db: CliDb) -> None:
    assert _seed(cli_db, "--users", "5", "--blogs", "0").returncode == 0
    again = _seed(cli_db, "--users", "5", "--blogs", "0")
    assert again.returncode == 0, again.stderr
    assert cli_db.scalar("SELECT count(*) FROM users") == 5


def test_seed_without_password_prints_a_generated_one(cli_db: CliDb) -> None:
    result = run_cli("seed", "--users", "2", "--blogs", "0", env=cli_db.env)
    assert result.returncode == 0, result.stderr
    assert "demo password: Demo-" in result.stdout


def test_seed_rejects_a_weak_seed_password(cli_db: CliDb) -> None:
    result = _seed(cli_db, "--users", "2", BLOG_API_SEED_PASSWORD="weak")
    assert result.returncode == 1
    assert "BLOG_API_SEED_PASSWORD" in result.stderr
    assert cli_db.scalar("SELECT count(*) FROM users") == 0


def test_seed_refuses_production(cli_db: CliDb) -> None:
    result = _seed(
        cli_db,
        "--users",
        "2",
        ENVIRONMENT="production",
        DATABASE_URL="postgres://x@127.0.0.1/x",
        SECRET_KEY="k3Y-" + "a1b2c3d4e5f6g7h8i9j0" * 3,  # a safe configuration otherwise
    )
    assert result.returncode == 1
    assert "ENVIRONMENT=production" in result.stderr


def test_seed_rejects_a_size_below_two(cli_db: CliDb) -> None:
    result = _seed(cli_db, "--users", "1")
    assert result.returncode == 2
    assert "--users" in result.stderr
