#!/usr/bin/env bash
# Run the production stack on this machine, by hand, before a release: the release tree built
# as release.sh builds it, the backend from deploy/mongocollectibles.service (its command
# lines and environment, ENVIRONMENT=production), a fresh PostgreSQL database, Redis with 2
# workers, the standalone PayMongo sandbox on sk_test_ keys, and the packaged Caddy (2.6, as
# on the droplet) with deploy/Caddyfile on a loopback port. Open the printed URL and shop.
# Needs: PostgreSQL (TEST_POSTGRES_URL, an admin URL), Redis, the caddy package's binary
# (apt-get install caddy, or PACKAGED_CADDY=/path/to/caddy), bubblewrap (optional).
# Usage: deploy/rehearse.sh [--workers N] [--redis URL] [--postgres ADMIN_URL]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/setup.sh
. scripts/setup.sh dev
exec python -m tests.support.rehearsal "$@"
