#!/usr/bin/env bash
# Build the frontend here (the $6 droplet has too little memory for the bun build), copy the
# app to the droplet, then restart the service (its ExecStartPre migrates the database).
# Usage: deploy/release.sh deploy@shop.example.ph https://shop.example.ph
set -euo pipefail
host="${1:?usage: deploy/release.sh user@host https://public.url}"
public_url="${2:?usage: deploy/release.sh user@host https://public.url}"
cd "$(dirname "$0")/.."
# shellcheck source=scripts/setup.sh
. scripts/setup.sh
REFLEX_API_URL="$public_url" reflex export --frontend-only --no-zip
rsync -az --delete --exclude .venv --exclude .tools --exclude node_modules --exclude '*.db' \
  --exclude .git --exclude test-artifacts ./ "$host:/opt/shop/app/"
# shellcheck disable=SC2029
ssh "$host" "sudo -u shop bash -c 'cd /opt/shop/app && (test -x ../venv/bin/python || python3 -m venv ../venv) && ../venv/bin/pip install -q -r requirements.txt' \
  && sudo install -m 644 /opt/shop/app/deploy/mongocollectibles.service /etc/systemd/system/ \
  && sudo install -m 644 /opt/shop/app/deploy/Caddyfile /etc/caddy/Caddyfile \
  && sudo systemctl daemon-reload && sudo systemctl enable mongocollectibles \
  && sudo systemctl restart mongocollectibles && sudo systemctl reload caddy"
echo "released to $host ($public_url)"
