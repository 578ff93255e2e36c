"""Production start-up refusals and settings parsing."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from blog_api.core.config import Settings
from blog_api.core.redis import rate_limit_storage_uri

STRONG = "k3Y-" + "a1b2c3d4e5f6g7h8i9j0" * 3
PG = "postgres://app@db:5432/blog"


def prod(**values) -> Settings:
    base = {
        "environment": "production",
        "secret_key": STRONG,
        "database_url": PG,
        "cors_origins": "https://blog.example.com",
    }
    base.update(values)
    return Settings(_env_file=None, **base)


def test_safe_production_settings_load() -> None:
    settings = prod()
    assert settings.cors_origins == ["https://blog.example.com"]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"secret_key": ""}, "SECRET_KEY is missing"),
        ({"secret_key": "short"}, "SECRET_KEY is weak"),
        ({"secret_key": "a" * 40}, "SECRET_KEY is weak"),
        ({"cors_origins": "*"}, "CORS_ORIGINS contains '*'"),
        ({"data_encryption_keys": "k" * 40 + ",short"}, "DATA_ENCRYPTION_KEYS: key 2 is weak"),
        ({"database_url": "sqlite://var/x.sqlite3"}, "DATABASE_URL points at SQLite"),
    ],
)
def test_production_refuses_unsafe_settings(values: dict, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        prod(**values)
    assert message in str(info.value)


def test_production_accepts_strong_data_encryption_keys() -> None:
    keys = "new-Key-9x" + "abcdefghij" * 3 + ",old-Key-7y" + "klmnopqrst" * 3
    assert prod(data_encryption_keys=keys).data_encryption_keys == keys


def test_production_refusal_is_reported_by_the_command(monkeypatch, tmp_path) -> None:
    from tests.conftest import run_cli

    result = run_cli(
        "migrate",
        env={"ENVIRONMENT": "production", "SECRET_KEY": "", "DATABASE_URL": "sqlite://x.db"},
    )
    assert result.returncode != 0
    assert "SECRET_KEY is missing" in result.stderr + result.stdout


def test_development_allows_sqlite_and_generated_secret(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings(_env_file=None, environment="development")
    first = settings.effective_secret_key()
    assert len(first) >= 32
    assert settings.effective_secret_key() == first  # generated once, then kept
    assert (tmp_path / "var" / "dev-secret-key").exists()


def test_csv_lists_are_split() -> None:
    settings = Settings(_env_file=None, cors_origins="https://a.example, https://b.example")
    assert settings.cors_origins == ["https://a.example", "https://b.example"]


def test_docs_are_on_by_default_in_development() -> None:
    assert Settings(_env_file=None, environment="development").docs_enabled is True


def test_docs_are_off_by_default_in_production() -> None:
    assert prod().docs_enabled is False


def test_docs_can_be_turned_on_in_production() -> None:
    assert prod(docs_enabled="true").docs_enabled is True


@pytest.mark.parametrize(
    ("redis_url", "message"),
    [("", "REDIS_CLUSTER=true needs REDIS_URL"), ("redis://h:6379/3", "only database 0")],
)
def test_redis_cluster_refuses_what_a_cluster_cannot_do(redis_url: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(_env_file=None, redis_url=redis_url, redis_cluster=True)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("url", "cluster", "expected"),
    [
        ("redis://:pw@h:6379/2", False, ("async+redis://:pw@h:6379/2", {})),
        ("redis://:pw@h:7000/0", True, ("async+redis+cluster://:pw@h:7000", {})),
        ("rediss://h:6380", True, ("async+redis+cluster://h:6380", {"ssl": True})),
    ],
)
def test_rate_limit_storage_for_a_cluster_drops_the_database(
    url: str, cluster: bool, expected: tuple[str, dict[str, object]]
) -> None:
    assert rate_limit_storage_uri(url, cluster=cluster) == expected
