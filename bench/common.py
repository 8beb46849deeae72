"""Shared helpers for the benchmarks: throwaway PostgreSQL databases, servers in their own
process groups, wrk, process-tree RSS, tables, and bench/results/.

Nothing here imports the app: the benchmark processes stay small and the servers are real
separate processes, as in production.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
from sqlalchemy.engine import make_url

from mongocollectibles.db import libpq_url
from tests.support.browser import launch_options
from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
PYTHON = sys.executable
ADMIN_URL = os.getenv(
    "BENCH_POSTGRES_URL",
    os.getenv("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
)
# The order of the sections in results/latest.md (one file per benchmark in results/).
SECTIONS = [
    "api_throughput",
    "checkout_race",
    "page_load",
    "live_quote",
    "memory",
    "slow_bodies",
    "reservations",
]
SEED_UNITS = 24  # DOMAIN.md: 6 collectibles x 4 warehouses


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------- PostgreSQL


def _admin(sql: str) -> None:
    with psycopg.connect(libpq_url(ADMIN_URL), autocommit=True) as connection:
        connection.execute(sql)


@contextlib.contextmanager
def scratch_database(tag: str) -> Iterator[str]:
    """A new, empty PostgreSQL database for one benchmark; dropped afterwards."""
    name = f"mcbench_{tag}_{uuid.uuid4().hex[:8]}"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prestart(url: str) -> None:
    """Migrate and seed through the project's own start-up path (in a child process)."""
    env = {**os.environ, "DATABASE_URL": url, "SEED_DEMO_DATA": "true"}
    env.pop("ENVIRONMENT", None)
    subprocess.run(
        [PYTHON, "-m", "mongocollectibles.prestart"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def sql(url: str, statement: str, params: Sequence | None = None) -> list[tuple]:
    with psycopg.connect(libpq_url(url), autocommit=True) as connection:
        cursor = connection.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def grow_inventory(url: str, total_units: int, held_every: int = 10) -> None:
    """Bulk-add units (one INSERT ... SELECT generate_series) until there are `total_units`.

    The new units are spread evenly over every collectible and every warehouse; one in
    `held_every` is held by a (fictitious) rental, as in a shop that is renting things out.
    """
    have = sql(url, "SELECT count(*) FROM unit")[0][0]
    if total_units <= have:
        return
    held = int(held_every)
    sql(
        url,
        f"""
        WITH c AS (SELECT array_agg(id ORDER BY id) AS ids FROM collectible),
             w AS (SELECT array_agg(id ORDER BY id) AS ids FROM warehouse)
        INSERT INTO unit (id, collectible_id, warehouse_id, active, current_rental_id)
        SELECT 'bulk-' || g,
               c.ids[1 + g % cardinality(c.ids)],
               w.ids[1 + (g / cardinality(c.ids)) % cardinality(w.ids)],
               true,
               CASE WHEN (g / 24) % {held} = 0 THEN 'bulk-rental-' || g END
        FROM c, w, generate_series({int(have) + 1}, {int(total_units)}) AS g
        """,
    )
    sql(url, "VACUUM ANALYZE unit")


# ---------------------------------------------------------------------------- processes


def bench_env(**overrides: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        REFLEX_TELEMETRY_ENABLED="0",
        REFLEX_CHECK_LATEST_VERSION="0",
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


@dataclass
class Server:
    process: subprocess.Popen
    url: str
    log_path: Path
    database_url: str = ""

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def _wait_up(server: Server, probes: Sequence[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{server.log_text()[-4000:]}")
        try:
            if all(httpx.get(server.url + p, timeout=5).status_code == 200 for p in probes):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"server did not start in {timeout:.0f}s:\n{server.log_text()[-4000:]}")


@contextlib.contextmanager
def serve(
    cmd: Sequence[str],
    *,
    port: int,
    env: dict[str, str],
    probes: Sequence[str] = ("/",),
    timeout: float = 60,
    name: str = "server",
) -> Iterator[Server]:
    """Run `cmd` in its own process group until the block ends (SIGTERM, then SIGKILL)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    log_path = RESULTS / f"{name}.log"
    with log_path.open("w") as out:
        process = subprocess.Popen(
            list(cmd), cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    server = Server(process, f"http://127.0.0.1:{port}", log_path)
    try:
        _wait_up(server, probes, timeout)
        yield server
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def granian(app: str, port: int, *, factory: bool = False) -> list[str]:
    """How production serves an ASGI app here: granian, one worker (as `reflex run` does)."""
    return [
        str(Path(PYTHON).parent / "granian"),
        "--interface", "asgi",
        "--workers", "1",
        "--host", "127.0.0.1",
        "--port", str(port),
        "--log-level", "warning",
        "--no-access-log",
        *(["--factory"] if factory else []),
        app,
    ]  # fmt: skip


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def rss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def pss_bytes(pid: int) -> int:
    """Proportional set size: pages shared between processes (a forked worker and the parent
    that imported the app) count once in a sum, not in every process as RSS does."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_pss(pid: int) -> int:
    return sum(pss_bytes(p) for p in process_tree(pid))


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by the process tree under `pid`."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in process_tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def tree_rss(pid: int) -> dict[int, tuple[str, int]]:
    """{pid: (command, rss bytes)} for the process tree under `pid`."""
    out = {}
    for p in process_tree(pid):
        try:
            cmd = Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:120]
        except OSError:
            continue
        out[p] = (cmd.strip(), rss_bytes(p))
    return out


# ---------------------------------------------------------------------------- wrk

WRK_DONE = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"socket_errors":%d,"non2xx":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"bytes":%d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    summary.bytes))
end
"""


def wrk_script(method: str = "GET", body: str | None = None) -> Path:
    lines = [f'wrk.method = "{method}"']
    if body is not None:
        lines.append(f"wrk.body = {json.dumps(body)}")
        lines.append('wrk.headers["Content-Type"] = "application/json"')
    path = Path(tempfile.mkstemp(prefix="mcbench_", suffix=".lua")[1])
    path.write_text("\n".join(lines) + "\n" + WRK_DONE)
    return path


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    requests: int
    errors: int  # socket errors + non-2xx responses


def wrk(url: str, script: Path, *, seconds: float, connections: int, threads: int = 1) -> WrkResult:
    binary = shutil.which("wrk")
    if binary is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk (bench/run_all.sh does it)")
    duration = f"{max(1, round(seconds))}s"
    cmd = [binary, "-t", str(threads), "-c", str(connections), "-d", duration, "-s", str(script)]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    match = re.search(r"^WRKJSON (.*)$", out, re.M)
    if match is None:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    data = json.loads(match.group(1))
    return WrkResult(
        rps=data["requests"] / (data["duration_us"] / 1e6),
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        requests=data["requests"],
        errors=data["socket_errors"] + data["non2xx"],
    )


# ---------------------------------------------------------------------------- figures


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ratio(ours: float, baseline: float) -> str:
    return f"{ours / baseline:.2f}" if baseline else "n/a"


def verdict(ok: bool | None, detail: str = "") -> str:
    if ok is None:
        return "-"
    text = "yes" if ok else "NO"
    return f"{text} ({detail})" if detail else text


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table (it reads fine in a terminal too)."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    return "\n".join(
        [line(cells[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
        + [line(r) for r in cells[1:]]
    )


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_gib = 0.0
    with contextlib.suppress(OSError, ValueError, IndexError):
        mem_gib = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    try:
        pg = sql(ADMIN_URL, "SHOW server_version")[0][0].split()[0]
    except psycopg.Error:
        pg = "?"
    return (
        f"{os.cpu_count()} vCPU ({cpu}), {mem_gib:.1f} GiB RAM, Linux {platform.release()}, "
        f"Python {platform.python_version()}, PostgreSQL {pg}"
    )


def report(name: str, title: str, body: str) -> None:
    """Print a benchmark's section and store it; then rebuild results/latest.md."""
    stamp = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    section = f"## {title}\n\n_{stamp}_\n\n{body.strip()}\n"
    print("\n" + section, flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.md").write_text(section)
    parts = [
        "# MongoCollectibles benchmarks: latest figures\n",
        f"Machine: {machine()}\n",
    ]
    for section_name in SECTIONS:
        path = RESULTS / f"{section_name}.md"
        if path.exists():
            parts.append(path.read_text())
    (RESULTS / "latest.md").write_text("\n".join(parts))


# ---------------------------------------------------------------------------- the storefront

# The benchmarks build the storefront in folders of their own, so they never touch the
# `.web` / `.states` that other work in this checkout is using.
BENCH_WEB = RESULTS / "web"
BENCH_STATES = RESULTS / "states"


def chromium(playwright):  # noqa: ANN001, ANN201 - a playwright.sync_api.Playwright
    return playwright.chromium.launch(**launch_options())


@contextlib.contextmanager
def storefront(
    tag: str, *, build_timeout: float = 1200, database_url: str | None = None
) -> Iterator[Server]:
    """The real Reflex app (`reflex run --env prod --single-port`) on a fresh PostgreSQL
    database with demo data (or on `database_url`, migrated and seeded already) and the
    embedded PayMongo sandbox, as the browser tests run it."""
    with contextlib.ExitStack() as stack:
        if database_url is None:
            database_url = stack.enter_context(scratch_database(tag))
            prestart(database_url)
        url = database_url
        port = free_port()
        base = f"http://localhost:{port}"
        env = bench_env(
            DATABASE_URL=url,
            PUBLIC_BASE_URL=base,
            API_BASE_URL=base,
            ENVIRONMENT="test",
            PORT=str(port),
            REFLEX_WEB_WORKDIR=str(BENCH_WEB),
            REFLEX_STATES_WORKDIR=str(BENCH_STATES),
        )
        tools = ROOT / ".tools" / "node_modules" / ".bin"
        if (tools / "bun").exists():  # as scripts/setup.sh does
            env["PATH"] = f"{tools}{os.pathsep}{env.get('PATH', '')}"
            env["REFLEX_USE_SYSTEM_BUN"] = "1"
        env["PATH"] = f"{Path(PYTHON).parent}{os.pathsep}{env.get('PATH', '')}"
        cmd = ["reflex", "run", "--env", "prod", "--single-port", "--backend-port", str(port)]
        log(f"building and starting the storefront on {base} (a few minutes)")
        started = time.monotonic()
        with serve(
            cmd, port=port, env=env, probes=["/", "/api/stores"], timeout=build_timeout,
            name=f"reflex-{tag}",
        ) as server:  # fmt: skip
            server.url = base
            server.database_url = url
            log(f"storefront up after {time.monotonic() - started:.0f} s")
            yield server


# ---------------------------------------------------------------------------- production way

UNIT_FILE = ROOT / "deploy" / "mongocollectibles.service"
UNIT_VENV_BIN = "/opt/shop/current/.venv/bin/"


def unit_backend(port: int) -> tuple[list[str], dict[str, str]]:
    """The backend's command and its Reflex/granian settings as deploy/mongocollectibles.service
    runs them on the droplet, for this checkout's virtualenv and `port`."""
    command, env = [], {}
    for line in UNIT_FILE.read_text().splitlines():
        key, _, value = line.partition("=")
        if key == "ExecStart":
            command = shlex.split(value.replace(UNIT_VENV_BIN, f"{Path(PYTHON).parent}/"))
        elif key == "Environment":
            for item in shlex.split(value):
                name, _, setting = item.partition("=")
                if name.startswith(("REFLEX_", "GRANIAN_", "SQLALCHEMY_")):
                    env[name] = setting
    command = [str(port) if word == "8000" else word for word in command]
    env["REFLEX_BACKEND_PORT"] = str(port)
    return command, env


@contextlib.contextmanager
def production_backend(tag: str, database_url: str, port: int) -> Iterator[Server]:
    """The backend started the way deploy/mongocollectibles.service starts it (granian serving
    Reflex's ASGI app, no `reflex run`), on `database_url` (migrated and seeded) at `port`,
    with the benchmarks' settings otherwise (ENVIRONMENT=test, as `storefront`)."""
    command, unit_env = unit_backend(port)
    base = f"http://localhost:{port}"
    env = bench_env(
        **{
            **unit_env,
            "DATABASE_URL": database_url,
            "PUBLIC_BASE_URL": base,
            "API_BASE_URL": base,
            "ENVIRONMENT": "test",
            "PORT": str(port),
            # The droplet's state directory, here in the benchmarks' folder.
            "REFLEX_WEB_WORKDIR": str(BENCH_WEB),
            "REFLEX_STATES_WORKDIR": str(BENCH_STATES),
            "REFLEX_UPLOADED_FILES_DIR": str(RESULTS / "uploads"),
        }
    )
    log(f"starting the backend as the unit does on {base}: {' '.join(command[1:])}")
    with serve(
        command, port=port, env=env, probes=["/_health", "/api/stores"], timeout=180,
        name=f"unit-{tag}",
    ) as server:  # fmt: skip
        server.url = base
        server.database_url = database_url
        yield server
