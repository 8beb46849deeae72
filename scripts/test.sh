#!/usr/bin/env bash
# Set up and run the whole test suite: lint, unit, integration (SQLite + PostgreSQL), and the
# browser tests against the real Reflex app in Chromium.
# Needs: PostgreSQL reachable at TEST_POSTGRES_URL (default: postgres@127.0.0.1:5432, trust
# auth); a missing PostgreSQL fails the run unless ALLOW_NO_POSTGRES=1. Chromium: the system
# one (/usr/bin/chromium, installed with apt-get when missing and possible) or Playwright's.
# Arguments are passed to pytest (e.g. `scripts/test.sh -k quote`).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/setup.sh
. scripts/setup.sh dev

if [ -z "${CHROMIUM_PATH:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: installing Chromium from Debian packages"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null
  else
    echo "test.sh: no system Chromium; using Playwright's"
    python -m playwright install chromium
  fi
fi

# The droplet's Caddy (the Debian/Ubuntu package, 2.6) for the deploy tests and rehearsal:
# only its binary, unpacked under .tools (installing the package would start a server on :80).
if [ -z "${PACKAGED_CADDY:-}" ] && [ ! -x .tools/caddy-deb/usr/bin/caddy ]; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: unpacking Caddy from the Debian package"
    [ "$(id -u)" = 0 ] && apt-get update -qq >/dev/null
    (mkdir -p .tools/apt && cd .tools/apt && apt-get download -qq caddy >/dev/null &&
      dpkg -x caddy_*.deb ../caddy-deb) || echo "test.sh: no packaged Caddy; deploy tests will fail"
  fi
fi
# PgBouncer (what DigitalOcean's connection pool runs), unpacked the same way, for the
# transaction-mode test.
if ! command -v pgbouncer >/dev/null 2>&1 && [ ! -x .tools/pgbouncer-deb/usr/sbin/pgbouncer ] &&
  command -v apt-get >/dev/null 2>&1; then
  (mkdir -p .tools/apt && cd .tools/apt && apt-get download -qq pgbouncer libc-ares2 >/dev/null &&
    for deb in pgbouncer_*.deb libc-ares2_*.deb; do dpkg -x "$deb" ../pgbouncer-deb; done) ||
    echo "test.sh: no PgBouncer; its test is skipped"
fi
# cloud-init's schema for user-data, from the package Ubuntu/Debian droplets run.
if [ ! -d .tools/cloud-init-deb ] && command -v apt-get >/dev/null 2>&1; then
  (mkdir -p .tools/apt && cd .tools/apt && apt-get download -qq cloud-init >/dev/null &&
    dpkg -x cloud-init_*.deb ../cloud-init-deb) || echo "test.sh: no cloud-init schema"
fi
if [ -z "${PACKAGED_CADDY:-}" ] && [ -x .tools/caddy-deb/usr/bin/caddy ]; then
  export PACKAGED_CADDY="$PWD/.tools/caddy-deb/usr/bin/caddy"
fi
# The deploy tests: rsync (release.sh), bubblewrap (the service on a read-only filesystem, as
# systemd runs it), pg_dump/pg_restore (backups).
missing=()
command -v rsync >/dev/null 2>&1 || missing+=(rsync)
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
command -v pg_dump >/dev/null 2>&1 || missing+=(postgresql-client)
if [ "${#missing[@]}" -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "test.sh: installing ${missing[*]}"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") \
    >/dev/null || true
fi

echo "== lint (ruff)"
ruff check .
ruff format --check mongocollectibles tests

echo "== types (mypy: strict on domain, services, payments)"
mypy

echo "== unit + integration"
python -m pytest tests/unit tests/integration -p no:cacheprovider -q "$@"

echo "== browser (Reflex app in Chromium)"
# A separate run: pytest-playwright keeps its own event loop, which clashes with pytest-asyncio.
python -m pytest tests/e2e -p no:cacheprovider -q "$@"
