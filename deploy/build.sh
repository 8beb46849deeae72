#!/usr/bin/env bash
# Build one release tree: only the files production needs (an allow-list of tracked files: no
# .env, .states, tests, bench, CI) plus the exported frontend in .web/build/client, built for
# the public URL the browser will use. The checkout itself is not touched (the export runs in
# the release tree, so reflex.lock/package.json stay clean).
# Usage: deploy/build.sh OUT_DIR https://shop.example.ph
set -euo pipefail
out="${1:?usage: deploy/build.sh OUT_DIR https://public.url}"
public_url="${2:?usage: deploy/build.sh OUT_DIR https://public.url}"
cd "$(dirname "$0")/.."
# shellcheck source=scripts/setup.sh
. scripts/setup.sh

# What a release ships. Everything else in the checkout stays on the build machine.
ALLOW=(alembic alembic.ini assets mongocollectibles reflex.lock requirements.txt rxconfig.py
  pyproject.toml deploy)

mkdir -p "$out"
git ls-files -z -- "${ALLOW[@]}" | rsync -a --from0 --files-from=- ./ "$out/"
# Reuse this checkout's frontend packages when there are some (saves the bun install).
if [ -d .web/node_modules ] && [ ! -e "$out/.web/node_modules" ]; then
  mkdir -p "$out/.web"
  cp -a .web/node_modules "$out/.web/"
fi
(
  cd "$out"
  # Built with development settings on purpose: the frontend holds no secrets, and the
  # backend sends its real state (test-mode banner etc.) when the page connects.
  # The cards the page shows before it connects (services/catalog_preview.py): the shop's own
  # catalog when BUILD_DATABASE_URL lets the build read it; the demo catalog only when asked
  # (BUILD_DEMO_CATALOG=true, e.g. a demo shop); otherwise loading placeholders, never the
  # demo's items in front of a real shop's.
  if [ -n "${BUILD_DATABASE_URL:-}" ]; then
    catalog_env=(DATABASE_URL="$BUILD_DATABASE_URL" SEED_DEMO_DATA=false)
  else
    catalog_env=(-u DATABASE_URL SEED_DEMO_DATA="${BUILD_DEMO_CATALOG:-false}")
  fi
  env "${catalog_env[@]}" ENVIRONMENT=development REFLEX_API_URL="$public_url" \
    REFLEX_DEPLOY_URL="$public_url" \
    API_URL="$public_url" reflex export --frontend-only --no-zip --loglevel warning
  rm -rf .web/node_modules .web/.cache
  # The export leaves files of its own (.states, .gitignore): keep only what is allowed.
  for entry in * .[!.]*; do
    case " ${ALLOW[*]} .web " in
      *" $entry "*) ;;
      *) rm -rf "$entry" ;;
    esac
  done
  find . -name __pycache__ -prune -exec rm -rf {} +
)
test -f "$out/.web/build/client/index.html"
git rev-parse --short HEAD >"$out/REVISION" 2>/dev/null || echo unknown >"$out/REVISION"
echo "build.sh: release tree in $out for $public_url"
