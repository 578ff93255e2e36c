#!/usr/bin/env bash
# Shared by scripts/dev and scripts/test: create .venv with Python 3.10+ and install exactly the
# versions in uv.lock (the project, its runtime and the `dev` extra: tests, linters), each checked
# against its sha256 hash. Re-installs only when pyproject.toml or uv.lock changed since the last
# install. A pyproject.toml that the lock does not match stops here: run ./scripts/lock.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"
if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' 2>/dev/null; then
  echo "error: Python 3.10 or newer is required (set PYTHON=/path/to/python3.x)" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "==> creating virtual environment in .venv"
  "$PY" -m venv .venv
fi
# One install for both commands (the API, the tests and the benchmark scripts all run from this
# venv), so ./scripts/dev and ./scripts/test never reinstall after each other.
stamp=".venv/.installed-$(cat pyproject.toml uv.lock | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  # uv installs the lock; the version of uv itself is the one the lock holds (so the sync
  # below keeps it and never replaces the running binary).
  uv_version="$(awk '/^name = "uv"$/ { getline; gsub(/"/, "", $3); print $3; exit }' uv.lock)"
  if ! .venv/bin/uv --version 2>/dev/null | grep -qx "uv $uv_version.*"; then
    echo "==> installing uv $uv_version"
    if [ -x .venv/bin/uv ]; then
      .venv/bin/uv pip install --quiet --python .venv/bin/python "uv==$uv_version"
    else
      .venv/bin/python -m pip --version >/dev/null 2>&1 || .venv/bin/python -m ensurepip --upgrade >/dev/null
      .venv/bin/python -m pip install --quiet --disable-pip-version-check "uv==$uv_version" 2>&1 \
        | grep -v '^WARNING: Location' || true
    fi
  fi
  echo "==> installing dependencies from uv.lock"
  # --locked: refuse a lock that pyproject.toml no longer matches (instead of re-resolving);
  # exact sync: whatever the lock does not list is removed from .venv.
  UV_PROJECT_ENVIRONMENT=.venv .venv/bin/uv sync --quiet --locked --extra dev --python .venv/bin/python
  .venv/bin/python -c 'import blog_api, fastapi, tortoise, httpx' # fail loudly if the install did not work
  rm -f .venv/.installed-*
  touch "$stamp"
fi
