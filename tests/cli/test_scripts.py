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


def _bootstrap_line(script: str) -> list[str]:
    (line,) = [
        ln.split()
        for ln in (ROOT / "scripts" / script).read_text().splitlines()
        if "scripts/bootstrap.sh" in ln
    ]
    return line


@pytest.mark.skipif(
    not list((ROOT / ".venv").glob(".installed-*")),
    reason="runs in the .venv that scripts/bootstrap.sh made",
)
@pytest.mark.parametrize("script", ["dev", "test"])
def test_dev_and_test_share_one_install(script: str) -> None:
    # scripts/test installed the venv these tests run in; the API command must find it
    # complete (no reinstall), with what the benchmark scripts import.
    result = subprocess.run(
        _bootstrap_line(script), cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "installing" not in result.stdout + result.stderr
    probe = subprocess.run(
        [str(ROOT / ".venv/bin/python"), "-c", "import httpx, websockets, uvloop"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr
