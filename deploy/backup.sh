#!/usr/bin/env bash
# A logical backup of the shop's database (in addition to DigitalOcean's daily backups with
# 7 days of point-in-time recovery): pg_dump's custom format, restorable with restore.sh.
# Run it on the droplet (postgresql-client is installed there) or anywhere the database
# trusts; with BACKUP_BUCKET set, the file is also copied to Spaces (versioned bucket).
# Usage: deploy/backup.sh [OUT_FILE]      (DATABASE_URL from the environment or
#        /etc/shop/shop.env; use the direct :25060 URL, not the pool)
set -euo pipefail
if [ -z "${DATABASE_URL:-}" ] && [ -r /etc/shop/shop.env ]; then
  DATABASE_URL="$(sed -n 's/^DATABASE_URL=//p' /etc/shop/shop.env)"
  migrate="$(sed -n 's/^MIGRATE_DATABASE_URL=//p' /etc/shop/shop.env)"
  DATABASE_URL="${migrate:-$DATABASE_URL}"
fi
url="${DATABASE_URL:?set DATABASE_URL}"
url="${url/postgresql+psycopg:/postgresql:}" # libpq's scheme
out="${1:-shop-$(date -u +%Y%m%d-%H%M%S).dump}"
pg_dump --format=custom --no-owner --no-privileges --file="$out" "$url"
pg_restore --list "$out" >/dev/null # the file is readable and complete
echo "backup.sh: $out ($(du -h "$out" | cut -f1))"
if [ -n "${BACKUP_BUCKET:-}" ]; then
  aws s3 cp "$out" "s3://$BACKUP_BUCKET/backups/$(basename "$out")" \
    --endpoint-url "https://${SPACES_REGION:-sgp1}.digitaloceanspaces.com"
fi
