"""API throughput and latency: GET /api/collectibles and POST /api/rentals/quote.

Served as in production: granian, 1 worker, our FastAPI app (`mongocollectibles.api`),
ENVIRONMENT=production, PostgreSQL. wrk (another process) loads it at the seed size, then with
100,000 and 1,000,000 units (bulk-loaded into a throwaway database).

Four servers run side by side and are loaded in turn, round after round (the figures are the
medians of the rounds, so drift on a shared machine hits all of them alike):
- ours: the app as deployed, `mongocollectibles.api:app` (FastAPI behind
  `api.fast_path.hot_paths`, which answers these two requests before FastAPI);
- without fast path: `create_api()` alone, every request through FastAPI's routing;
- FastAPI floor: our app plus a route that answers the same bytes and does nothing else
  (bench/apps.py): what any endpoint inside FastAPI costs;
- bare ASGI (the baseline): a bare ASGI app answering the same bytes (bench/bare_asgi.py).

Run: python -m bench.api_throughput [--seconds 5] [--rounds 3] [--connections 16]
                                    [--sizes 24,100000,1000000]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import tempfile
from pathlib import Path

import httpx

from bench.apps import FLOOR_PREFIX
from bench.common import (
    WrkResult,
    bench_env,
    granian,
    grow_inventory,
    log,
    median,
    prestart,
    ratio,
    report,
    scratch_database,
    serve,
    table,
    verdict,
    wrk,
    wrk_script,
)
from tests.support.servers import free_port

QUOTE_BODY = json.dumps({"collectible_id": "col-002", "store_id": "store-a", "duration": 3})
ENDPOINTS = {
    "catalog": ("GET", "/api/collectibles", None),
    "quote": ("POST", "/api/rentals/quote", QUOTE_BODY),
}
TARGETS = {"catalog": 0.9, "quote": 0.85}  # of the bare baseline's requests per second (issue 15)
# ENVIRONMENT=production refuses default secrets: give it (fake) real-looking ones. Neither
# endpoint measured here talks to PayMongo.
PRODUCTION = {
    "ENVIRONMENT": "production",
    "PAYMONGO_SECRET_KEY": "sk_test_benchmark_not_a_real_key",
    "PAYMONGO_WEBHOOK_SECRET": "whsk_benchmark_not_a_real_secret",
    "ADMIN_PASSWORD": "benchmark-admin-password",
    "PUBLIC_BASE_URL": "http://127.0.0.1",
}
OUR_APP = "mongocollectibles.api:app"  # as deployed: FastAPI behind the hot_paths fast path


def label(units: int) -> str:
    if units >= 1_000_000 and units % 1_000_000 == 0:
        return f"{units // 1_000_000}M units"
    if units >= 1_000 and units % 1_000 == 0:
        return f"{units // 1_000}k units"
    return f"{units} units (seed)" if units == 24 else f"{units} units"


def capture(base: str) -> list[dict]:
    """Our API's answers (status, type, bytes): what the floor and the baseline send back."""
    out = []
    for method, path, body in ENDPOINTS.values():
        headers = {"content-type": "application/json"} if body else None
        response = httpx.request(method, base + path, content=body, headers=headers)
        response.raise_for_status()
        out.append(
            {
                "method": method,
                "path": path,
                "status": response.status_code,
                "content_type": response.headers["content-type"],
                "body": response.text,
            }
        )
    return out


def same_answers(base: str, prefix: str, answers: list[dict]) -> None:
    for answer in answers:
        body = QUOTE_BODY if answer["method"] == "POST" else None
        headers = {"content-type": "application/json"} if body else None  # else 415
        got = httpx.request(
            answer["method"], base + prefix + answer["path"], content=body, headers=headers
        )
        if got.text != answer["body"]:
            raise RuntimeError(f"{base}{prefix}{answer['path']} does not answer the same bytes")


