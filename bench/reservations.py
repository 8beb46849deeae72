"""Reservations by date at scale: quote and 90-day availability latency at seed size and at
100,000 units with 1,000,000 reservations (past and future), served as in production.

Ours: `mongocollectibles.api:app` under granian (1 worker, ENVIRONMENT=production,
PostgreSQL), asked one request at a time over HTTP (latency, not throughput):
- quotes with a pickup date, each for a different (collectible, store, duration, day), so
  nearly every one misses the per-snapshot memo and runs the date search in the database;
- quotes without a date (the earlier clients' request: the earliest possible day);
- the same quote repeated (the memo's hit: what a busy storefront mostly sees);
- 90-day availability calendars, each for a different (collectible, store, duration, from).

Targets (the reservations issue): quote p50 at 1M reservations <= 2x its seed-size p50; a
90-day availability answer p50 <= 50 ms. Throughput of catalog and quote is api_throughput's.

The big inventory: units bulk-added over every collectible and warehouse (100,000 in all),
then ten reservations per unit spread over a year back and a year ahead (windows 4 to 33
days, 73 days apart, so no two of a unit overlap): past ones returned, future ones paid, one
in ten still pending payment. One INSERT ... SELECT; the exclusion constraint checks them all.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import itertools
import time
from zoneinfo import ZoneInfo

import httpx

from bench.common import (
    bench_env,
    free_port,
    granian,
    grow_inventory,
    log,
    median,
    percentile,
    prestart,
    ratio,
    report,
    scratch_database,
    serve,
    sql,
    table,
    verdict,
)

PRODUCTION = {
    "ENVIRONMENT": "production",
    "PAYMONGO_SECRET_KEY": "sk_test_benchmark_not_a_real_key",
    "PAYMONGO_WEBHOOK_SECRET": "whsk_benchmark_not_a_real_secret",
    "ADMIN_PASSWORD": "benchmark-admin-password",
    "PUBLIC_BASE_URL": "http://127.0.0.1",
}
OUR_APP = "mongocollectibles.api:app"
COLLECTIBLES = [f"col-00{i}" for i in range(1, 7)]
STORES = ["store-a", "store-b", "store-c"]
DURATIONS = [1, 3, 7, 14, 30]


def manila_today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Asia/Manila")).date()


def load_reservations(url: str, per_unit: int) -> int:
    """`per_unit` reservations for every unit (see the module docstring); returns how many."""
    today = manila_today()
    sql(
        url,
        """
        WITH u AS (
            SELECT u.id, u.collectible_id, u.warehouse_id, c.name,
                   row_number() OVER (ORDER BY u.id) AS k
            FROM unit u JOIN collectible c ON c.id = u.collectible_id
        ), w AS (
            SELECT u.*, j,
                   %(first)s::date + (j * 73 + (k %% 37))::int AS ws,
                   (4 + (k * 7 + j * 13) %% 30)::int AS len
            FROM u CROSS JOIN generate_series(0, %(last)s) AS j
        )
        INSERT INTO rental (
            id, secret_token, status, collectible_id, collectible_name, store_id, unit_id,
            warehouse_id, duration_days, daily_rate_centavos, total_centavos,
            is_special_rate, eta_days, pickup_date, return_date, window_start, window_end,
            late_return_conflict, payment_method, customer_name, customer_email,
            customer_phone, customer_address, customer_city, customer_postal_code,
            needs_refund, session_expired_at_gateway, hold_expires_at, created_at, updated_at
        )
        SELECT 'bench-' || k || '-' || j, 'token', CASE
                   WHEN ws + len <= %(today)s THEN 'returned'
                   WHEN (k + j) %% 10 = 0 THEN 'pending_payment'
                   ELSE 'paid' END,
               collectible_id, name, 'store-a', id, warehouse_id, len - 3, 100000,
               100000 * (len - 3), false, 1, ws + 1, ws + len - 2, ws, ws + len, false,
               'gcash', 'Bench', 'bench@example.com', '+639171234567', 'x', 'Manila', '1000',
               false, false, now() + interval '1 day', now(), now()
        FROM w
        """,
        {"first": today - dt.timedelta(days=365), "last": per_unit - 1, "today": today},
    )
    sql(url, "VACUUM ANALYZE rental")
    return sql(url, "SELECT count(*) FROM rental")[0][0]


def timed(client: httpx.Client, method: str, path: str, **kwargs) -> float:
    started = time.perf_counter()
    response = client.request(method, path, **kwargs)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{method} {path} -> {response.status_code}: {response.text[:300]}")
    return elapsed


def measure(base: str, requests: int) -> dict[str, list[float]]:
    today = manila_today()
    combos = itertools.cycle(itertools.product(DURATIONS, STORES, COLLECTIBLES))
    out: dict[str, list[float]] = {"dated": [], "earliest": [], "repeat": [], "calendar": []}
    with httpx.Client(base_url=base, timeout=60) as client:
        for _ in range(20):  # warm-up: connections, the catalog snapshot
            timed(client, "GET", "/api/collectibles")
        for n in range(requests):
            days, store, collectible = next(combos)
            pickup = today + dt.timedelta(days=14 + (n * 7) % 300)
            body = {"collectible_id": collectible, "store_id": store, "duration": days}
            out["dated"].append(
                timed(
                    client,
                    "POST",
                    "/api/rentals/quote",
                    json={**body, "pickup_date": pickup.isoformat()},
                )
            )
            out["earliest"].append(
                timed(client, "POST", "/api/rentals/quote", json={**body, "duration": 1 + n % 30})
            )
            out["repeat"].append(timed(client, "POST", "/api/rentals/quote", json=body))
            first = today + dt.timedelta(days=(n * 11) % 200)
            out["calendar"].append(
                timed(
                    client,
                    "GET",
                    f"/api/collectibles/{collectible}/availability",
                    params={
                        "store_id": store,
                        "duration": days,
                        "from": first.isoformat(),
                        "days": 90,
                    },
                )
            )
    return out


def serve_and_measure(url: str, requests: int, tag: str) -> dict[str, list[float]]:
    port = free_port()
    env = bench_env(DATABASE_URL=url, API_BASE_URL=f"http://127.0.0.1:{port}", **PRODUCTION)
    with serve(
        granian(OUR_APP, port), port=port, env=env, probes=["/api/stores"], name=f"resv-{tag}"
    ) as server:
        return measure(server.url, requests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--per-unit", type=int, default=10, help="reservations per unit")
    parser.add_argument("--requests", type=int, default=200, help="of each kind, per size")
    args = parser.parse_args()

    with scratch_database("resv") as url:
        log("migrating and seeding a throwaway database")
        prestart(url)
        log("seed size: measuring")
        seed = serve_and_measure(url, args.requests, "seed")
        log(f"bulk-loading {args.units:,} units")
        grow_inventory(url, args.units, held_every=10**9)
        started = time.monotonic()
        count = load_reservations(url, args.per_unit)
        log(f"{count:,} reservations loaded in {time.monotonic() - started:.0f} s; measuring")
        big = serve_and_measure(url, args.requests, "big")
        live = sql(
            url,
            "SELECT count(*) FROM rental WHERE status IN ('paid', 'pending_payment')",
        )[0][0]

    names = {
        "dated": "quote with pickup_date (memo miss)",
        "earliest": "quote without a date (earliest day; memo miss)",
        "repeat": "quote repeated (memo hit)",
        "calendar": "90-day availability (memo miss)",
    }
    rows = []
    for key, name in names.items():
        s50, b50 = median(seed[key]), median(big[key])
        target = None
        if key in ("dated", "earliest"):
            target = verdict(b50 <= 2 * s50, f"<= 2x: {ratio(b50, s50)}x")
        if key == "calendar":
            target = verdict(b50 <= 50, "p50 <= 50 ms")
        rows.append(
            [
                name,
                f"{s50:.2f} / {percentile(seed[key], 90):.2f}",
                f"{b50:.2f} / {percentile(big[key], 90):.2f}",
                ratio(b50, s50),
                target or "-",
            ]
        )
    body = table(
        [
            "request",
            "seed (24 units) p50 / p90 ms",
            f"{args.units:,} units, {count:,} reservations p50 / p90 ms",
            "ratio",
            "target met",
        ],
        rows,
    )
    body += (
        f"\n\n{args.requests} requests of each kind per size, one at a time over HTTP "
        f"(httpx, keep-alive) to granian, 1 worker, ENVIRONMENT=production, PostgreSQL. "
        f"Live (paid or pending) reservations at the big size: {live:,}."
    )
    report("reservations", "Reservations by date: quote and availability latency", body)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
