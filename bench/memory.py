"""Backend memory with 1, 100 and 1,000 connected storefront clients.

The real Reflex app runs as in production (`reflex run --env prod --single-port`, fresh
PostgreSQL database). A real Chromium tab opens the catalog first; what its socket sends to
`/_event` (Engine.IO 4 over a websocket, the Socket.IO CONNECT packet that carries the hydrate
event and the state schema) is recorded and replayed by light clients, each with a token of
its own, like that many browser tabs: each hydrates its own state tree, runs the catalog's
on_load (stock for the chosen store) and keeps the socket open (answering pings), which also
keeps the page's live-stock poll running for it.

Figure: RSS of the server's process tree (`reflex run` and its children), steady after the
clients are connected. Baseline: the same server with no client connected (what the process
costs before any tab); the difference per client is the cost of one connected tab.

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
    report,
    storefront,
    table,
    tree_cpu_seconds,
    tree_rss,
    verdict,
)

TARGET_MB = 600
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
            page.wait_for_selector(f"#card-{MARKER}", timeout=60_000)
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
            log(f"{n} tabs: {steady:.0f} MB, CPU {cpu:.0f}% (connected in {seconds:.1f} s)")
            rows.append((n, steady, cpu, seconds, len(failed), failed[:3]))
    finally:
        for tab in tabs:
            if tab.task is not None:
                tab.task.cancel()
        await asyncio.gather(*(t.task for t in tabs if t.task), return_exceptions=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="1,100,1000")
    args = parser.parse_args()
    levels = [int(n) for n in args.clients.split(",")]

    with storefront("memory") as server:
        idle, idle_cpu = steady_rss(server.pid, seconds=4)
        log(f"idle server: {idle:.0f} MB; recording a real tab")
        ws_url, connect_frame, token = record_a_tab(server.url + "/")
        time.sleep(2)
        rows = asyncio.run(measure(server, ws_url, connect_frame, token, levels))
        _, tree = rss_mb(server.pid)

    baseline = ["0 (baseline: idle server)", f"{idle:.0f}", "-", f"{idle_cpu:.0f}", "-", "-", "-"]
    table_rows = [baseline]
    for n, steady, cpu, seconds, failed, _ in rows:
        per_client = (steady - idle) * 1024 / n
        check = verdict(steady < TARGET_MB, f"< {TARGET_MB} MB") if n == 1000 else "-"
        table_rows.append(
            [n, f"{steady:.0f}", f"{per_client:.0f}", f"{cpu:.0f}", f"{seconds:.1f}", failed, check]
        )
    processes = "; ".join(
        f"{'`reflex run`' if i == 0 else 'its child (the server)'} {rss / 2**20:.0f} MB"
        for i, (_, rss) in enumerate(tree.values())
    )
    problems = [f"- failed tabs at {n}: {f}" for n, *_, k, f in rows if k]
    body = "\n".join(
        [
            table(
                [
                    "connected tabs",
                    "server RSS MB",
                    "KB per tab over idle",
                    "server CPU % (1 core = 100)",
                    "connect s",
                    "failed",
                    "target met",
                ],
                table_rows,
            ),
            *problems,
            "",
            f"Process tree at the end: {processes}.",
            "",
            "Each client replays a real Chromium tab's CONNECT packet (hydrate of `/`) with a "
            "token of its own, waits for its catalog to arrive, answers pings and stays "
            "connected; clients are added 25 at a time. RSS: median over 8 s, 3 s after the "
            "last tab hydrated; CPU over the same 8 s (the catalog's live-stock poll runs every "
            "3 s for every open tab).",
        ]
    )
    report("memory", "5. Backend memory per connected storefront tab", body)


if __name__ == "__main__":
    main()
