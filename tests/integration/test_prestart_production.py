"""prestart on real PostgreSQL: droplets starting together, errors that cannot heal, an empty
shop, and the connection pool sized from settings."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from mongocollectibles.db import clear_engines, get_engine
from mongocollectibles.prestart import EMPTY_SHOP_HELP, wait_for_database
from mongocollectibles.settings import get_settings
from tests.support.databases import create_pg_database, drop_pg_database, pg_url
from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.postgres


@pytest.fixture
def empty_pg(pg_url):  # pg_url: fails or skips clearly when PostgreSQL is missing
    name = f"mct_empty_{uuid.uuid4().hex[:8]}"
    url = create_pg_database(name)
    yield url
    drop_pg_database(name)


def run_prestart(url: str, **env: str) -> subprocess.Popen:
    environment = {**os.environ, "DATABASE_URL": url, "ENVIRONMENT": "test", **env}
    return subprocess.Popen(
        [sys.executable, "-m", "mongocollectibles.prestart"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_three_droplets_starting_together_on_an_empty_database_all_succeed(empty_pg):
    processes = [run_prestart(empty_pg, SEED_DEMO_DATA="true") for _ in range(3)]
    outputs = [p.communicate(timeout=120)[0] for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], "\n----\n".join(outputs)
    # Exactly one of them seeded; the others found the data there.
    assert sum("rows added" in o and "(0 rows added)" not in o for o in outputs) == 1, outputs


def test_a_missing_database_stops_prestart_at_once_with_the_cause(pg_url):
    missing = make_url(pg_url).set(database=f"nope_{uuid.uuid4().hex[:6]}").render_as_string(False)
    started = time.monotonic()
    process = run_prestart(missing)
    output = process.communicate(timeout=60)[0]
    assert process.returncode == 1
    assert "does not exist" in output and "refused the connection" in output
    assert time.monotonic() - started < 20  # not the 60 s wait


def test_an_unknown_role_stops_prestart_at_once(pg_url):
    wrong = make_url(pg_url).set(username="nobody_here").render_as_string(False)
    process = run_prestart(wrong)
    output = process.communicate(timeout=60)[0]
    assert process.returncode == 1 and 'role "nobody_here" does not exist' in output


def test_a_refused_connection_is_retried_until_the_deadline():
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/shop"
    started = time.monotonic()
    with pytest.raises(SystemExit, match="not reachable.*refused"):
        wait_for_database(url, timeout_seconds=2)
    assert time.monotonic() - started >= 2
    clear_engines()


def test_an_empty_shop_without_demo_data_says_how_to_load_one(empty_pg):
    process = run_prestart(empty_pg, SEED_DEMO_DATA="false")
    output = process.communicate(timeout=120)[0]
    assert process.returncode == 1
    assert EMPTY_SHOP_HELP in output


def test_pool_size_and_prepared_statements_come_from_settings(empty_pg, monkeypatch):
    monkeypatch.setenv("DB_POOL_SIZE", "2")
    monkeypatch.setenv("DB_MAX_OVERFLOW", "1")
    monkeypatch.setenv("DB_PREPARED_STATEMENTS", "false")
    get_settings.cache_clear()
    clear_engines()
    try:
        engine = get_engine(empty_pg)
        assert engine.pool.size() == 2 and engine.pool._max_overflow == 1
        with engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar() == 1
            assert connection.connection.dbapi_connection.prepare_threshold is None
        engine.dispose()
    finally:
        get_settings.cache_clear()
        clear_engines()


def test_a_stray_dotenv_is_ignored_in_production(tmp_path):
    (tmp_path / ".env").write_text("SWEEP_INTERVAL_SECONDS=3600\nHOLD_MINUTES=99\n")
    env = {
        **os.environ,
        "ENVIRONMENT": "production",
        "DATABASE_URL": pg_url("shop"),
        "PAYMONGO_SECRET_KEY": "sk_test_rehearsal",
        "PAYMONGO_WEBHOOK_SECRET": "whsk_rehearsal",
        "ADMIN_PASSWORD": "a-long-owner-passphrase",
        "PYTHONPATH": str(ROOT),
    }
    code = (
        "from mongocollectibles.settings import get_settings as g; s = g(); "
        "print(s.sweep_interval_seconds, s.hold_minutes)"
    )
    production = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert production.stdout.split() == ["30.0", "15"], production.stderr
    env["ENVIRONMENT"] = "development"
    development = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert development.stdout.split() == ["3600.0", "99"], development.stderr
