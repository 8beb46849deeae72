"""Backend memory with 1, 100 and 1,000 connected storefront clients.

The real Reflex app runs as deployed (deploy/mongocollectibles.service: granian serving
Reflex's backend ASGI app, fresh PostgreSQL database) and, as the baseline rows, the way the
unit ran it before (`reflex run --env prod`, which also builds the storefront). A real Chromium
tab opens the catalog first; what its socket sends to `/_event` (Engine.IO 4 over a
websocket, the Socket.IO CONNECT packet that carries the hydrate event and the state schema)
is recorded and replayed by light clients, each with a token of its own, like that many
browser tabs: each hydrates its own state tree, runs the catalog's on_load (stock for the
chosen store, and its registration for live stock) and keeps the socket open (answering
pings).

Figures: RSS (and PSS) of the server's process tree (granian and its worker), steady after
the clients are connected (target <= 350 MB with 1,000 tabs), and the server's CPU meanwhile
(idle tabs should cost nothing: stock is pushed, not polled). Baseline: the same server with
no client connected (what the process costs before any tab); the difference per client is the
cost of one connected tab; and the old way with 1,000 tabs. With all
the tabs connected: how long a hold takes to reach them, made through the API of the same
server (`POST /api/rentals/checkout`, timed from the request) and committed by another
process (bench/hold_elsewhere.py, timed from its commit), as the first, median and last tab
see the new stock.

Run: python -m bench.memory [--clients 1,100,1000]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import time
import urllib.parse
import uuid

import httpx
from playwright.sync_api import sync_playwright
from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    CloseConnection,
    Ping,
    RejectConnection,
    Request,
    TextMessage,
)

from bench.common import (
    PYTHON,
    ROOT,
    chromium,
    log,
    median,
    prestart,
    production_backend,
    report,
    scratch_database,
    storefront,
    table,
    tree_cpu_seconds,
    tree_pss,
    tree_rss,
    verdict,
)

TARGET_MB = 350  # issue 15 (was < 600 MB)
TARGET_IDLE_CPU = 5.0  # % of one core with 1,000 idle tabs
TARGET_LATENCY_MS = 1000  # a hold seen by every open tab
HOLD_ROUNDS = 3
SETTLE_SECONDS = 10.0  # after the last tab of a level hydrated
SAMPLE_SECONDS = 20.0  # RSS and CPU sampled over this
MARKER = "col-006"  # in the state update that fills the catalog: the tab is hydrated


def record_a_tab(url: str) -> tuple[str, str, list[str]]:
    """(websocket URL, the CONNECT frame it sent, its token) from a real Chromium tab."""
    frames: list[str] = []
    sockets: list[str] = []
    with sync_playwright() as playwright:
        browser = chromium(playwright)
        try:
            page = browser.new_page()

            def on_socket(ws) -> None:  # noqa: ANN001
                sockets.append(ws.url)
                ws.on("framesent", lambda payload: frames.append(payload))

            page.on("websocket", on_socket)
            page.goto(url)
            # The live grid (the page HTML already holds the build's cards): hydrated.
            page.wait_for_selector(f"#catalog-grid #card-{MARKER}", timeout=60_000)
            token = page.evaluate("window.sessionStorage.getItem('token')")
        finally:
            browser.close()
    connect = next(f for f in frames if isinstance(f, str) and f.startswith("40"))
    return sockets[-1], connect, token


class Tab:
    """One storefront tab's socket: Engine.IO 4 / Socket.IO 5 over a websocket (wsproto)."""

    def __init__(self, host: str, port: int, target: str, connect_frame: str) -> None:
        self.host, self.port, self.target = host, port, target
        self.address = "127.0.0.1" if host == "localhost" else host
        self.connect_frame = connect_frame
        self.hydrated = asyncio.Event()
        self.updates: list[float] = []  # wall-clock times of state updates after hydrating
        self.failed: str | None = None
        self.task: asyncio.Task | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def run(self) -> None:
        try:
            await self._run()
        except (OSError, asyncio.IncompleteReadError) as error:
            self.failed = f"{type(error).__name__}: {error}"
        finally:
            self.hydrated.set()
            if self._writer is not None:
                self._writer.close()

    async def _run(self) -> None:
        reader, writer = await asyncio.open_connection(self.address, self.port)
        self._writer = writer
        ws = WSConnection(ConnectionType.CLIENT)
        writer.write(ws.send(Request(host=f"{self.host}:{self.port}", target=self.target)))
        text: list[str] = []
        while True:
            data = await reader.read(65536)
            if not data:
                self.failed = self.failed or "connection closed"
                return
            ws.receive_data(data)
            for event in ws.events():
                if isinstance(event, AcceptConnection):
                    pass
                elif isinstance(event, RejectConnection):
                    self.failed = f"rejected: {event.status_code}"
                    return
                elif isinstance(event, TextMessage):
                    text.append(event.data)
                    if event.message_finished:
                        self._on_message(ws, writer, "".join(text))
                        text.clear()
                elif isinstance(event, Ping):
                    writer.write(ws.send(event.response()))
                elif isinstance(event, CloseConnection):
                    self.failed = self.failed or f"closed: {event.code}"
                    return
            await writer.drain()

    def _on_message(self, ws: WSConnection, writer: asyncio.StreamWriter, message: str) -> None:
        if message.startswith("0"):  # Engine.IO open: connect the namespace, with the hydrate
            writer.write(ws.send(TextMessage(data=self.connect_frame)))
        elif message == "2":  # Engine.IO ping
            writer.write(ws.send(TextMessage(data="3")))
        elif message.startswith("44"):  # Socket.IO connect error
            self.failed = f"connect error: {message[:200]}"
            self.hydrated.set()
        elif message.startswith("42") and self.hydrated.is_set():
            self.updates.append(time.time())
        elif message.startswith("42") and MARKER in message:
            self.hydrated.set()


