#!/usr/bin/env bash
# Shared by scripts/dev and scripts/test: create .venv with Python 3.10+ and install the project
# with its development tools.
# Re-installs only when pyproject.toml changed since the last install.
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
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "==> installing dependencies"
  .venv/bin/python -m pip install --quiet --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
  .venv/bin/python -m pip install --quiet -e '.[dev]' 2>&1 | grep -v '^WARNING: Location' || true
  .venv/bin/python -c 'import blog_api, fastapi, tortoise, httpx' # fail loudly if the install did not work
  rm -f .venv/.installed-*
  touch "$stamp"
fi
