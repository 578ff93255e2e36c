"""uv.lock is what every install uses (scripts/bootstrap.sh, the Dockerfile, CI): it must match
pyproject.toml. After changing dependencies, run ./scripts/lock and commit uv.lock."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness import once_per_suite

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _once_per_suite() -> None:
    once_per_suite()


def _check(project: Path) -> subprocess.CompletedProcess[str]:
    uv = Path(sys.executable).with_name("uv")
    assert uv.exists(), "uv is part of the dev extra (./scripts/bootstrap.sh installs it)"
    # --offline: the check compares the two files; it needs nothing from an index.
    return subprocess.run(
        [str(uv), "lock", "--check", "--offline", "--project", str(project)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_lock_matches_pyproject() -> None:
    result = _check(ROOT)
    assert result.returncode == 0, f"run ./scripts/lock:\n{result.stderr}"


def test_a_dependency_missing_from_the_lock_is_noticed(tmp_path: Path) -> None:
    for name in ("pyproject.toml", "uv.lock", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    pyproject = tmp_path / "pyproject.toml"
    # aiosmtpd is locked (for the tests) but not as a runtime dependency: offline resolution
    # works and finds the lock out of date.
    text = pyproject.read_text().replace(
        "dependencies = [\n", 'dependencies = [\n    "aiosmtpd",\n', 1
    )
    pyproject.write_text(text)
    result = _check(tmp_path)
    assert result.returncode != 0
    assert "needs to be updated" in result.stderr, result.stderr
