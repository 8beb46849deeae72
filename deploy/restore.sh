#!/usr/bin/env bash
# Restore a backup.sh dump into an EMPTY database (a new one: never over the live shop), then
# check it with prestart (schema at the latest migration, the store network usable).
# Usage: TARGET_URL=postgresql://user:pass@host:25060/shop_restored?sslmode=require \
#          deploy/restore.sh shop-20260101-000000.dump
# Then point DATABASE_URL at it (or rename databases) and restart the service.
set -euo pipefail
dump="${1:?usage: TARGET_URL=... deploy/restore.sh FILE.dump}"
url="${TARGET_URL:?set TARGET_URL to the empty database to restore into}"
libpq="${url/postgresql+psycopg:/postgresql:}"
tables="$(psql "$libpq" -Atc "select count(*) from pg_tables where schemaname = 'public'")"
if [ "$tables" != 0 ]; then
  echo "restore.sh: the target database is not empty ($tables tables); use a new one" >&2
  exit 1
fi
pg_restore --no-owner --no-privileges --exit-on-error --dbname="$libpq" "$dump"
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
[ -x .venv/bin/python ] && python=.venv/bin/python
DATABASE_URL="${url/postgresql:/postgresql+psycopg:}" SEED_DEMO_DATA=false \
  "$python" -m mongocollectibles.prestart
echo "restore.sh: restored $dump; prestart checks passed"
