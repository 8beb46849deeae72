"""The one start-up path used by dev, CI and deploy: wait for the database, migrate, check the
network, seed the demo data (unless SEED_DEMO_DATA=false).

On PostgreSQL the migrations and the seeding run under an advisory lock, so several droplets
(or workers) starting together on an empty database take turns instead of racing on
CREATE TYPE/TABLE. A database that cannot heal by waiting (it does not exist, the password is
wrong) stops prestart at once with the cause; only connection-refused style errors are retried.

Run: python -m mongocollectibles.prestart
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
from mongocollectibles.db import get_engine, session_scope
from mongocollectibles.domain.errors import NetworkInvalid
from mongocollectibles.models import Store
from mongocollectibles.seed import seed
from mongocollectibles.services.network import check_network
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
def prestart_lock(url: str | None = None) -> Iterator[None]:
    """Hold a PostgreSQL session advisory lock (no-op on SQLite) for the block. The lock has
    its own connection, outside the app's pool, so a pool of one still migrates."""
    url = url or get_settings().database_url
    if not url.startswith("postgresql"):
        yield
        return
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": PRESTART_LOCK_KEY})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PRESTART_LOCK_KEY})
            connection.commit()
    engine.dispose()


def prestart(url: str | None = None, with_demo_data: bool | None = None) -> None:
    settings = get_settings()
    url = url or settings.migrate_database_url or None
    wait_for_database(url)
    with prestart_lock(url):
        migrations.upgrade(url)
        if settings.seed_demo_data if with_demo_data is None else with_demo_data:
            with session_scope(url) as session:
                added = seed(session)
            print(f"prestart: demo data ready ({added} rows added)")
    with session_scope(url) as session:
        if session.exec(select(Store.id).limit(1)).first() is None:
            raise SystemExit(EMPTY_SHOP_HELP)
        try:
            check_network(session)
        except NetworkInvalid as error:
            raise SystemExit(f"prestart: the store network is not usable: {error}") from error


if __name__ == "__main__":
    prestart()
