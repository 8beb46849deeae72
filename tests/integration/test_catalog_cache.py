"""The catalog's in-process snapshot: holds and releases show at once, rollbacks change
nothing, direct edits show after `invalidate` (or within CACHE_SECONDS)."""

import pytest
from sqlalchemy import update

from mongocollectibles.domain.errors import NotFound
from mongocollectibles.models import Unit
from mongocollectibles.services import catalog, catalog_snapshot, quotes
from mongocollectibles.services.unit_of_work import UnitOfWork
from tests.support.bookings import book, cancel


def stocks(url: str, store_id: str | None = "store-a") -> dict[str, int]:
    with UnitOfWork(url)() as session:
        return {v.id: v.stock for v in catalog_snapshot.snapshot(session).views(store_id)}


def quoted_stock(url: str, collectible_id: str = "col-002") -> int:
    with UnitOfWork(url)() as session:
        return quotes.quote(session, collectible_id, "store-a", 3).stock


def test_holds_and_releases_show_at_once(db_url):
    assert stocks(db_url)["col-002"] == 4 and quoted_stock(db_url) == 4
    with UnitOfWork(db_url)() as session:
        held = book(session, "col-002", "store-a")
    assert stocks(db_url)["col-002"] == 3 and quoted_stock(db_url) == 3
    with UnitOfWork(db_url)() as session:
        assert cancel(session, held.id)
    assert stocks(db_url)["col-002"] == 4 and quoted_stock(db_url) == 4


def test_a_rolled_back_hold_changes_nothing(db_url):
    stocks(db_url)
    with pytest.raises(RuntimeError), UnitOfWork(db_url)() as session:
        book(session, "col-003", "store-a")
        raise RuntimeError("checkout failed")
    assert stocks(db_url)["col-003"] == 4


def test_direct_edits_show_after_invalidate(db_url):
    assert stocks(db_url)["col-004"] == 4
    with UnitOfWork(db_url)() as session:
        session.execute(update(Unit).where(Unit.collectible_id == "col-004").values(active=False))
        catalog_snapshot.invalidate(session)
    assert stocks(db_url)["col-004"] == 0
    with UnitOfWork(db_url)() as session:  # the single-collectible read is never cached
        assert catalog.read_collectible(session, "col-004", "store-a").stock == 0


def test_views_match_the_uncached_reads(db_url):
    with UnitOfWork(db_url)() as session:
        book(session, "col-001", "store-b")
    for store_id in (None, "store-a", "store-b", "store-c"):
        with UnitOfWork(db_url)() as session:
            cached = list(catalog_snapshot.snapshot(session).views(store_id))
            fresh = [catalog.read_collectible(session, v.id, store_id) for v in cached]
        assert cached == fresh


def test_unknown_ids_are_refused_as_before(db_url):
    with UnitOfWork(db_url)() as session, pytest.raises(NotFound, match="Store 'store-x'"):
        catalog_snapshot.snapshot(session).views("store-x")
    with UnitOfWork(db_url)() as session, pytest.raises(NotFound, match="Store 'store-x'"):
        quotes.quote(session, "col-999", "store-x", 3)
    with UnitOfWork(db_url)() as session, pytest.raises(NotFound, match="Collectible 'col-9"):
        quotes.quote(session, "col-999", "store-a", 3)


async def test_the_live_price_agrees_with_the_full_quote(uow):
    """The collectible page shows the price from `get_price` first, then the full quote."""
    for days in ("1", "6", "7", "30"):
        price = await quotes.get_price("col-003", "store-b", days, uow=uow)
        full = await quotes.get_quote("col-003", "store-b", days, uow=uow)
        assert (price.total_centavos, price.daily_rate_centavos, price.is_special_rate) == (
            full.total_centavos,
            full.daily_rate_centavos,
            full.is_special_rate,
        )
    with pytest.raises(NotFound):
        await quotes.get_price("col-999", "store-b", "3", uow=uow)