def measure(bases: dict[str, str], seconds: float, rounds: int, connections: int) -> dict:
    """{(server, endpoint): [WrkResult per round]}, servers loaded in turn each round."""
    results: dict[tuple[str, str], list[WrkResult]] = {}
    for name, (method, path, body) in ENDPOINTS.items():
        script = wrk_script(method, body)
        try:
            for base in bases.values():  # warm-up
                wrk(base + path, script, seconds=2, connections=connections)
            for _ in range(rounds):
                for server, base in bases.items():
                    r = wrk(base + path, script, seconds=seconds, connections=connections)
                    results.setdefault((server, name), []).append(r)
                    log(f"  {server:<6} {name:<8} {r.rps:8.0f} req/s  p50 {r.p50_ms:6.2f} ms")
        finally:
            script.unlink()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--sizes", default="24,100000,1000000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    rows, p50 = [], {}
    with scratch_database("api") as url:
        log("migrating and seeding a throwaway database")
        prestart(url)
        for units in sizes:
            log(f"{label(units)}: bulk-loading units")
            grow_inventory(url, units)
            ports = {name: free_port() for name in ("ours", "hot", "floor", "bare")}
            common = {"DATABASE_URL": url, **PRODUCTION}
            with contextlib.ExitStack() as stack:
                env = bench_env(API_BASE_URL=f"http://127.0.0.1:{ports['ours']}", **common)
                ours = stack.enter_context(
                    serve(
                        granian(OUR_APP, ports["ours"]),
                        port=ports["ours"],
                        env=env,
                        probes=["/api/stores"],
                        name="api-ours",
                    )
                )
                answers = capture(ours.url)
                with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
                    json.dump(answers, handle)
                stack.callback(Path(handle.name).unlink)
                env = bench_env(BENCH_BARE_RESPONSES=handle.name, **common)
                hot = stack.enter_context(
                    serve(
                        granian("mongocollectibles.api:create_api", ports["hot"], factory=True),
                        port=ports["hot"],
                        env=env,
                        probes=["/api/stores"],
                        name="api-hot",
                    )
                )
                floor = stack.enter_context(
                    serve(
                        granian("bench.apps:floor_app", ports["floor"], factory=True),
                        port=ports["floor"],
                        env=env,
                        probes=["/api/stores"],
                        name="api-floor",
                    )
                )
                bare = stack.enter_context(
                    serve(
                        granian("bench.bare_asgi:app", ports["bare"]),
                        port=ports["bare"],
                        env=env,
                        name="api-bare",
                    )
                )
                same_answers(hot.url, "", answers)
                same_answers(floor.url, FLOOR_PREFIX, answers)
                same_answers(bare.url, "", answers)
                log(f"{label(units)}: loading the four servers in turn")
                bases = {
                    "ours": ours.url,
                    "hot": hot.url,
                    "floor": floor.url + FLOOR_PREFIX,
                    "bare": bare.url,
                }
                results = measure(bases, args.seconds, args.rounds, args.connections)
            for name, (method, path, _) in ENDPOINTS.items():
                runs = {k: results[(k, name)] for k in ("ours", "hot", "floor", "bare")}
                rps = {k: median([r.rps for r in v]) for k, v in runs.items()}
                p50s = {k: median([r.p50_ms for r in v]) for k, v in runs.items()}
                p99s = {k: median([r.p99_ms for r in v]) for k, v in runs.items()}
                for k in ("ours", "hot"):
                    p50[(k, name, units)] = p50s[k]
                target = TARGETS[name]
                rows.append(
                    [
                        f"{method} {path}",
                        label(units),
                        f"{rps['ours']:,.0f}",
                        ratio(rps["ours"], rps["bare"]),
                        verdict(rps["ours"] >= target * rps["bare"], f"target {target:.2f}"),
                        f"{rps['hot']:,.0f} ({ratio(rps['hot'], rps['bare'])})",
                        f"{rps['floor']:,.0f} ({ratio(rps['floor'], rps['bare'])})",
                        f"{rps['bare']:,.0f}",
                        f"{p50s['ours']:.2f} / {p99s['ours']:.2f}",
                        f"{p50s['hot']:.2f} / {p99s['hot']:.2f}",
                        f"{p50s['bare']:.2f} / {p99s['bare']:.2f}",
                        sum(r.errors for v in runs.values() for r in v),
                    ]
                )

    lines = [
        table(
            [
                "endpoint",
                "inventory",
                "ours req/s",
                "ratio to bare",
                "target met",
                "without fast path req/s (ratio)",
                "FastAPI floor req/s (ratio)",
                "bare ASGI req/s",
                "ours p50 / p99 ms",
                "without fast path p50 / p99 ms",
                "bare p50 / p99 ms",
                "errors",
            ],
            rows,
        ),
        "",
    ]
    seed, biggest = sizes[0], sizes[-1]
    for name in ENDPOINTS:
        if biggest == seed:
            continue
        for server, who in (("ours", "ours"), ("hot", "without fast path")):
            grown = p50[(server, name, biggest)] / p50[(server, name, seed)]
            check = verdict(grown <= 1.5, "target 1.5") if name == "quote" else "no target"
            lines.append(
                f"- {name}, {who}: p50 at {label(biggest)} / p50 at {label(seed)} = "
                f"{grown:.2f} ({check})"
            )
    lines.append(
        f"\nwrk: 1 thread, {args.connections} connections; medians of {args.rounds} rounds of "
        f"{args.seconds:.0f} s per server (after a 2 s warm-up), servers loaded in turn. "
        "Servers: granian, 1 worker, ENVIRONMENT=production, PostgreSQL. Added units are "
        "spread over every collectible and warehouse; 1 in 10 is held."
    )
    report("api_throughput", "1. API throughput and latency", "\n".join(lines))


if __name__ == "__main__":
    main()
