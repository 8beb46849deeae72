"""The stock feed: one per process; it tells its subscribers (the storefront's open tabs, see
state/live.py) which collectibles' stock changed as soon as this process learns of it, so
nothing polls per tab and an idle tab costs nothing. It learns of:

- commits in this process: `stock_changes` announces them right after the commit;
- commits in other processes and machines, on PostgreSQL: their unit of work sends a NOTIFY
  with the commit (`stock_changes.publish_noted`); one thread here LISTENs (through
  MIGRATE_DATABASE_URL when set: PgBouncer's transaction mode cannot LISTEN) and announces
  what it hears in this process as well, so the catalog snapshot re-counts at once too;
- PostgreSQL without a LISTEN connection (refused, dropped) and SQLite (development): a check
  every WATCH_SECONDS that costs next to nothing while nothing changes (SQLite's
  `PRAGMA data_version` moves when another connection commits); when it moved, or without
  LISTEN, the snapshot's free-unit counts are compared with the last ones seen.

Changes that arrive while subscribers are being told are gathered for the next round.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
from collections.abc import AsyncIterator, Awaitable, Callable

from sqlalchemy.engine import Engine, make_url

from mongocollectibles.db import libpq_url
from mongocollectibles.services import catalog_snapshot, stock_changes
from mongocollectibles.services.unit_of_work import UnitOfWork
from mongocollectibles.settings import get_settings

log = logging.getLogger(__name__)

WATCH_SECONDS = 1.0  # the fallback check (SQLite, or PostgreSQL without LISTEN)
LISTEN_WAKE_SECONDS = 1.0  # how often the LISTEN thread looks up to see whether to stop
RETRY_SECONDS = 5.0  # after a lost LISTEN connection

Changed = frozenset[str] | None  # the collectibles whose stock changed; None: possibly all
Subscriber = Callable[[Changed], Awaitable[None]]
Counts = dict[str, dict[str, int]]


def changed_between(old: Counts, new: Counts) -> frozenset[str]:
    """The collectibles whose free counts differ between two snapshots."""
    return frozenset(cid for cid in old.keys() | new.keys() if old.get(cid) != new.get(cid))


class StockFeed:
    """Start with `async with feed.running():` on the app's event loop."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._subscribers: list[Subscriber] = []
        self._pending: set[str] = set()
        self._everything = False
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._engine: Engine | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._counts: Counts | None = None
        self.listening = False  # a LISTEN connection is up (PostgreSQL)
        self.rounds = 0  # rounds of telling the subscribers (tests, benchmarks)

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[StockFeed]:
        await self.start()
        try:
            yield self
        finally:
            await self.stop()

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._engine = self._uow.engine
        stock_changes.add_listener(self._heard)
        self._tasks.append(asyncio.create_task(self._deliver(), name="stock-feed"))
        if self._engine.dialect.name == "postgresql":
            self._thread = threading.Thread(
                target=self._listen, name="stock-feed-listen", daemon=True
            )
            self._thread.start()
        self._tasks.append(asyncio.create_task(self._watch(), name="stock-feed-watch"))

    async def stop(self) -> None:
        stock_changes.remove_listener(self._heard)
        self._stopping.set()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, LISTEN_WAKE_SECONDS * 3)

    # ------------------------------------------------------------------ hearing of changes

    def _heard(self, engine: Engine, ids: Changed) -> None:
        """stock_changes' listener (any thread): hand the change to the event loop."""
        if engine is not self._engine or self._loop is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop is closing: nobody to tell
            self._loop.call_soon_threadsafe(self.note, ids)

    def note(self, ids: Changed) -> None:
        """On the event loop: these collectibles changed (None: possibly all)."""
        if ids is None:
            self._everything = True
        else:
            self._pending.update(ids)
        if self._wake is not None:
            self._wake.set()

    async def _deliver(self) -> None:
        assert self._wake is not None
        while True:
            await self._wake.wait()
            self._wake.clear()
            changed: Changed = None if self._everything else frozenset(self._pending)
            self._pending, self._everything = set(), False
            if changed is not None and not changed:
                continue
            self.rounds += 1
            for subscriber in list(self._subscribers):
                try:
                    await subscriber(changed)
                except Exception:  # noqa: BLE001 - one subscriber's failure spares the rest
                    log.exception("stock feed: a subscriber failed")

    # ------------------------------------------------------------------ other processes

    def _listen(self) -> None:
        """The LISTEN thread (PostgreSQL): other processes' commits, announced here too."""
        import psycopg

        engine = self._engine
        assert engine is not None
        settings = get_settings()
        direct = settings.migrate_database_url if self._uow.url == settings.database_url else ""
        conninfo = libpq_url(direct or self._uow.url)  # the direct URL names the same database
        me = stock_changes.origin()
        reconnected = False
        while not self._stopping.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {stock_changes.CHANNEL}")
                    self.listening = True
                    if reconnected:  # what was sent while we were away is lost: re-read all
                        stock_changes.announce(engine, None)
                    while not self._stopping.is_set():
                        for message in conn.notifies(timeout=LISTEN_WAKE_SECONDS):
                            sender, ids = stock_changes.parse_payload(message.payload)
                            if sender != me:
                                stock_changes.announce(engine, ids)
            except Exception as error:  # noqa: BLE001 - the watch covers us meanwhile
                if not self._stopping.is_set():
                    log.warning("stock feed: LISTEN failed (%s); retrying", error)
            self.listening = False
            reconnected = True
            self._stopping.wait(RETRY_SECONDS)

    async def _watch(self) -> None:
        """The fallback check every WATCH_SECONDS (see the module's docstring)."""
        engine = self._engine
        assert engine is not None
        sqlite_path = make_url(self._uow.url).database if engine.dialect.name == "sqlite" else None
        version_of = (
            _DataVersion(sqlite_path) if sqlite_path not in (None, "", ":memory:") else None
        )
        try:
            while True:
                await asyncio.sleep(WATCH_SECONDS)
                try:
                    if version_of is not None and self._counts is None:
                        await self._compare_counts(engine)  # the counts to compare with
                        continue
                    if version_of is not None:
                        if not await asyncio.to_thread(version_of.moved):
                            continue
                        # Another connection committed: re-read (telling no one yet), then
                        # tell only what changed.
                        stock_changes.announce(engine, None, tell_listeners=False)
                    elif self.listening or engine.dialect.name != "postgresql":
                        continue
                    await self._compare_counts(engine)
                except Exception:  # noqa: BLE001 - tried again on the next tick
                    log.exception("stock feed: the fallback check failed")
        finally:
            if version_of is not None:
                version_of.close()

    async def _compare_counts(self, engine: Engine) -> None:
        snapshot = await catalog_snapshot.current_snapshot(engine)
        if self._counts is not None and snapshot.counts is not self._counts:
            changed = changed_between(self._counts, snapshot.counts)
            if changed:
                self.note(changed)
        self._counts = snapshot.counts


class _DataVersion:
    """SQLite's `PRAGMA data_version` on a connection of its own: it moves when any other
    connection (this process's included) commits."""

    def __init__(self, path: str) -> None:
        self._connection = sqlite3.connect(path, check_same_thread=False)
        self._last = self._read()

    def _read(self) -> int:
        return int(self._connection.execute("PRAGMA data_version").fetchone()[0])

    def moved(self) -> bool:
        now = self._read()
        moved, self._last = now != self._last, now
        return moved

    def close(self) -> None:
        self._connection.close()
