"""The one start-up path used by dev, CI and deploy: wait for the database, migrate, check the
network, seed the demo data (unless SEED_DEMO_DATA=false).

Run: python -m mongocollectibles.prestart
"""

from __future__ import annotations

import sys
import time

from sqlalchemy import text

from mongocollectibles import migrations
from mongocollectibles.db import get_engine
from mongocollectibles.domain.errors import NetworkInvalid
from mongocollectibles.seed import seed
from mongocollectibles.services.network import check_network
from mongocollectibles.services.unit_of_work import UnitOfWork
from mongocollectibles.settings import get_settings


def wait_for_database(url: str | None = None, timeout_seconds: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_seconds
    while True:
        try:
            with get_engine(url).connect() as connection:
                connection.execute(text("SELECT 1"))
            return
        except Exception as error:  # noqa: BLE001 - any connection failure means "not yet"
            if time.monotonic() > deadline:
                raise SystemExit(f"prestart: database not reachable: {error}") from error
            print("prestart: waiting for the database ...", file=sys.stderr)
            time.sleep(1)


def prestart(url: str | None = None, with_demo_data: bool | None = None) -> None:
    settings = get_settings()
    uow = UnitOfWork(url)
    wait_for_database(url)
    migrations.upgrade(url)
    if settings.seed_demo_data if with_demo_data is None else with_demo_data:
        with uow() as session:
            added = seed(session)
        print(f"prestart: demo data ready ({added} rows added)")
    with uow() as session:
        try:
            check_network(session)
        except NetworkInvalid as error:
            raise SystemExit(f"prestart: the store network is not usable: {error}") from error


if __name__ == "__main__":
    prestart()
