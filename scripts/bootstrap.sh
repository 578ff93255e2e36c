#!/usr/bin/env bash
# Shared by scripts/dev and scripts/test: create .venv with Python 3.10+ and install the project.
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
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)-${1:-runtime}"
if [ ! -f "$stamp" ]; then
  echo "==> installing dependencies"
  .venv/bin/python -m pip install --quiet --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
  if [ "${1:-runtime}" = "dev" ]; then
    .venv/bin/python -m pip install --quiet -e '.[dev]' 2>&1 | grep -v '^WARNING: Location' || true
  else
    .venv/bin/python -m pip install --quiet -e . 2>&1 | grep -v '^WARNING: Location' || true
  fi
  .venv/bin/python -c 'import blog_api, fastapi, tortoise' # fail loudly if the install did not work
  rm -f .venv/.installed-*
  touch "$stamp"
fi
