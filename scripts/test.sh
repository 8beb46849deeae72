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
