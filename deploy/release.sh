#!/usr/bin/env bash
# Release from this checkout to a droplet: build the release tree here (the $6 droplet has
# too little memory for the frontend build), upload it to a new versioned directory as the
# `deploy` user, then activate it there (deploy/activate.sh: virtualenv, switch the
# /opt/shop/current symlink, restart, await /_health, roll back automatically on failure).
# Usage: deploy/release.sh deploy@shop.example.ph https://shop.example.ph
#        deploy/release.sh --rollback deploy@shop.example.ph
# SHOP_ROOT (default /opt/shop) is where the droplet keeps releases.
set -euo pipefail
usage="usage: deploy/release.sh user@host https://public.url | --rollback user@host"
root="${SHOP_ROOT:-/opt/shop}"
remote_env="SHOP_ROOT=$(printf %q "$root")"
for name in SHOP_HEALTH_URL SHOP_HEALTH_TIMEOUT SHOP_KEEP_RELEASES SHOP_PYTHON; do
  if [ -n "${!name:-}" ]; then
    remote_env+=" $name=$(printf %q "${!name}")"
  fi
done

if [ "${1:-}" = "--rollback" ]; then
  host="${2:?$usage}"
  # shellcheck disable=SC2029  # expanded here on purpose
  exec ssh "$host" "$remote_env bash $root/current/deploy/activate.sh --rollback"
fi
host="${1:?$usage}"
public_url="${2:?$usage}"
cd "$(dirname "$0")/.."

id="$(date -u +%Y%m%d-%H%M%S)-$(git rev-parse --short HEAD 2>/dev/null || echo local)"
build="$(mktemp -d)"
trap 'rm -rf "$build"' EXIT
bash deploy/build.sh "$build/$id" "$public_url"

# Files unchanged since the live release are hard-linked, not sent again.
rsync -a --delete --chmod=D755,F644 --link-dest="$root/current/" \
  "$build/$id/" "$host:$root/releases/$id/"
# shellcheck disable=SC2029  # expanded here on purpose
ssh "$host" "$remote_env bash $root/releases/$id/deploy/activate.sh $id $(printf %q "$public_url")"
echo "released $id to $host ($public_url)"
