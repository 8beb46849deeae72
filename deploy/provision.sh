#!/usr/bin/env bash
# Create the shop's DigitalOcean resources with doctl (and the aws CLI for the Spaces bucket):
#   - Managed PostgreSQL (database `shop`, user `shop`, a transaction-mode connection pool),
#     with droplets tagged `shop` as its only trusted source;
#   - the droplet from deploy/cloud-init.yaml with your SSH key for the `deploy` user;
#   - a cloud firewall (22, 80, 443 tcp+udp) on the `shop` tag;
#   - a Spaces bucket (versioned) with its CDN, for images and backup copies;
#   - DNS: the domain's A/AAAA records pointing at the droplet.
# --dry-run prints every command instead of running it (nothing is contacted).
# Usage: deploy/provision.sh --domain shop.example.ph --ssh-key ~/.ssh/id_ed25519.pub
#          [--region sgp1] [--size s-1vcpu-1gb] [--db-size db-s-1vcpu-1gb] [--name shop]
#          [--bucket shop-example-ph] [--no-spaces] [--dry-run] [--user-data-out FILE]
set -euo pipefail
cd "$(dirname "$0")/.."

domain="" ssh_key="" region="sgp1" size="s-1vcpu-1gb" db_size="db-s-1vcpu-1gb" name="shop"
bucket="" spaces=1 dry_run=0 user_data_out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --domain) domain="$2"; shift 2 ;;
    --ssh-key) ssh_key="$2"; shift 2 ;;
    --region) region="$2"; shift 2 ;;
    --size) size="$2"; shift 2 ;;
    --db-size) db_size="$2"; shift 2 ;;
    --name) name="$2"; shift 2 ;;
    --bucket) bucket="$2"; shift 2 ;;
    --no-spaces) spaces=0; shift ;;
    --dry-run) dry_run=1; shift ;;
    --user-data-out) user_data_out="$2"; shift 2 ;; # keep the filled cloud-init there
    *) echo "provision.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$domain" ] && [ -n "$ssh_key" ] || {
  echo "usage: deploy/provision.sh --domain DOMAIN --ssh-key KEY.pub [--dry-run] ..." >&2
  exit 2
}
[ -f "$ssh_key" ] || { echo "provision.sh: no SSH public key at $ssh_key" >&2; exit 2; }
bucket="${bucket:-${domain//./-}}"
apex="${domain#*.}" # shop.example.ph -> example.ph (the zone); a bare domain is its own zone
record="${domain%%.*}"
if [ "$(echo "$domain" | tr -cd . | wc -c)" -lt 2 ]; then apex="$domain" record="@"; fi

# run PLACEHOLDER command...: print it (--dry-run, the placeholder stands for its output) or
# run it and print its output.
run() {
  local placeholder="$1"
  shift
  if [ "$dry_run" = 1 ]; then
    printf '%q ' "$@" | sed 's/ $//' >&2
    echo >&2
    echo "$placeholder"
  else
    "$@"
  fi
}
if [ "$dry_run" = 0 ]; then
  command -v doctl >/dev/null || { echo "provision.sh: install doctl and run doctl auth init" >&2; exit 1; }
fi

# 1. Database: a managed cluster, the shop's database and user, a pool for many droplets.
db_id="$(run "<db-id>" doctl databases create "$name-db" --engine pg --version 16 \
  --size "$db_size" --region "$region" --num-nodes 1 --wait --format ID --no-header)"
run "" doctl databases db create "$db_id" shop >/dev/null
run "" doctl databases user create "$db_id" shop >/dev/null
run "" doctl databases pool create "$db_id" "$name-pool" --db shop --user shop \
  --mode transaction --size 11 >/dev/null

# 2. The droplet, with the deploy user's key filled into the cloud-init.
if [ -n "$user_data_out" ]; then
  user_data="$user_data_out"
else
  user_data="$(mktemp)"
  trap 'rm -f "$user_data"' EXIT
fi
key="$(head -n 1 "$ssh_key")"
awk -v key="$key" '{ gsub(/"SSH_PUBLIC_KEY"/, "\"" key "\""); print }' deploy/cloud-init.yaml >"$user_data"
key_id="$(run "<ssh-key-id>" doctl compute ssh-key import "$name-deploy" \
  --public-key-file "$ssh_key" --format ID --no-header)"
droplet_ip="$(run "<droplet-ip>" doctl compute droplet create "$name-1" \
  --image ubuntu-24-04-x64 --size "$size" --region "$region" --ssh-keys "$key_id" \
  --user-data-file "$user_data" --tag-names "$name" --enable-monitoring --enable-ipv6 \
  --enable-backups --wait --format PublicIPv4 --no-header)"
droplet_ip6="$(run "<droplet-ipv6>" doctl compute droplet get "$name-1" \
  --format PublicIPv6 --no-header)"

# 3. Only the shop's droplets reach the database.
run "" doctl databases firewalls append "$db_id" --rule "tag:$name" >/dev/null

# 4. Cloud firewall in front of the droplets (ufw on the droplet says the same).
anywhere="address:0.0.0.0/0,address:::/0"
run "" doctl compute firewall create --name "$name-fw" --tag-names "$name" \
  --inbound-rules "protocol:tcp,ports:22,$anywhere protocol:tcp,ports:80,$anywhere protocol:tcp,ports:443,$anywhere protocol:udp,ports:443,$anywhere" \
  --outbound-rules "protocol:tcp,ports:all,$anywhere protocol:udp,ports:all,$anywhere protocol:icmp,$anywhere" >/dev/null

# 5. Spaces: a versioned bucket (S3 API; doctl has no bucket command) and its CDN.
if [ "$spaces" = 1 ]; then
  endpoint="https://$region.digitaloceanspaces.com"
  run "" aws s3api create-bucket --bucket "$bucket" --endpoint-url "$endpoint" \
    --region "$region" >/dev/null
  run "" aws s3api put-bucket-versioning --bucket "$bucket" --endpoint-url "$endpoint" \
    --versioning-configuration Status=Enabled >/dev/null
  run "" doctl compute cdn create --origin "$bucket.$region.digitaloceanspaces.com" \
    --ttl 3600 >/dev/null
fi

# 6. DNS (the zone must be delegated to DigitalOcean's name servers).
run "" doctl compute domain create "$apex" >/dev/null || true
run "" doctl compute domain records create "$apex" --record-type A --record-name "$record" \
  --record-data "$droplet_ip" --record-ttl 300 >/dev/null
run "" doctl compute domain records create "$apex" --record-type AAAA --record-name "$record" \
  --record-data "$droplet_ip6" --record-ttl 300 >/dev/null

cat >&2 <<EOF

Next (deploy/README.md, "First deploy"):
  doctl databases connection $db_id --format URI     # the direct URL for DATABASE_URL
  doctl databases pool get $db_id $name-pool          # the pool's URL (more droplets)
  ssh deploy@$droplet_ip                               # write /etc/shop/shop.env
  deploy/release.sh deploy@$droplet_ip https://$domain
EOF
