#!/usr/bin/env bash
# Run the benchmarks (by hand: they are not tests and not in CI) and print their tables; the
# figures also land in bench/results/latest.md (one section per benchmark).
#   bench/run_all.sh                  # all five, about 15 minutes on 2 vCPUs
#   bench/run_all.sh memory page_load # only these
# Needs PostgreSQL (BENCH_POSTGRES_URL, else TEST_POSTGRES_URL, else postgres@127.0.0.1:5432
# with trust auth; each benchmark creates and drops its own database), Chromium and wrk (both
# installed with apt-get when missing and running as root). Python packages: requirements-dev.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/setup.sh
. scripts/setup.sh dev

need_apt() {  # need_apt <command> <debian package>
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "run_all.sh: installing $2 from Debian packages"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2") >/dev/null
  else
    echo "run_all.sh: $1 is missing; install the Debian package $2" >&2
    exit 1
  fi
}
need_apt wrk wrk
[ -n "${CHROMIUM_PATH:-}" ] || need_apt chromium chromium

benchmarks=("$@")
[ ${#benchmarks[@]} -gt 0 ] || benchmarks=(api_throughput checkout_race page_load live_quote memory slow_bodies reservations)
for name in "${benchmarks[@]}"; do
  echo "== bench/$name.py"
  python -m "bench.$name"
done
echo "== all figures: bench/results/latest.md"
