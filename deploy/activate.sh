#!/usr/bin/env bash
# Runs ON THE DROPLET as `deploy` (release.sh calls it over ssh), from the uploaded release:
#   bash /opt/shop/releases/<id>/deploy/activate.sh <id> https://shop.example.ph
#   bash /opt/shop/current/deploy/activate.sh --rollback
# 1. the release's virtualenv: one per requirements.txt (shared by releases that agree, so a
#    release that changes no dependency installs nothing, and a rollback finds its own);
# 2. system files (unit, Caddyfile, Caddy's DOMAIN drop-in) installed when they changed;
# 3. /opt/shop/current switched to the release, the service restarted, /_health awaited;
# 4. a failed start switches back to the previous release and restarts it (exit 1), and
#    marks the failed release so that --rollback never picks it;
# 5. old releases pruned (the last SHOP_KEEP_RELEASES, default 5, stay for rollbacks).
set -euo pipefail
root="${SHOP_ROOT:-/opt/shop}"
health_url="${SHOP_HEALTH_URL:-http://127.0.0.1:8000/_health}"
health_timeout="${SHOP_HEALTH_TIMEOUT:-150}"
keep="${SHOP_KEEP_RELEASES:-5}"
releases="$root/releases"
say() { echo "activate: $(date -u +%T) $*"; }

current_release() { basename "$(readlink "$root/current" 2>/dev/null || echo none)"; }

switch_to() { # atomic: a new symlink renamed over the old one
  ln -sfn "releases/$1" "$root/current.new"
  mv -T "$root/current.new" "$root/current"
}

healthy() {
  local deadline=$((SECONDS + health_timeout))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if curl -fsS --max-time 5 "$health_url" 2>/dev/null | grep -q '"status": *true'; then
      return 0
    fi
    sleep 2
  done
  return 1
}

restart_and_check() {
  sudo systemctl reset-failed mongocollectibles 2>/dev/null || true # a start limit hit earlier
  sudo systemctl restart mongocollectibles || return 1
  healthy
}

if [ "${1:-}" = "--rollback" ]; then
  now="$(current_release)"
  previous="$(find "$releases" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort |
    awk -v now="$now" '$0 < now' | while read -r r; do
      [ -e "$releases/$r/.failed" ] || echo "$r"
    done | tail -n 1)"
  [ -n "$previous" ] || { say "no release before $now"; exit 1; }
  say "rolling back $now -> $previous"
  switch_to "$previous"
  restart_and_check || { say "the previous release $previous is not healthy either"; exit 1; }
  say "live: $previous"
  exit 0
fi

id="${1:?usage: activate.sh RELEASE_ID PUBLIC_URL | --rollback}"
public_url="${2:?usage: activate.sh RELEASE_ID PUBLIC_URL | --rollback}"
release="$releases/$id"
[ -d "$release" ] || { say "no release $release"; exit 1; }

# 1. virtualenv
python="${SHOP_PYTHON:-python3}"
key="$( (cat "$release/requirements.txt"; "$python" -VV) | sha256sum | cut -c1-16)"
venv="$root/venvs/$key"
if [ ! -f "$venv/.complete" ]; then
  say "installing dependencies into venvs/$key"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$release/requirements.txt"
  touch "$venv/.complete"
fi
ln -sfn "../../venvs/$key" "$release/.venv"

# 2. system files, only when they changed (a Caddy restart drops websockets; a reload does not)
install_if_changed() { # src dest -> 0 when installed
  if ! cmp -s "$1" "$2"; then
    sudo install -D -m 644 "$1" "$2"
    return 0
  fi
  return 1
}
domain="$(echo "$public_url" | sed -E 's#^https?://##; s#/.*$##')"
echo "DOMAIN=$domain" >"$release/caddy.env"
restart_caddy=0 reload_caddy=0
if install_if_changed "$release/deploy/mongocollectibles.service" \
  /etc/systemd/system/mongocollectibles.service; then
  sudo systemctl daemon-reload
  sudo systemctl enable mongocollectibles
fi
if install_if_changed "$release/deploy/caddy-shop.conf" \
  /etc/systemd/system/caddy.service.d/shop.conf; then
  sudo systemctl daemon-reload
  restart_caddy=1
fi
install_if_changed "$release/caddy.env" /etc/shop/caddy.env && restart_caddy=1
install_if_changed "$release/deploy/Caddyfile" /etc/caddy/Caddyfile && reload_caddy=1

# 3. switch, restart, wait for health
previous="$(current_release)"
say "switching ${previous} -> $id"
switch_to "$id"
if ! restart_and_check; then
  say "release $id failed its health check ($health_url)"
  touch "$release/.failed" # never a rollback target
  if [ "$previous" != none ] && [ -d "$releases/$previous" ]; then
    # 4. automatic rollback
    say "rolling back to $previous"
    switch_to "$previous"
    if restart_and_check; then
      say "rolled back: $previous is live again"
    else
      say "the previous release $previous is not healthy either: see journalctl -u mongocollectibles"
    fi
  fi
  exit 1
fi
if [ "$restart_caddy" = 1 ]; then
  sudo systemctl restart caddy
elif [ "$reload_caddy" = 1 ]; then
  sudo systemctl reload caddy
fi
say "live: $id"

# 5. prune: keep the newest releases (and always the live one), and the venvs they use
find "$releases" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort | head -n "-$keep" |
  while read -r old; do
    [ "$old" = "$id" ] || rm -rf "${releases:?}/$old"
  done
for venv_dir in "$root"/venvs/*/; do
  name="$(basename "$venv_dir")"
  if ! find "$releases" -mindepth 2 -maxdepth 2 -name .venv -lname "*/$name" | grep -q .; then
    rm -rf "$venv_dir"
  fi
done