def rss_mb(pid: int) -> tuple[float, dict[int, tuple[str, int]]]:
    tree = tree_rss(pid)
    return sum(rss for _, rss in tree.values()) / 2**20, tree


def pss_mb(pid: int) -> float:
    return tree_pss(pid) / 2**20


def steady_rss(pid: int, seconds: float = 8.0) -> tuple[float, float]:
    """(median RSS MB, CPU % of one core) over a few seconds (the live-stock polls come and go)."""
    samples = []
    cpu, started = tree_cpu_seconds(pid), time.monotonic()
    while time.monotonic() - started < seconds:
        samples.append(rss_mb(pid)[0])
        time.sleep(0.5)
    busy = (tree_cpu_seconds(pid) - cpu) / (time.monotonic() - started)
    return median(samples), 100 * busy


async def open_tabs(tabs: list[Tab], n: int, make, batch: int = 25) -> float:  # noqa: ANN001
    """Grow `tabs` to n connected, hydrated tabs (batch by batch); returns seconds taken."""
    started = time.monotonic()
    while len(tabs) < n:
        new = [make() for _ in range(min(batch, n - len(tabs)))]
        for tab in new:
            tab.task = asyncio.create_task(tab.run())
        await asyncio.wait_for(asyncio.gather(*(t.hydrated.wait() for t in new)), timeout=120)
        tabs.extend(new)
    return time.monotonic() - started


async def measure(
    server, ws_url: str, connect_frame: str, token: str, levels: list[int], *, holds: bool = True
):  # noqa: ANN001
    parts = urllib.parse.urlsplit(ws_url)
    query = dict(urllib.parse.parse_qsl(parts.query))

    def make() -> Tab:
        fresh = str(uuid.uuid4())
        target = parts.path + "?" + urllib.parse.urlencode({**query, "token": fresh})
        return Tab(parts.hostname, parts.port, target, connect_frame.replace(token, fresh))

    tabs: list[Tab] = []
    rows = []
    try:
        for n in levels:
            seconds = await open_tabs(tabs, n, make)
            failed = [t.failed for t in tabs if t.failed]
            await asyncio.sleep(SETTLE_SECONDS)  # let the connect work (and its GC) settle
            steady, cpu = await asyncio.to_thread(steady_rss, server.pid, SAMPLE_SECONDS)
            pss = await asyncio.to_thread(pss_mb, server.pid)
            log(f"{n} tabs: {steady:.0f} MB, CPU {cpu:.0f}% (connected in {seconds:.1f} s)")
            rows.append((n, steady, cpu, seconds, len(failed), failed[:3], pss))
        latencies = await hold_latencies(server, tabs) if holds else {"same": [], "other": []}
    finally:
        for tab in tabs:
            if tab.task is not None:
                tab.task.cancel()
        await asyncio.gather(*(t.task for t in tabs if t.task), return_exceptions=True)
    return rows, latencies


