"""Migrations, seed and allocation on SQLite and PostgreSQL."""

import pytest
from sqlalchemy import func, inspect
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from mongocollectibles import migrations
from mongocollectibles.db import get_engine
from mongocollectibles.domain.allocation import Candidate, choose_unit
from mongocollectibles.domain.errors import OutOfStock
from mongocollectibles.models import Collectible, Distance, Rental, Store, Unit, Warehouse
from mongocollectibles.seed import seed
from mongocollectibles.services import catalog, catalog_snapshot, inventory
from mongocollectibles.services.unit_of_work import UnitOfWork


def test_migrations_apply_from_empty_and_match_the_models(db_url):
    # db_url was built by prestart (migrate from empty + seed); nothing may differ.
    assert migrations.schema_drift(db_url) == []
    tables = set(inspect(get_engine(db_url)).get_table_names())
    assert {"collectible", "store", "warehouse", "distance", "unit", "rental"} <= tables
    assert {"rentalevent", "webhookevent", "pricingsettings", "alembic_version"} <= tables


def test_seed_is_idempotent(db_url):
    with UnitOfWork(db_url)() as session:
        assert seed(session) == 0
    with UnitOfWork(db_url)() as session:
        counts = [
            session.exec(select(func.count()).select_from(model)).one()
            for model in (Collectible, Store, Warehouse, Distance, Unit)
        ]
    assert counts == [6, 3, 4, 12, 24]


def test_seeded_catalog_has_stock_four_each(db_url):
    with UnitOfWork(db_url)() as session:
        views = catalog_snapshot.snapshot(session).views("store-a")
    assert [v.stock for v in views] == [4] * 6
    assert [v.eta_days for v in views] == [1] * 6  # Warehouse West is 1 km from store A


def test_sql_allocation_order_matches_the_domain_rule(db_url):
    for store in ("store-a", "store-b", "store-c"):
        with Session(get_engine(db_url)) as session:
            rows = session.exec(
                select(Unit.id, Unit.warehouse_id, Distance.km)
                .join(Distance, Distance.warehouse_id == Unit.warehouse_id)
                .where(Unit.collectible_id == "col-003", Distance.store_id == store)
            ).all()
            assert len(rows) == 4  # four units of col-003, one distance row each
            expected = choose_unit(Candidate(*row) for row in rows)
            assert expected is not None
            held = inventory.hold_unit(
                session, collectible_id="col-003", store_id=store, rental_id="probe"
            )
            session.rollback()  # look only: nothing is kept
        assert held == expected


def test_holds_take_units_nearest_first_then_run_out(db_url):
    taken = []
    with UnitOfWork(db_url)() as session:
        for n in range(4):
            taken.append(
                inventory.hold_unit(
                    session, collectible_id="col-001", store_id="store-b", rental_id=f"r{n}"
                )
            )
    # store-b distances: north 1, east 4, west 6, south 12
    assert [c.warehouse_id for c in taken] == ["wh-north", "wh-east", "wh-west", "wh-south"]
    assert [c.km for c in taken] == [1, 4, 6, 12]
    with pytest.raises(OutOfStock), UnitOfWork(db_url)() as session:
        inventory.hold_unit(session, collectible_id="col-001", store_id="store-b", rental_id="x")
    with UnitOfWork(db_url)() as session:
        assert catalog.read_collectible(session, "col-001", "store-b").stock == 0
        assert catalog.read_collectible(session, "col-001", "store-b").eta_days is None


def test_release_is_idempotent_and_only_by_the_holder(db_url):
    with UnitOfWork(db_url)() as session:
        held = inventory.hold_unit(
            session, collectible_id="col-002", store_id="store-a", rental_id="r1"
        )
    with UnitOfWork(db_url)() as session:
        assert not inventory.release_unit(session, unit_id=held.unit_id, rental_id="someone-else")
        assert inventory.release_unit(session, unit_id=held.unit_id, rental_id="r1")
        assert not inventory.release_unit(session, unit_id=held.unit_id, rental_id="r1")
        assert catalog.read_collectible(session, "col-002").stock == 4


def test_database_refuses_two_live_rentals_for_one_unit(db_url):
    def rental(rid: str) -> Rental:
        return Rental(
            id=rid,
            secret_token="t",
            status="paid",
            collectible_id="col-001",
            collectible_name="Batman",
            store_id="store-a",
            unit_id="col-001-wh-west",
            warehouse_id="wh-west",
            duration_days=7,
            daily_rate_centavos=100_000,
            total_centavos=700_000,
            is_special_rate=False,
            eta_days=1,
            payment_method="gcash",
            customer_name="Juan",
            customer_email="j@example.com",
            customer_phone="+639171234567",
            customer_address="12 Mabini St",
            customer_city="Manila",
            customer_postal_code="1000",
        )

    with UnitOfWork(db_url)() as session:
        session.add(rental("r1"))
    with pytest.raises(IntegrityError), UnitOfWork(db_url)() as session:
        session.add(rental("r2"))
    with UnitOfWork(db_url)() as session:  # a finished rental does not count
        session.get(Rental, "r1").status = "returned"
    with UnitOfWork(db_url)() as session:
        session.add(rental("r2"))


def test_prestart_refuses_a_broken_network(db_url):
    from mongocollectibles.prestart import prestart

    with UnitOfWork(db_url)() as session:
        session.delete(session.get(Distance, ("wh-east", "store-b")))
        session.get(Store, "store-c").active = False
    with pytest.raises(SystemExit) as caught:
        prestart(db_url, with_demo_data=False)
    message = str(caught.value)
    assert "At least 3 active stores" in message
    assert "wh-east has no distance to store store-b" in message
