#!/usr/bin/env bash
# Set up and run the shop on the embedded default: SQLite, the local PayMongo sandbox, local
# images, demo data. Storefront: http://localhost:3000  API docs: http://localhost:8000/api/docs
# Extra arguments go to `reflex run` (e.g. `--env prod`).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/setup.sh
. scripts/setup.sh
python -m mongocollectibles.prestart
exec reflex run "$@"
