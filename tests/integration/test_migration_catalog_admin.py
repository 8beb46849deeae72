"""Migration 0005 on a shop that already has data (stores referenced by distances), both ways."""

import uuid

import pytest
from sqlalchemy import text

from alembic import command
from mongocollectibles import migrations
from mongocollectibles.db import get_engine
from tests.support import databases

ROWS = [
    "INSERT INTO store (id, name, address, active) VALUES ('s1', 'S1', 'A1', true)",
    "INSERT INTO warehouse (id, name, active) VALUES ('w1', 'W1', true)",
    "INSERT INTO distance (warehouse_id, store_id, km) VALUES ('w1', 's1', 3)",
]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
        yield url
        get_engine(url).dispose()
        return
    if databases.postgres_problem():
        pytest.fail(databases.postgres_problem())
    name = f"mct_mig_{uuid.uuid4().hex[:8]}"
    url = databases.create_pg_database(name)
    yield url
    databases.drop_pg_database(name)


def test_upgrade_and_downgrade_with_data(empty_url):
    config = migrations.alembic_config(empty_url)
    command.upgrade(config, "0003_rental_owner_flag")
    with get_engine(empty_url).begin() as connection:
        for sql in ROWS:
            connection.execute(text(sql))
    command.upgrade(config, "head")
    assert migrations.schema_drift(empty_url) == []
    with get_engine(empty_url).connect() as connection:
        assert connection.execute(text("SELECT opening_hours FROM store")).scalar_one() == ""
        assert connection.execute(text("SELECT version FROM catalogversion")).scalar_one() == 0
    command.downgrade(config, "0003_rental_owner_flag")
    command.upgrade(config, "head")
    with get_engine(empty_url).connect() as connection:
        assert connection.execute(text("SELECT km FROM distance")).scalar_one() == 3