def _order(collectible_id: str) -> dict:
    return {
        "collectible_id": collectible_id,
        "store_id": "store-a",
        "duration": 2,
        "payment_method": "gcash",
        "customer": {
            "name": "Bench Shopper",
            "email": f"bench-{uuid.uuid4().hex[:8]}@example.com",
            "phone": "0917 555 0198",
            "address": "1 Bench Street",
            "city": "Manila",
            "postal_code": "1000",
        },
    }


def _elsewhere(database_url: str, action: str, what: str) -> tuple[float, str]:
    """(wall-clock time of the commit, rental id) from bench/hold_elsewhere.py."""
    done = subprocess.run(
        [PYTHON, "-m", "bench.hold_elsewhere", database_url, action, what],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    at, rental_id = done.stdout.split()
    return float(at), rental_id


def _seen(tabs: list[Tab], since: float) -> tuple[list[float], int]:
    """(ms until each tab's first update after `since`, sorted; tabs that saw none)."""
    seen = sorted((next(u for u in t.updates if u >= since) - since) * 1000
                  for t in tabs if any(u >= since for u in t.updates))  # fmt: skip
    return seen, len(tabs) - len(seen)


async def hold_latencies(server, tabs: list[Tab]) -> dict[str, list[tuple]]:  # noqa: ANN001
    """Per origin, per round: (first, median, last tab ms, tabs that saw nothing)."""
    found: dict[str, list[tuple]] = {"same": [], "other": []}
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        for round_ in range(HOLD_ROUNDS):
            for origin in ("same", "other"):
                collectible_id = f"col-00{1 + (2 * round_ + (origin == 'other')) % 6}"
                if origin == "same":
                    started = time.time()
                    answer = await client.post("/api/rentals/checkout", json=_order(collectible_id))
                    answer.raise_for_status()
                    data = answer.json()["data"]
                else:
                    started, rental_id = await asyncio.to_thread(
                        _elsewhere, server.database_url, "book", collectible_id
                    )
                await asyncio.sleep(3)  # every tab has had time to see it
                seen, missed = _seen(tabs, started)
                row = (seen[0], median(seen), seen[-1], missed) if seen else (0, 0, 0, missed)
                found[origin].append(row)
                log(f"hold ({origin} process) -> tabs: first/median/last {row[:3]} ms, "
                    f"{missed} missed")  # fmt: skip
                if origin == "same":
                    cancel = await client.post(
                        f"/api/rentals/{data['rental_id']}/cancel", params={"token": data["token"]}
                    )
                    cancel.raise_for_status()
                else:
                    await asyncio.to_thread(_elsewhere, server.database_url, "cancel", rental_id)
                await asyncio.sleep(2)  # the release reached them too
    return found


def process_list(tree: dict[int, tuple[str, int]], parent: str) -> str:
    """The parent (first) and its workers, with their RSS."""
    names = [parent, *["worker"] * (len(tree) - 1)]
    return ", ".join(
        f"{name} {rss / 2**20:.0f} MB" for name, (_, rss) in zip(names, tree.values(), strict=True)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="1,100,1000")
    args = parser.parse_args()
    levels = [int(n) for n in args.clients.split(",")]

    with scratch_database("memory") as url:
        prestart(url)
        # The old way first (the baseline rows): `reflex run` above the granian worker.
        with storefront("memory", database_url=url) as shop:
            old_idle, old_idle_cpu = steady_rss(shop.pid, seconds=4)
            old_idle_pss = pss_mb(shop.pid)
            log(f"idle `reflex run`: {old_idle:.0f} MB; recording a real tab")
            ws_url, connect_frame, token = record_a_tab(shop.url + "/")
            time.sleep(2)
            old_rows, _ = asyncio.run(
                measure(shop, ws_url, connect_frame, token, levels[-1:], holds=False)
            )
            _, old_tree = rss_mb(shop.pid)
        # The production way, on the same port (the recorded socket URL stays valid).
        port = urllib.parse.urlsplit(shop.url).port or 80
        with production_backend("memory", url, port) as server:
            time.sleep(3)
            idle, idle_cpu = steady_rss(server.pid, seconds=4)
            idle_pss = pss_mb(server.pid)
            log(f"idle server as the unit runs it: {idle:.0f} MB")
            rows, latencies = asyncio.run(measure(server, ws_url, connect_frame, token, levels))
            _, tree = rss_mb(server.pid)

    def row(label: str, measured: tuple, base: float) -> list:
        n, steady, cpu, sec, failed, _, pss = measured
        check = verdict(steady <= TARGET_MB, f"<= {TARGET_MB} MB") if n == 1000 else "-"
        cpu_check = (
            verdict(cpu <= TARGET_IDLE_CPU, f"<= {TARGET_IDLE_CPU:.0f} %") if n == 1000 else "-"
        )
        per_tab = f"{(steady - base) * 1024 / n:.0f}"
        return [label, n, f"{steady:.0f}", f"{pss:.0f}", per_tab, f"{cpu:.1f}", cpu_check] + [
            f"{sec:.1f}",
            failed,
            check,
        ]

    old = "old way: `reflex run --env prod`"
    ours = "as deployed: granian serving the app"
    table_rows = [
        [old, 0, f"{old_idle:.0f}", f"{old_idle_pss:.0f}", "-", f"{old_idle_cpu:.1f}"] + ["-"] * 4
    ]
    table_rows += [row(old, measured, old_idle) for measured in old_rows]
    table_rows.append(
        [ours, 0, f"{idle:.0f}", f"{idle_pss:.0f}", "-", f"{idle_cpu:.1f}"] + ["-"] * 4
    )
    table_rows += [row(ours, measured, idle) for measured in rows]
    latency_rows = []
    for origin, label in (("same", "same server (API checkout)"), ("other", "another process")):
        measured = latencies[origin]
        if not measured:
            continue
        first = median([m[0] for m in measured])
        middle = median([m[1] for m in measured])
        last = median([m[2] for m in measured])
        missed = max(m[3] for m in measured)
        ok = last <= TARGET_LATENCY_MS and missed == 0
        latency_rows.append(
            [label, f"{first:.0f}", f"{middle:.0f}", f"{last:.0f}", missed,
             verdict(ok, f"<= {TARGET_LATENCY_MS} ms, every tab")]
        )  # fmt: skip
    problems = [f"- failed tabs at {r[0]}: {r[5]}" for r in [*old_rows, *rows] if r[4]]
    body = "\n".join(
        [
            table(
                [
                    "server",
                    "connected tabs",
                    "RSS MB (process tree)",
                    "PSS MB",
                    "KB RSS per tab over idle",
                    "CPU % (1 core = 100)",
                    "idle CPU target met",
                    "connect s",
                    "failed",
                    "target met",
                ],
                table_rows,
            ),
            *problems,
            "",
            f"Hold -> the {max(r[0] for r in rows)} open tabs as deployed (medians of "
            f"{HOLD_ROUNDS} holds):",
            "",
            table(
                [
                    "hold made by",
                    "first tab ms",
                    "median tab ms",
                    "last tab ms",
                    "tabs that missed it",
                    "target met",
                ],
                latency_rows,
            ),  # fmt: skip
            "",
            "RSS per process at the end: old way "
            f"{process_list(old_tree, '`reflex run` (imported the app, forked the worker)')}; "
            f"as deployed {process_list(tree, 'granian (supervises, imports nothing)')}.",
            "",
            "As deployed = the ExecStart line and the Reflex/granian Environment= lines of "
            "deploy/mongocollectibles.service (1 worker), with the benchmarks' settings "
            "otherwise (ENVIRONMENT=test, PostgreSQL); the old way = `reflex run --env prod "
            "--single-port` (what the unit ran before; it builds the storefront, whose socket "
            "is recorded). Each client replays a real Chromium tab's CONNECT packet (hydrate of "
            "`/`) with a token of its own, waits for its catalog to arrive, answers pings and "
            "stays connected; clients are added 25 at a time. RSS: sum over the process tree, "
            f"median over {SAMPLE_SECONDS:.0f} s, {SETTLE_SECONDS:.0f} s after the last tab "
            "hydrated (the target's measure); PSS: the same tree with pages shared between "
            "processes counted once (the old way's parent imported the app and forked its "
            "worker, so they share pages that RSS counts twice), sampled once after; CPU over "
            f"the same {SAMPLE_SECONDS:.0f} s (stock is pushed to the tabs when it changes; "
            "nothing runs per idle tab). Hold latency: from sending the checkout request (same "
            "server) or from the other process's commit, to each light tab receiving its state "
            "update.",
        ]
    )
    report("memory", "5. Backend memory per connected storefront tab", body)


if __name__ == "__main__":
    main()
