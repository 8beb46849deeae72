"""deploy/backup.sh and deploy/restore.sh on real PostgreSQL: a shop (with an edit the seed
does not have) is dumped, restored into a fresh database, and comes back identical, at the
latest migration, and passing prestart's checks."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest

from mongocollectibles.db import libpq_url
from mongocollectibles.migrations import schema_drift
from tests.support.databases import create_pg_database, drop_pg_database

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not shutil.which("pg_dump"), reason="postgresql-client not installed"),
]


def snapshot(url: str) -> dict[str, list]:
    """Every row of every table, in a stable order."""
    with psycopg.connect(libpq_url(url)) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "select tablename from pg_tables where schemaname = 'public' order by 1"
            )
        ]
        return {
            table: sorted(map(repr, connection.execute(f'select * from "{table}"').fetchall()))
            for table in tables
        }


@pytest.fixture
def restored_database():
    name = f"mct_restored_{uuid.uuid4().hex[:8]}"
    url = create_pg_database(name)
    yield url
    drop_pg_database(name)


def test_backup_restores_into_a_fresh_database(pg_url, restored_database, tmp_path):
    with psycopg.connect(libpq_url(pg_url), autocommit=True) as connection:
        connection.execute("update store set name = name || ' (restored?)' where id = 'store-a'")
    dump = tmp_path / "shop.dump"
    env = {**os.environ, "DATABASE_URL": pg_url}
    backup = subprocess.run(
        ["bash", "deploy/backup.sh", str(dump)], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert backup.returncode == 0, backup.stderr
    assert dump.stat().st_size > 0

    env = {**os.environ, "TARGET_URL": restored_database, "ENVIRONMENT": "test"}
    restore = subprocess.run(
        ["bash", "deploy/restore.sh", str(dump)], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert restore.returncode == 0, restore.stdout + restore.stderr
    assert "prestart checks passed" in restore.stdout

    original, copy = snapshot(pg_url), snapshot(restored_database)
    assert copy == original and "alembic_version" in copy and copy["store"]
    assert schema_drift(restored_database) == []

    # Never over a database that has data.
    again = subprocess.run(
        ["bash", "deploy/restore.sh", str(dump)], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert again.returncode == 1 and "not empty" in again.stderr
