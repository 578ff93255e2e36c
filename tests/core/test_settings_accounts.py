"""Settings of the account flows: OpenID providers are checked when the settings load."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from blog_api.core.config import Settings

PROVIDER = {"name": "corp", "issuer": "https://id.example.com", "client_id": "blog"}


def load(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_the_account_requirements_are_off_by_default() -> None:
    settings = load()
    assert settings.require_verified_email_to_post is False
    assert settings.require_2fa_for_reviewers is False
    assert settings.oidc_providers == []
    assert settings.uses_smtp is False


def test_a_client_secret_is_read_from_its_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    settings = load(oidc_providers=[{**PROVIDER, "client_secret_file": str(secret)}])
    assert settings.oidc_providers[0].client_secret == "from-a-file"
    assert settings.oidc_providers[0].label == "corp"


def test_a_provider_without_openid_scope_is_refused() -> None:
    with pytest.raises(ValidationError, match="must include 'openid'"):
        load(oidc_providers=[{**PROVIDER, "scopes": "email profile"}])


def test_provider_names_must_be_unique() -> None:
    with pytest.raises(ValidationError, match="unique"):
        load(oidc_providers=[PROVIDER, PROVIDER])


def test_providers_are_read_from_json_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "OIDC_PROVIDERS", '[{"name": "corp", "issuer": "https://i", "client_id": "c"}]'
    )
    assert load().oidc_providers[0].name == "corp"
