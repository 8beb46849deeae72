"""Fifty concurrent holds for a collectible with four free units, from two processes."""

from collections import Counter

import pytest
from sqlalchemy import func
from sqlmodel import select

from mongocollectibles.models import Unit
from mongocollectibles.services.unit_of_work import UnitOfWork
from tests.support.race import race_holds


@pytest.mark.postgres
def test_fifty_holds_across_two_processes_take_exactly_four_units(pg_url):
    results = race_holds(pg_url, "col-005", "store-c", processes=2, threads=25)
    outcomes = Counter("held" if r.startswith("col-005") else r for r in results)
    assert outcomes == {"held": 4, "out_of_stock": 46}, outcomes
    held_units = [r for r in results if r.startswith("col-005")]
    assert len(set(held_units)) == 4
    with UnitOfWork(pg_url)() as session:
        held = session.exec(
            select(func.count()).where(
                Unit.collectible_id == "col-005", Unit.current_rental_id.is_not(None)
            )
        ).one()
    assert held == 4


def test_concurrent_holds_on_sqlite_never_share_a_unit(template_databases):
    url = template_databases.sqlite()
    results = race_holds(url, "col-001", "store-a", processes=2, threads=10)
    held = [r for r in results if r.startswith("col-001")]
    assert len(held) == 4 and len(set(held)) == 4
    assert Counter(results)["out_of_stock"] == 16, results
