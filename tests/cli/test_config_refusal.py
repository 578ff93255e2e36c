"""An unsafe production configuration is refused in one line that names no secret."""

from __future__ import annotations

import pytest

from tests.conftest import run_cli

SECRETS = ("hunter2", "s3cretpw", "dbpassw0rd")
UNSAFE = {
    "ENVIRONMENT": "production",
    "SECRET_KEY": "hunter2",
    "REDIS_URL": "redis://:s3cretpw@127.0.0.1:6379/0",
    "DATABASE_URL": "sqlite://var/dbpassw0rd.sqlite3",
}


@pytest.mark.parametrize("command", [["serve"], ["migrate"], ["seed"]])
def test_refusal_is_one_line_without_secrets(command: list[str]) -> None:
    result = run_cli(*command, env=UNSAFE)

    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "refusing to start in production" in lines[0]
    assert "SECRET_KEY is weak" in lines[0]
    output = result.stdout + result.stderr
    assert [s for s in SECRETS if s in output] == []


def test_a_malformed_setting_names_the_setting_not_its_value() -> None:
    result = run_cli("migrate", env={"ACCESS_TOKEN_MINUTES": "hunter2"})

    assert result.returncode != 0
    assert "ACCESS_TOKEN_MINUTES" in result.stderr
    assert "hunter2" not in result.stdout + result.stderr


def test_help_works_whatever_the_configuration() -> None:
    result = run_cli("serve", "--help", env=UNSAFE)

    assert result.returncode == 0
    assert "--port" in result.stdout
