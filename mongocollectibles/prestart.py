"""The one start-up path used by dev, CI and deploy: wait for the database, migrate, check the
network, seed the demo data (unless SEED_DEMO_DATA=false).

Run: python -m mongocollectibles.prestart (the deploy's ExecStartPre). In development and test
the app also runs it as it starts (mongocollectibles/mongocollectibles.py), in every worker:
one at a time per database, so workers starting together do not migrate twice.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from mongocollectibles import migrations
from mongocollectibles.db import get_engine, is_postgres
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


# Any fixed number, the same in every process: the PostgreSQL advisory lock prestart holds.
PRESTART_LOCK_KEY = 0x6D6F6E676F


@contextmanager
def one_at_a_time(url: str | None = None) -> Iterator[None]:
    """Hold a lock on the database's prestart across processes while the block runs.

    PostgreSQL: a session advisory lock on its own connection (closed afterwards, so it never
    keeps the database busy). SQLite: an exclusive lock on a file beside the database file.
    """
    engine = get_engine(url)
    if is_postgres(engine):
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": PRESTART_LOCK_KEY})
            try:
                yield
            finally:
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": PRESTART_LOCK_KEY}
                )
                connection.invalidate()  # do not return it to the pool: really disconnect
        return
    database = engine.url.database
    if sys.platform == "win32" or not database or database == ":memory:":
        yield  # in memory: private to its process; Windows: no flock (run one worker there)
        return
    import fcntl

    with open(f"{database}.prestart.lock", "a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def prestart(url: str | None = None, with_demo_data: bool | None = None) -> None:
    settings = get_settings()
    uow = UnitOfWork(url)
    wait_for_database(url)
    with one_at_a_time(url):
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
