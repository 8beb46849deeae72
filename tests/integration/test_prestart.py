"""prestart in several processes at once, as the app's workers run it when they start together
(development and test): one migrates and seeds, the others wait and find nothing left to do."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from mongocollectibles import migrations
from mongocollectibles.db import get_engine
from mongocollectibles.models import Collectible, Distance, Store, Unit, Warehouse
from mongocollectibles.services.unit_of_work import UnitOfWork
from tests.support.databases import create_pg_database, drop_pg_database, postgres_problem

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 4

# Each process imports the app, then waits for the same instant before starting prestart.
SCRIPT = """
import sys, time
from mongocollectibles.prestart import prestart
start_at, url = float(sys.argv[1]), sys.argv[2]
time.sleep(max(0.0, start_at - time.time()))
prestart(url)
"""


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database(request, tmp_path):
    """A database with nothing in it yet, as on a developer's first `reflex run`."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh' / 'shop.db'}"
        return
    if problem := postgres_problem():
        if os.getenv("ALLOW_NO_POSTGRES") == "1":
            pytest.skip(problem)
        pytest.fail(problem)
    name = f"mct_prestart_{uuid.uuid4().hex[:8]}"
    url = create_pg_database(name)
    try:
        yield url
    finally:
        get_engine(url).dispose()
        drop_pg_database(name)


def test_workers_starting_together_migrate_and_seed_once(empty_database):
    env = {**os.environ, "ENVIRONMENT": "test", "SEED_DEMO_DATA": "true"}
    env.pop("DATABASE_URL", None)
    start_at = time.time() + 4  # time for every process to import the app first
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", SCRIPT, str(start_at), empty_database],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(WORKERS)
    ]
    outputs = [worker.communicate(timeout=120)[0] for worker in workers]
    assert [worker.returncode for worker in workers] == [0] * WORKERS, "\n".join(outputs)
    assert migrations.schema_drift(empty_database) == []
    with UnitOfWork(empty_database)() as session:
        counts = [
            session.exec(select(func.count()).select_from(model)).one()
            for model in (Collectible, Store, Warehouse, Distance, Unit)
        ]
    assert counts == [6, 3, 4, 12, 24]
    # Exactly one process found rows to add; the others found the demo data in place.
    reports = [line for out in outputs for line in out.splitlines() if "demo data ready" in line]
    nothing_added = reports.count("prestart: demo data ready (0 rows added)")
    assert (len(reports), nothing_added) == (WORKERS, WORKERS - 1), "\n".join(outputs)
