"""The app behind PgBouncer in transaction mode (what DigitalOcean's connection pool runs):
DB_PREPARED_STATEMENTS=false keeps psycopg's prepared statements off the shared server
connections, and prestart migrates through MIGRATE_DATABASE_URL (a direct connection)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from mongocollectibles.db import clear_engines, get_engine
from mongocollectibles.settings import get_settings
from tests.support.databases import ADMIN_URL, create_pg_database, drop_pg_database
from tests.support.droplet import SHOP_UID
from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


def pgbouncer_binary() -> tuple[str, dict[str, str]] | None:
    """The Debian package's pgbouncer (scripts/test.sh unpacks it under .tools)."""
    unpacked = ROOT / ".tools/pgbouncer-deb"
    if (unpacked / "usr/sbin/pgbouncer").is_file():
        return str(unpacked / "usr/sbin/pgbouncer"), {
            "LD_LIBRARY_PATH": str(unpacked / "usr/lib/x86_64-linux-gnu")
        }
    if shutil.which("pgbouncer"):
        return shutil.which("pgbouncer"), {}
    return None


pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(pgbouncer_binary() is None, reason="pgbouncer not available"),
    pytest.mark.skipif(os.geteuid() != 0, reason="pgbouncer refuses root; needs a uid to run as"),
]


@pytest.fixture
def pooled(pg_url):
    """(pooled URL, direct URL) for a fresh empty database behind a transaction-mode pool of
    ONE server connection: every client shares it, as pool clients do at peak."""
    name = f"mct_pool_{uuid.uuid4().hex[:8]}"
    direct = create_pg_database(name)
    admin = make_url(ADMIN_URL)
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="pgbouncer-", dir="/tmp"))
    workdir.chmod(0o755)
    (workdir / "users.txt").write_text(f'"{admin.username}" ""\n')
    (workdir / "pgbouncer.ini").write_text(
        f"""[databases]
shop-pool = host={admin.host} port={admin.port or 5432} dbname={name} pool_size=1

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {workdir}/users.txt
pool_mode = transaction
max_client_conn = 200
default_pool_size = 1
"""
    )
    binary, extra_env = pgbouncer_binary()
    log = workdir / "pgbouncer.log"
    process = subprocess.Popen(
        ["setpriv", f"--reuid={SHOP_UID}", f"--regid={SHOP_UID}", "--clear-groups",
         binary, str(workdir / "pgbouncer.ini")],
        env={**os.environ, **extra_env},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = admin.set(port=port, database="shop-pool").render_as_string(hide_password=False)
    deadline = time.monotonic() + 10
    while True:
        try:
            with psycopg.connect(url.replace("+psycopg", ""), connect_timeout=2):
                break
        except psycopg.Error:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"pgbouncer did not start: {log.read_text()}") from None
            time.sleep(0.2)
    yield url, direct
    clear_engines()
    process.terminate()
    process.wait(timeout=10)
    drop_pg_database(name)
    shutil.rmtree(workdir, ignore_errors=True)


def hammer(url: str) -> list[str]:
    """Many client connections running the same queries (psycopg prepares a query on its
    5th run), all through the pool's one server connection; the errors seen."""
    engine = get_engine(url)
    errors: list[str] = []

    def client(_n: int) -> None:
        with engine.connect() as connection:
            for _ in range(8):
                try:
                    connection.execute(text("SELECT count(*) FROM store WHERE active")).scalar()
                    connection.commit()
                except Exception as error:  # noqa: BLE001 - collected, asserted below
                    errors.append(str(error).splitlines()[0])
                    connection.rollback()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(client, range(4)))
    return errors


def run_prestart(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mongocollectibles.prestart"],
        cwd=ROOT,
        env={**os.environ, "ENVIRONMENT": "test", "SEED_DEMO_DATA": "true", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def use_settings(monkeypatch, **values: str) -> None:
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    clear_engines()


def test_the_shop_runs_through_a_transaction_mode_pool(pooled, monkeypatch):
    url, direct = pooled
    started = run_prestart(
        {"DATABASE_URL": url, "MIGRATE_DATABASE_URL": direct, "DB_PREPARED_STATEMENTS": "false"}
    )
    assert started.returncode == 0, started.stdout + started.stderr

    use_settings(monkeypatch, DB_PREPARED_STATEMENTS="false", DB_POOL_SIZE="4")
    try:
        assert hammer(url) == []
    finally:
        get_settings.cache_clear()
        clear_engines()


def test_prepared_statements_break_behind_the_pool(pooled, monkeypatch):
    """Why the setting exists: with psycopg's default, shared server connections clash."""
    url, direct = pooled
    assert run_prestart({"DATABASE_URL": direct}).returncode == 0
    use_settings(monkeypatch, DB_PREPARED_STATEMENTS="true", DB_POOL_SIZE="4")
    try:
        errors = hammer(url)
    finally:
        get_settings.cache_clear()
        clear_engines()
    assert errors and all("prepared statement" in e for e in errors), errors
