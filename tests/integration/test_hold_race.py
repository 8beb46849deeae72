"""Fifty concurrent bookings of one pickup date for a collectible with four units, from two
processes: exactly four succeed, on four different units."""

from collections import Counter
from datetime import timedelta

import pytest
from sqlmodel import select

from mongocollectibles.domain.reservations import shop_today
from mongocollectibles.models import Rental
from mongocollectibles.services.unit_of_work import UnitOfWork
from tests.support.race import race_holds


def _day() -> str:
    return (shop_today() + timedelta(days=14)).isoformat()  # every warehouse can serve it


@pytest.mark.postgres
def test_fifty_bookings_across_two_processes_take_exactly_four_units(pg_url):
    results = race_holds(pg_url, "col-005", "store-c", processes=2, threads=25, pickup_iso=_day())
    outcomes = Counter("held" if r.startswith("col-005") else r for r in results)
    assert outcomes == {"held": 4, "out_of_stock": 46}, outcomes
    held_units = [r for r in results if r.startswith("col-005")]
    assert len(set(held_units)) == 4
    with UnitOfWork(pg_url)() as session:
        booked = session.exec(select(Rental.unit_id).where(Rental.collectible_id == "col-005"))
        assert sorted(booked.all()) == sorted(held_units)


def test_concurrent_bookings_on_sqlite_never_share_a_unit(template_databases):
    url = template_databases.sqlite()
    results = race_holds(url, "col-001", "store-a", processes=2, threads=10, pickup_iso=_day())
    held = [r for r in results if r.startswith("col-001")]
    assert len(held) == 4 and len(set(held)) == 4
    assert Counter(results)["out_of_stock"] == 16, results
