"""The shortcuts in scripts/ run the same `blog-api` subcommands."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.cli.conftest import CliDb
from tests.conftest import ROOT


def _script(name: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ROOT / "scripts" / name), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("name", ["create-admin", "set-role", "seed", "export", "import"])
def test_each_script_is_its_subcommand(name: str, cli_db: CliDb) -> None:
    result = _script(name, "--help", env=cli_db.env)
    assert result.returncode == 0, result.stderr
    assert f"Usage: blog-api {name}" in result.stdout


def test_scripts_seed_then_export(cli_db: CliDb) -> None:
    seeded = _script(
        "seed", "--users", "3", "--blogs", "0", "--feature-requests", "0", env=cli_db.env
    )
    assert seeded.returncode == 0, seeded.stderr
    exported = _script("export", "-", env=cli_db.env)
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.count('"kind":"user"') == 3
