"""Backend memory with 1, 100 and 1,000 connected storefront clients.

The real Reflex app runs as deployed (deploy/mongocollectibles.service: granian serving
Reflex's backend ASGI app, fresh PostgreSQL database) and, as the baseline rows, the way the
unit ran it before (`reflex run --env prod`, which also builds the storefront). A real Chromium
tab opens the catalog first; what its socket sends to `/_event` (Engine.IO 4 over a
websocket, the Socket.IO CONNECT packet that carries the hydrate event and the state schema)
is recorded and replayed by light clients, each with a token of
its own, like that many browser tabs: each hydrates its own state tree, runs the catalog's
on_load (stock for the chosen store) and keeps the socket open (answering pings), which also
keeps the page's live-stock poll running for it.

Figure: RSS of the server's process tree (granian and its worker), steady after the clients
are connected; target <= 350 MB with 1,000 tabs. Also: the same server with no client
connected (what the process costs before any tab); the difference per client is the cost of
one connected tab; and the old way with 1,000 tabs.

Run: python -m bench.memory [--clients 1,100,1000]
"""

from __future__ import annotations

import argparse
import asyncio
import time
import urllib.parse
import uuid

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


async def measure(server, ws_url: str, connect_frame: str, token: str, levels: list[int]):  # noqa: ANN001
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
            await asyncio.sleep(3)  # let the connect work and the first polls settle
            steady, cpu = await asyncio.to_thread(steady_rss, server.pid)
            pss = await asyncio.to_thread(pss_mb, server.pid)
            log(f"{n} tabs: {steady:.0f} MB, CPU {cpu:.0f}% (connected in {seconds:.1f} s)")
            rows.append((n, steady, cpu, seconds, len(failed), failed[:3], pss))
    finally:
        for tab in tabs:
            if tab.task is not None:
                tab.task.cancel()
        await asyncio.gather(*(t.task for t in tabs if t.task), return_exceptions=True)
    return rows


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
            old_rows = asyncio.run(measure(shop, ws_url, connect_frame, token, levels[-1:]))
            _, old_tree = rss_mb(shop.pid)
        # The production way, on the same port (the recorded socket URL stays valid).
        port = urllib.parse.urlsplit(shop.url).port or 80
        with production_backend("memory", url, port) as server:
            time.sleep(3)
            idle, idle_cpu = steady_rss(server.pid, seconds=4)
            idle_pss = pss_mb(server.pid)
            log(f"idle server as the unit runs it: {idle:.0f} MB")
            rows = asyncio.run(measure(server, ws_url, connect_frame, token, levels))
            _, tree = rss_mb(server.pid)

    def row(label: str, measured: tuple, base: float) -> list:
        n, steady, cpu, sec, failed, _, pss = measured
        check = verdict(steady <= TARGET_MB, f"<= {TARGET_MB} MB") if n == 1000 else "-"
        per_tab = f"{(steady - base) * 1024 / n:.0f}"
        return [label, n, f"{steady:.0f}", f"{pss:.0f}", per_tab, f"{cpu:.0f}", f"{sec:.1f}"] + [
            failed,
            check,
        ]

    old = "old way: `reflex run --env prod`"
    ours = "as deployed: granian serving the app"
    table_rows = [
        [old, 0, f"{old_idle:.0f}", f"{old_idle_pss:.0f}", "-", f"{old_idle_cpu:.0f}"]
        + ["-", "-", "-"]
    ]
    table_rows += [row(old, measured, old_idle) for measured in old_rows]
    table_rows.append(
        [ours, 0, f"{idle:.0f}", f"{idle_pss:.0f}", "-", f"{idle_cpu:.0f}", "-", "-", "-"]
    )
    table_rows += [row(ours, measured, idle) for measured in rows]
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
                    "connect s",
                    "failed",
                    "target met",
                ],
                table_rows,
            ),
            *problems,
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
            "median over 8 s, 3 s after the last tab hydrated (the target's measure); PSS: the "
            "same tree with pages shared between processes counted once (the old way's parent "
            "imported the app and forked its worker, so they share pages that RSS counts "
            "twice), sampled once after; CPU over the same 8 s.",
        ]
    )
    report("memory", "5. Backend memory per connected storefront tab", body)


if __name__ == "__main__":
    main()
