"""The stock feed (services/stock_feed.py): holds and releases committed in this process, and
in other processes (PostgreSQL NOTIFY; SQLite's data_version), reach its subscribers at once
with the collectibles they changed; rolled-back ones never do."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mongocollectibles.services import catalog_snapshot, stock_changes, stock_feed
from mongocollectibles.services.stock_feed import Changed, StockFeed
from tests.support.bookings import book, cancel

ROOT = Path(__file__).resolve().parents[2]


class Heard:
    """A subscriber that keeps what it was told."""

    def __init__(self) -> None:
        self.changes: list[Changed] = []
        self._told = asyncio.Event()

    async def __call__(self, changed: Changed) -> None:
        self.changes.append(changed)
        self._told.set()

    async def next(self, within: float) -> Changed:
        await asyncio.wait_for(self._told.wait(), within)
        self._told.clear()
        return self.changes[-1]


async def wait_listening(feed: StockFeed) -> None:
    if feed._uow.engine.dialect.name != "postgresql":
        return
    deadline = time.monotonic() + 10
    while not feed.listening:
        assert time.monotonic() < deadline, "the feed never started listening"
        await asyncio.sleep(0.05)


def book_in_another_process(url: str, collectible_id: str) -> None:
    code = (
        "import sys\n"
        "from mongocollectibles.services.unit_of_work import UnitOfWork\n"
        "from tests.support.bookings import book, other_shopper\n"
        "with UnitOfWork(sys.argv[1])() as session:\n"
        "    book(session, sys.argv[2], customer=other_shopper(7))\n"
    )
    subprocess.run([sys.executable, "-c", code, url, collectible_id], cwd=ROOT, check=True)


def stock(uow, collectible_id: str) -> int:  # noqa: ANN001
    with uow() as session:
        return catalog_snapshot.snapshot(session).view(collectible_id, "store-a").stock


async def test_a_hold_and_its_release_here_are_heard_at_once(uow):
    heard = Heard()
    feed = StockFeed(uow)
    feed.subscribe(heard)
    async with feed.running():
        started = time.monotonic()
        held = await uow.run(book, "col-002")
        assert await heard.next(within=0.5) == {"col-002"}
        assert time.monotonic() - started < 0.5
        assert await uow.run(cancel, held.id)
        assert await heard.next(within=0.5) == {"col-002"}


async def test_a_rolled_back_hold_is_never_heard(uow):
    heard = Heard()
    feed = StockFeed(uow)
    feed.subscribe(heard)
    async with feed.running():
        await wait_listening(feed)

        def book_then_fail(session) -> None:  # noqa: ANN001
            book(session, "col-003")
            raise RuntimeError("the payment provider failed")

        with pytest.raises(RuntimeError):
            await uow.run(book_then_fail)
        await asyncio.sleep(stock_feed.WATCH_SECONDS * 2.5)
    assert heard.changes == []
    assert stock(uow, "col-003") == 4


async def test_a_hold_in_another_process_is_heard(uow):
    """PostgreSQL: by NOTIFY at once (and this process's snapshot re-counts at once too);
    SQLite: by its data_version within about WATCH_SECONDS."""
    heard = Heard()
    feed = StockFeed(uow)
    feed.subscribe(heard)
    assert stock(uow, "col-004") == 4
    async with feed.running():
        await wait_listening(feed)
        await asyncio.sleep(stock_feed.WATCH_SECONDS * 1.5)  # the SQLite watch has its counts
        await asyncio.to_thread(book_in_another_process, uow.url, "col-004")
        started = time.monotonic()
        within = 0.5 if feed.listening else stock_feed.WATCH_SECONDS * 2.5
        assert await heard.next(within=within) == {"col-004"}
        waited = time.monotonic() - started
    assert waited < within
    assert stock(uow, "col-004") == 3


def test_notify_payloads_name_the_sender_and_the_collectibles():
    sender, ids = stock_changes.parse_payload(f"{stock_changes.origin()}|col-001,col-002")
    assert sender == stock_changes.origin()
    assert ids == {"col-001", "col-002"}
    assert stock_changes.parse_payload("elsewhere:1|*") == ("elsewhere:1", None)
    assert stock_feed.changed_between({"a": {"w": 1}}, {"a": {"w": 1}, "b": {}}) == {"b"}
    assert stock_feed.changed_between({"a": {"w": 1}}, {"a": {"w": 2}}) == {"a"}
