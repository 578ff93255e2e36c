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


def _check(project: Path, *, offline: bool = True) -> subprocess.CompletedProcess[str]:
    uv = Path(sys.executable).with_name("uv")
    assert uv.exists(), "uv is part of the dev extra (./scripts/bootstrap.sh installs it)"
    # --offline: when the files agree, the check needs nothing from an index.
    return subprocess.run(
        [
            str(uv),
            "lock",
            "--check",
            *(["--offline"] if offline else []),
            "--project",
            str(project),
        ],
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
    # aiosmtpd is locked (for the tests) but not as a runtime dependency. Finding the lock out of
    # date means resolving again, for every Python the project allows, which needs package
    # metadata: from uv's cache if it has them, else from PyPI (offline, a fresh machine's cache
    # lacked them and uv failed for another reason, so the check is not offline here).
    text = pyproject.read_text().replace(
        "dependencies = [\n", 'dependencies = [\n    "aiosmtpd",\n', 1
    )
    pyproject.write_text(text)
    result = _check(tmp_path, offline=False)
    assert result.returncode != 0
    assert "needs to be updated" in result.stderr, result.stderr
