#!/usr/bin/env bash
# Until the first production deploy, the migration history is squashed: this regenerates one
# initial migration per dialect from the current models. Serialised with a lock because several
# developers (or agents) may share this checkout. After the first deploy, use
# `blog-api makemigrations --name <change>` instead and never delete applied migrations.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
exec 9>/tmp/blog-api-migrations.lock
flock 9
rm -rf aerich_migrations/sqlite aerich_migrations/postgres
.venv/bin/blog-api makemigrations --name init
