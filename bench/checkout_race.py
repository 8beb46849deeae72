"""Checkout race on PostgreSQL: 200 concurrent checkouts of one pickup date for a collectible
with 10 units (reservations by date: the date is 14 days ahead, which every warehouse reaches).

The API is served as in production (granian, 1 worker, our FastAPI app, PostgreSQL). With no
PAYMONGO_SECRET_KEY it mounts the local PayMongo sandbox at /paymongo-sandbox on the same
server and calls it over HTTP, as it would call PayMongo. Every round must end with exactly 10
holds (10 x 200, 10 distinct units, 10 pending rentals with a payment URL), 190 clean 409s
(the out-of-stock message), and no error (no other status, no exception, nothing logged).

Baseline: the raw SQL hold statement alone (one UPDATE ... WHERE id = (SELECT ... FOR UPDATE
SKIP LOCKED LIMIT 1), the statement the checkout's hold boils down to), 200 at once through
10 connections (the app's pool size) against the same 10 free units.

Run: python -m bench.checkout_race [--rounds 5] [--checkouts 200] [--units 10]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import time
import uuid
from collections import Counter
from zoneinfo import ZoneInfo

import psycopg

from bench.common import (
    bench_env,
    granian,
    log,
    median,
    prestart,
    ratio,
    report,
    scratch_database,
    serve,
    sql,
    table,
    verdict,
)
from mongocollectibles.db import libpq_url
from tests.support.orders import order
from tests.support.servers import free_port

COLLECTIBLE, STORE = "col-002", "store-a"
BOOKED = "Sorry, no unit is free for a 3-day rental picked up on "
PICKUP = (dt.datetime.now(ZoneInfo("Asia/Manila")).date() + dt.timedelta(days=14)).isoformat()
ORDER = order(COLLECTIBLE, STORE, duration=3, method="gcash", pickup_date=PICKUP)
HOLD_SQL = """
UPDATE unit SET current_rental_id = %(rental)s
WHERE id = (
    SELECT unit.id FROM unit
    JOIN warehouse ON warehouse.id = unit.warehouse_id
    JOIN distance ON distance.warehouse_id = unit.warehouse_id
    WHERE unit.collectible_id = %(collectible)s AND distance.store_id = %(store)s
      AND unit.current_rental_id IS NULL AND unit.active AND warehouse.active
    ORDER BY distance.km, unit.warehouse_id, unit.id
    LIMIT 1
    FOR UPDATE OF unit SKIP LOCKED
) AND current_rental_id IS NULL
RETURNING id
"""


def stock_the_collectible(url: str, units: int) -> None:
    """Give COLLECTIBLE exactly `units` units, spread over the warehouses (seed: 4)."""
    have = sql(url, "SELECT count(*) FROM unit WHERE collectible_id = %s", (COLLECTIBLE,))[0][0]
    warehouses = [w for (w,) in sql(url, "SELECT id FROM warehouse ORDER BY id")]
    for i in range(have, units):
        sql(
            url,
            "INSERT INTO unit (id, collectible_id, warehouse_id, active) VALUES (%s, %s, %s, true)",
            (f"{COLLECTIBLE}-race-{i}", COLLECTIBLE, warehouses[i % len(warehouses)]),
        )


def reset(url: str) -> None:
    """Free every unit and forget the rentals of the previous round."""
    sql(url, "UPDATE unit SET current_rental_id = NULL WHERE current_rental_id IS NOT NULL")
    sql(url, "DELETE FROM rentalevent")
    sql(url, "DELETE FROM rental")


def check_database(url: str, units: int) -> list[str]:
    problems = []
    rentals = sql(url, "SELECT id, status, unit_id, checkout_url FROM rental")
    if len({unit for _, _, unit, _ in rentals}) != units:
        problems.append(f"{len({unit for _, _, unit, _ in rentals})} units booked, not {units}")
    statuses = Counter(status for _, status, _, _ in rentals)
    if statuses != {"pending_payment": units}:
        problems.append(f"rentals: {dict(statuses)}")
    if len({unit for _, _, unit, _ in rentals}) != len(rentals):
        problems.append("two rentals share a unit")
    if any(not checkout_url for _, _, _, checkout_url in rentals):
        problems.append("a pending rental has no payment URL")
    return problems


async def _post(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes):
    """Send one prepared HTTP/1.1 request; (status, JSON body)."""
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, json.loads(await reader.readexactly(length)) if length else {}


async def race_checkouts(base: str, n: int) -> tuple[Counter, list[str], float, dict]:
    """n checkouts at once, one connection each (all opened first). A few lines of asyncio
    instead of an HTTP client library: the client must not be what limits the figure."""
    host, port = base.removeprefix("http://").split(":")
    body = json.dumps(ORDER).encode()
    request = (
        f"POST /api/rentals/checkout HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    connections = [await asyncio.open_connection(host, int(port)) for _ in range(n)]
    latencies: dict[int, list[float]] = {}

    async def one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> tuple[int, str]:
        sent = time.perf_counter()
        try:
            status, answer = await _post(reader, writer, request)
        except (OSError, asyncio.IncompleteReadError, ValueError) as error:
            return 0, f"{type(error).__name__}: {error}"
        latencies.setdefault(status, []).append(time.perf_counter() - sent)
        if status == 200:
            ok = answer.get("success") and answer["data"]["payment_url"].startswith(base)
            return 200, "" if ok else f"bad 200 body: {answer}"
        if status == 409:
            ok = str(answer.get("error", "")).startswith(BOOKED)
            return 409, "" if ok else f"bad 409: {answer}"
        return status, f"{status}: {answer}"

    try:
        started = time.perf_counter()
        outcomes = await asyncio.gather(*[one(r, w) for r, w in connections])
        elapsed = time.perf_counter() - started
    finally:
        for _, writer in connections:
            writer.close()
    codes = Counter(code for code, _ in outcomes)
    return codes, [problem for _, problem in outcomes if problem], elapsed, latencies


async def race_raw_sql(url: str, n: int, connections: int) -> tuple[int, float]:
    """n hold statements at once over `connections` connections; returns (held, seconds)."""
    pool: list[psycopg.AsyncConnection] = []
    for _ in range(connections):
        pool.append(await psycopg.AsyncConnection.connect(libpq_url(url), autocommit=True))
    queue: asyncio.Queue = asyncio.Queue()
    for connection in pool:
        queue.put_nowait(connection)

    async def one() -> bool:
        connection = await queue.get()
        try:
            params = {"rental": uuid.uuid4().hex[:20], "collectible": COLLECTIBLE, "store": STORE}
            cursor = await connection.execute(HOLD_SQL, params)
            return await cursor.fetchone() is not None
        finally:
            queue.put_nowait(connection)

    try:
        started = time.perf_counter()
        results = await asyncio.gather(*[one() for _ in range(n)])
        elapsed = time.perf_counter() - started
    finally:
        for connection in pool:
            await connection.close()
    return sum(results), elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--checkouts", type=int, default=200)
    parser.add_argument("--units", type=int, default=10)
    args = parser.parse_args()
    n, units = args.checkouts, args.units

    rounds = []
    with scratch_database("race") as url:
        prestart(url)
        stock_the_collectible(url, units)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = bench_env(
            DATABASE_URL=url,
            ENVIRONMENT="test",
            API_BASE_URL=base,
            PUBLIC_BASE_URL=base,
            PAYMONGO_SECRET_KEY="",
            PAYMONGO_API_BASE="",
            # 200 checkouts from one address and one customer: this measures the hold race,
            # not the checkout limits (bench/slow_bodies.py and the tests cover those).
            CHECKOUT_LIMITS_ENABLED="false",
        )
        app = granian("mongocollectibles.api:create_api", port, factory=True)
        with serve(app, port=port, env=env, probes=["/api/stores"], name="race") as server:
            for i in range(args.rounds):
                reset(url)
                time.sleep(1.2)  # the server's catalog cache does not see SQL resets at once
                log_before = len(server.log_text())
                codes, problems, elapsed, latencies = asyncio.run(race_checkouts(base, n))
                problems += check_database(url, units)
                logged = [
                    line
                    for line in server.log_text()[log_before:].splitlines()
                    if "Traceback" in line or "ERROR" in line
                ]
                problems += [f"server log: {line}" for line in logged[:3]]
                reset(url)
                held, raw_elapsed = asyncio.run(race_raw_sql(url, n, connections=10))
                if held != units:
                    problems.append(f"raw SQL: {held} holds, not {units}")
                exact = codes == {200: units, 409: n - units} and not problems
                rounds.append((codes, problems, elapsed, held, raw_elapsed, exact, latencies))
                log(
                    f"round {i + 1}: {dict(codes)} in {elapsed:.2f} s "
                    f"({n / elapsed:.0f} checkouts/s); raw SQL {held} holds in "
                    f"{raw_elapsed * 1000:.0f} ms; {'exact' if exact else problems}"
                )
            reset(url)

    rows = []
    for i, (codes, problems, elapsed, held, raw_elapsed, exact, latencies) in enumerate(rounds, 1):
        ms = {c: sorted(1000 * t for t in v) for c, v in latencies.items()}
        others = {c: k for c, k in codes.items() if c not in (200, 409)}
        rows.append(
            [
                i,
                codes.get(200, 0),
                codes.get(409, 0),
                sum(others.values()) + len(problems),
                f"{n / elapsed:,.0f}",
                f"{median(ms.get(200, [0])):.0f} / {max(ms.get(200, [0])):.0f}",
                f"{median(ms.get(409, [0])):.0f} / {max(ms.get(409, [0])):.0f}",
                f"{held}",
                f"{n / raw_elapsed:,.0f}",
                ratio(n / elapsed, n / raw_elapsed),
                verdict(exact),
            ]
        )
    ours = median([n / r[2] for r in rounds])
    raw = median([n / r[4] for r in rounds])
    all_exact = all(r[5] for r in rounds)
    problems = sorted({p for r in rounds for p in r[1]})
    body = "\n".join(
        [
            table(
                [
                    "round",
                    "200 (held)",
                    "409",
                    "errors",
                    "ours checkouts/s",
                    "200 latency p50 / max ms",
                    "409 latency p50 / max ms",
                    "raw SQL holds",
                    "raw SQL holds/s",
                    "ratio",
                    "exact",
                ],
                rows,
            ),
            "",
            f"- median: ours {ours:,.0f} checkouts/s, raw SQL hold {raw:,.0f} holds/s, ratio "
            f"{ratio(ours, raw)}; exact in every round: {verdict(all_exact)}",
            *[f"- problem: {p}" for p in problems[:10]],
            "",
            f"{n} checkouts of {COLLECTIBLE} at {STORE} at once (one HTTP/1.1 connection each, "
            "all opened before the first request) "
            f"against {units} free units, {args.rounds} rounds. A checkout = validate, quote, "
            "hold the nearest unit, record the rental and its event, create the PayMongo "
            "checkout session over HTTP (local sandbox), store its URL. Server: granian, "
            "1 worker, PostgreSQL. Raw SQL: the hold statement alone, "
            f"{n} at once over 10 connections.",
        ]
    )
    report("checkout_race", "2. Checkout race (PostgreSQL)", body)


if __name__ == "__main__":
    main()
