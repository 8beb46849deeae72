"""The one start-up path used by dev, CI and deploy: wait for the database, migrate, check the
network, seed the demo data (unless SEED_DEMO_DATA=false).

On PostgreSQL the migrations and the seeding run under an advisory lock (on SQLite, a file
lock), so droplets or workers starting together take turns instead of racing on CREATE
TYPE/TABLE. A database that cannot heal by waiting (it does not exist, the password is wrong)
stops prestart at once with the cause; only connection-refused style errors are retried.

Run: python -m mongocollectibles.prestart (the deploy's ExecStartPre). In development and test
the app also runs it as it starts (mongocollectibles/mongocollectibles.py), in every worker.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool
from sqlmodel import select

from mongocollectibles import migrations
from mongocollectibles.db import get_engine
from mongocollectibles.domain.errors import NetworkInvalid
from mongocollectibles.models import Store
from mongocollectibles.seed import seed
from mongocollectibles.services.network import check_network
from mongocollectibles.services.unit_of_work import UnitOfWork
from mongocollectibles.settings import get_settings

# Any constant shared by every process of this app; "MONGOCOL" in ASCII.
PRESTART_LOCK_KEY = 0x4D4F4E474F434F4C

# Connection errors waiting cannot fix (libpq reports them without an SQLSTATE).
PERMANENT_ERRORS = (
    "does not exist",  # database "shop" / role "shop"
    "password authentication failed",
    "no pg_hba.conf entry",
    "no password supplied",
    "permission denied",
    "invalid sslmode",
    "certificate",
    "sslmode value",
    "invalid connection option",
    "invalid integer value",
)

EMPTY_SHOP_HELP = (
    "prestart: the database has no stores yet and SEED_DEMO_DATA=false. Load your shop's "
    "stores, warehouses, distances and collectibles into it (deploy/README.md, 'Load the "
    "shop'), or set SEED_DEMO_DATA=true in /etc/shop/shop.env to start with the demo shop."
)


class PermanentDatabaseError(SystemExit):
    """The database refused us for a reason that waiting will not fix."""


def is_permanent(error: BaseException) -> bool:
    message = str(getattr(error, "orig", None) or error).lower()
    return any(marker in message for marker in PERMANENT_ERRORS)


def wait_for_database(url: str | None = None, timeout_seconds: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_seconds
    while True:
        try:
            with get_engine(url).connect() as connection:
                connection.execute(text("SELECT 1"))
            return
        except OperationalError as error:
            cause = str(error.orig or error).strip().splitlines()[0]
            if is_permanent(error):
                raise PermanentDatabaseError(
                    f"prestart: the database refused the connection: {cause}"
                ) from error
            if time.monotonic() > deadline:
                raise SystemExit(f"prestart: database not reachable: {cause}") from error
            print(f"prestart: waiting for the database ({cause}) ...", file=sys.stderr)
            time.sleep(1)


@contextmanager
def one_at_a_time(url: str | None = None) -> Iterator[None]:
    """Hold a lock on the database's prestart across processes while the block runs.

    PostgreSQL: a session advisory lock on a connection of its own, outside the app's pool (so
    a pool of one still migrates), closed afterwards. SQLite: an exclusive lock on a file
    beside the database file.
    """
    url = url or get_settings().database_url
    if url.startswith("postgresql"):
        engine = create_engine(url, poolclass=NullPool)
        try:
            with engine.connect() as connection:
                connection.execute(
                    text("SELECT pg_advisory_lock(:key)"), {"key": PRESTART_LOCK_KEY}
                )
                connection.commit()
                try:
                    yield
                finally:
                    connection.execute(
                        text("SELECT pg_advisory_unlock(:key)"), {"key": PRESTART_LOCK_KEY}
                    )
                    connection.commit()
        finally:
            engine.dispose()
        return
    database = get_engine(url).url.database
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
    url = url or settings.migrate_database_url or None
    uow = UnitOfWork(url)
    wait_for_database(url)
    with one_at_a_time(url):
        migrations.upgrade(url)
        if settings.seed_demo_data if with_demo_data is None else with_demo_data:
            with uow() as session:
                added = seed(session)
            print(f"prestart: demo data ready ({added} rows added)")
    with uow() as session:
        if session.exec(select(Store.id).limit(1)).first() is None:
            raise SystemExit(EMPTY_SHOP_HELP)
        try:
            check_network(session)
        except NetworkInvalid as error:
            raise SystemExit(f"prestart: the store network is not usable: {error}") from error


if __name__ == "__main__":
    prestart()
