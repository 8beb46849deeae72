"""Aborted and slow request bodies: does the API keep answering?

The API is served as in production (granian, 1 worker, `mongocollectibles.api:app`,
PostgreSQL). One client measures `GET /api/stores` (sequential requests: p50, p95, max)
while, in turn:

1. nothing else happens (the baseline);
2. 4 threads keep opening `POST /api/rentals/checkout` and `/quote` connections that declare a
   5,000-byte JSON body, send 30 bytes of it and close (a client disconnect each time);
3. 300 connections that each sent part of a body are closed at the same moment;
4. 50 connections send part of a body and then nothing: each must get a 408 once
   BODY_READ_TIMEOUT_SECONDS (here 2 s) has passed.

It also counts what the server wrote to its log meanwhile (a traceback per disconnect is what
this guards against). Target: p50 under load within 5x the baseline's (or 10 ms), nothing
logged, every stalled body answered 408 within the timeout plus 1 s. Max latencies are shown
but not judged: on a shared 2-vCPU machine they follow whatever else runs.

Run: python -m bench.slow_bodies [--seconds 10]
"""

from __future__ import annotations

import argparse
import multiprocessing
import socket
import threading
import time

import httpx

from bench.common import (
    bench_env,
    free_port,
    granian,
    log,
    percentile,
    prestart,
    report,
    scratch_database,
    serve,
    table,
    verdict,
)

TIMEOUT_SECONDS = 2.0
PATHS = ("/api/rentals/checkout", "/api/rentals/quote")


def partial(port: int, path: str, sent: bytes = b'{"collectible_id": "col-002", ') -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Content-Length: 5000\r\n\r\n".encode()
        + sent
    )
    return sock


def measure(base: str, seconds: float) -> list[float]:
    """Latencies (ms) of sequential GET /api/stores for `seconds`."""
    latencies = []
    with httpx.Client(base_url=base, timeout=30) as client:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            started = time.perf_counter()
            client.get("/api/stores").raise_for_status()
            latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def figures(latencies: list[float]) -> list[str]:
    return [
        f"{percentile(latencies, 50):.2f}",
        f"{percentile(latencies, 95):.2f}",
        f"{max(latencies):.1f}",
        str(len(latencies)),
    ]


def aborting(port: int, seconds: float, threads: int, counter) -> None:  # noqa: ANN001
    """In its own process (so the load does not share the measuring client's GIL): `threads`
    threads opening and aborting partial-body POSTs for `seconds`."""
    end = time.monotonic() + seconds

    def run() -> None:
        index = 0
        while time.monotonic() < end:
            try:
                partial(port, PATHS[index % 2]).close()
                with counter.get_lock():
                    counter.value += 1
            except OSError:
                time.sleep(0.01)
            index += 1

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()


def stalled_answers(port: int, n: int) -> tuple[int, float]:
    """Open `n` stalled bodies; (how many got a 408, the slowest answer in s)."""
    socks = [partial(port, PATHS[i % 2]) for i in range(n)]
    started = time.monotonic()
    got, slowest = 0, 0.0
    for sock in socks:
        sock.settimeout(TIMEOUT_SECONDS + 5)
        try:
            head = sock.recv(64)
            if head.startswith(b"HTTP/1.1 408"):
                got += 1
            slowest = max(slowest, time.monotonic() - started)
        except OSError:
            pass
        sock.close()
    return got, slowest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    with scratch_database("slow") as url:
        prestart(url)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = bench_env(
            DATABASE_URL=url,
            ENVIRONMENT="test",
            API_BASE_URL=base,
            PUBLIC_BASE_URL=base,
            PAYMONGO_SECRET_KEY="",
            BODY_READ_TIMEOUT_SECONDS=str(TIMEOUT_SECONDS),
        )
        app = granian("mongocollectibles.api:app", port)
        with serve(app, port=port, env=env, probes=["/api/stores"], name="slow") as server:
            measure(base, 1.0)  # warm up
            log("baseline: GET /api/stores alone")
            quiet = measure(base, args.seconds)

            log("under load: 4 threads aborting partial-body POSTs")
            log_before = len(server.log_text())
            context = multiprocessing.get_context("spawn")
            counter = context.Value("i", 0)
            load = context.Process(target=aborting, args=(port, args.seconds + 1, 4, counter))
            load.start()
            time.sleep(1.0)  # the load is running
            loaded = measure(base, args.seconds)
            load.join()
            time.sleep(0.5)
            aborted_log = len(server.log_text()) - log_before

            log("300 partial-body connections closed at once")
            socks = [partial(port, PATHS[i % 2]) for i in range(300)]
            time.sleep(0.5)
            log_before = len(server.log_text())
            done = threading.Event()
            burst: list[float] = []

            def probe() -> None:
                burst.extend(measure(base, 2.0))
                done.set()

            prober = threading.Thread(target=probe)
            prober.start()
            time.sleep(0.2)
            for sock in socks:
                sock.close()
            prober.join()
            burst_log = len(server.log_text()) - log_before

            log(f"50 stalled bodies (timeout {TIMEOUT_SECONDS:.0f} s)")
            answered, slowest = stalled_answers(port, 50)

    base_p50 = percentile(quiet, 50)
    load_p50 = percentile(loaded, 50)
    ok_load = load_p50 <= max(5 * base_p50, 10.0)
    ok_burst = percentile(burst, 50) <= max(5 * base_p50, 10.0)
    rows = [
        ["GET /api/stores alone", *figures(quiet), "-", "-"],
        [
            f"... while 4 threads abort bodies ({counter.value} aborts)",
            *figures(loaded),
            f"{aborted_log} B",
            verdict(ok_load and aborted_log == 0, "p50 <= 5x alone, no log"),
        ],
        [
            "... while 300 partial bodies close at once",
            *figures(burst),
            f"{burst_log} B",
            verdict(ok_burst and burst_log == 0, "p50 <= 5x alone, no log"),
        ],
    ]
    body = table(["measured", "p50 ms", "p95 ms", "max ms", "requests", "log", "ok"], rows)
    body += (
        f"\n\nStalled bodies: {answered}/50 answered 408, the last after {slowest:.2f} s "
        f"(timeout {TIMEOUT_SECONDS:.0f} s): "
        + verdict(answered == 50 and slowest <= TIMEOUT_SECONDS + 1, "all within timeout + 1 s")
    )
    report("slow_bodies", "Aborted and slow request bodies", body)


if __name__ == "__main__":
    main()
