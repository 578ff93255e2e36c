#!/usr/bin/env bash
# TEST FIXTURE ONLY - never use these images in production.
#
# scripts/deploy-smoke runs deploy/compose.yaml on a machine that cannot reach any image registry.
# This script builds local stand-ins under the exact names the Dockerfile and compose.yaml use
# (python:3.11-slim, postgres:16, redis:7, caddy:2) from Debian bookworm packages:
# one debootstrap root (python3 + venv, postgresql, redis-server, caddy) imported once, then one
# tiny image per name that sets the user, entry point and volumes the official image has.
# Differences from the official images (fine for the smoke test, wrong for production):
#   postgres:16 holds Debian's PostgreSQL 15; caddy:2 is Debian's Caddy 2.6; redis:7 is Redis 7.0.
# Cached per machine: an image whose tag exists is not rebuilt (FORCE=1 rebuilds all).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${STANDIN_CACHE:-/var/cache/blog-api-standins}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
ROOT_TAG="blog-api-standin/bookworm-root:1"
# Label so the stand-ins can be told apart from real images (docker image ls --filter label=...).
LABEL="org.blog-api.test-fixture=never-use-in-production"

have() { [ "${FORCE:-0}" != 1 ] && docker image inspect "$1" >/dev/null 2>&1; }

if ! have "$ROOT_TAG"; then
  echo "==> stand-ins: debootstrap a Debian bookworm root (once per machine, a few minutes)"
  command -v debootstrap >/dev/null || apt-get install -y -q debootstrap >/dev/null
  rm -rf "$CACHE/rootfs" && mkdir -p "$CACHE"
  # Fixed uids/gids as in the official images (postgres and redis 999) are set up in the
  # per-image Dockerfiles; Debian's packages create their own system users here.
  debootstrap --variant=minbase \
    --include=python3,python3-venv,python3-pip,ca-certificates,postgresql,redis-server,redis-tools,caddy,passwd \
    bookworm "$CACHE/rootfs" "$MIRROR" > "$CACHE/debootstrap.log" 2>&1 \
    || { tail -n 30 "$CACHE/debootstrap.log" >&2; exit 1; }
  # The package's cluster and apt lists are not wanted in an image.
  rm -rf "$CACHE/rootfs/var/lib/postgresql/15/main" "$CACHE/rootfs/etc/postgresql/15/main" \
    "$CACHE/rootfs/var/lib/apt/lists/"* "$CACHE/rootfs/var/cache/apt/archives/"*.deb
  tar -C "$CACHE/rootfs" -c . | docker import -c "LABEL $LABEL" - "$ROOT_TAG" >/dev/null
  rm -rf "$CACHE/rootfs"
fi

# The python stand-in trusts the CA certificates this machine trusts in addition to Debian's
# (a machine that reaches PyPI through an intercepting proxy needs that to build the app image).
CTX="$(mktemp -d)"
trap 'rm -rf "$CTX"' EXIT
cp "$HERE"/*.Dockerfile "$HERE"/*.sh "$CTX"/
mkdir -p "$CTX/extra-ca"
cp /usr/local/share/ca-certificates/*.crt "$CTX/extra-ca/" 2>/dev/null || true

build() { # tag dockerfile
  if have "$1"; then return 0; fi
  echo "==> stand-ins: $1 (TEST FIXTURE)"
  # The legacy builder prints a deprecation notice on stderr; only failures matter here.
  DOCKER_BUILDKIT=0 docker build -q --label "$LABEL" -t "$1" -f "$CTX/$2" "$CTX" >/dev/null 2>"$CTX/err" \
    || { cat "$CTX/err" >&2; exit 1; }
}
build python:3.11-slim python.Dockerfile
build postgres:16 postgres.Dockerfile
build redis:7 redis.Dockerfile
build caddy:2 caddy.Dockerfile
