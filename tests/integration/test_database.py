"""Migrations, seed and allocation on SQLite and PostgreSQL."""

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, inspect
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from mongocollectibles import migrations
from mongocollectibles.db import get_engine
from mongocollectibles.domain.allocation import Candidate, choose_unit
from mongocollectibles.domain.errors import Conflict
from mongocollectibles.models import Collectible, Distance, Rental, Store, Unit, Warehouse
from mongocollectibles.seed import seed
from mongocollectibles.services import catalog, catalog_snapshot, reservations
from mongocollectibles.services.unit_of_work import UnitOfWork
from tests.support.bookings import book, cancel
from tests.support.databases import create_pg_database, drop_pg_database


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
            far = reservations.today() + timedelta(days=20)  # every warehouse reaches it
            booked = reservations.book(
                session, collectible_id="col-003", store_id=store, days=3, pickup=far
            )
            session.rollback()  # look only: nothing is kept
        assert (booked.unit_id, booked.warehouse_id, booked.km) == (
            expected.unit_id,
            expected.warehouse_id,
            expected.km,
        )


def test_bookings_for_one_date_take_units_nearest_first_then_run_out(db_url):
    pickup = reservations.today() + timedelta(days=12)
    taken = []
    with UnitOfWork(db_url)() as session:
        for _ in range(4):
            taken.append(book(session, "col-001", "store-b", days=3, pickup=pickup))
    # store-b distances: north 1, east 4, west 6, south 12
    assert [r.warehouse_id for r in taken] == ["wh-north", "wh-east", "wh-west", "wh-south"]
    assert {(r.pickup_date, r.return_date) for r in taken} == {(pickup, pickup + timedelta(days=3))}
    with (
        pytest.raises(Conflict, match="nearest date that can be served is"),
        UnitOfWork(db_url)() as session,
    ):
        book(session, "col-001", "store-b", days=3, pickup=pickup)


def test_without_a_date_bookings_take_the_earliest_possible_pickup(db_url):
    today = reservations.today()
    with UnitOfWork(db_url)() as session:
        first = book(session, "col-001", "store-b", days=3)
        second = book(session, "col-001", "store-b", days=3)
    # North (1 day away) serves the first; its unit is then taken until
    # return + 1 + 1 turnaround, so the earliest for the second is East's (4 days away).
    assert (first.warehouse_id, first.pickup_date) == ("wh-north", today + timedelta(days=1))
    assert (first.window_start, first.window_end) == (today, today + timedelta(days=6))
    assert (second.warehouse_id, second.pickup_date) == ("wh-east", today + timedelta(days=4))
    with UnitOfWork(db_url)() as session:
        assert catalog.read_collectible(session, "col-001", "store-b").stock == 2


def test_cancel_frees_the_window_and_is_idempotent(db_url):
    with UnitOfWork(db_url)() as session:
        held = book(session, "col-002", "store-a")
        assert catalog.read_collectible(session, "col-002").stock == 3
    with UnitOfWork(db_url)() as session:
        assert cancel(session, held.id)
        assert not cancel(session, held.id)
        assert catalog.read_collectible(session, "col-002").stock == 4


def _rental(rid: str, start: date, end: date) -> Rental:
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
        pickup_date=start + timedelta(days=1),
        return_date=start + timedelta(days=8),
        window_start=start,
        window_end=end,
        payment_method="gcash",
        customer_name="Juan",
        customer_email="j@example.com",
        customer_phone="+639171234567",
        customer_address="12 Mabini St",
        customer_city="Manila",
        customer_postal_code="1000",
    )


@pytest.mark.postgres
def test_postgres_refuses_overlapping_live_windows_of_one_unit(pg_url):
    day = date(2027, 3, 1)
    with UnitOfWork(pg_url)() as session:
        session.add(_rental("r1", day, day + timedelta(days=10)))
    with (
        pytest.raises(IntegrityError, match="ex_rental_unit_window"),
        UnitOfWork(pg_url)() as session,
    ):
        session.add(_rental("r2", day + timedelta(days=9), day + timedelta(days=20)))
    with UnitOfWork(pg_url)() as session:  # touching windows [a, b) [b, c) do not overlap
        session.add(_rental("r3", day + timedelta(days=10), day + timedelta(days=20)))
    with UnitOfWork(pg_url)() as session:  # a finished rental does not count
        session.get(Rental, "r1").status = "returned"
    with UnitOfWork(pg_url)() as session:
        session.add(_rental("r2", day + timedelta(days=2), day + timedelta(days=10)))


def test_windows_must_end_after_they_start(db_url):
    day = date(2027, 3, 1)
    with pytest.raises(IntegrityError), UnitOfWork(db_url)() as session:
        session.add(_rental("r1", day, day))


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


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_existing_rentals_migrate_to_windows(tmp_path, backend, request):
    """A database at the previous revision with a live rental gets dates and a window from
    the day it was paid (or created) and its ETA, and the unit's old hold is cleared."""
    from alembic import command

    if backend == "postgres":
        request.getfixturevalue("pg_url")  # PostgreSQL is there (or the test fails clearly)
        name = f"mct_migrate_{uuid.uuid4().hex[:8]}"
        url = create_pg_database(name)
        request.addfinalizer(lambda: drop_pg_database(name))
        zone = "+00:00"
    else:
        url = f"sqlite:///{tmp_path / 'old.db'}"
        zone = ""  # SQLite keeps naive UTC
    command.upgrade(migrations.alembic_config(url), "0006_rental_client_ip")
    engine = get_engine(url)
    with engine.begin() as connection:
        with Session(bind=connection) as session:
            seed(session)
            session.flush()
        connection.exec_driver_sql(
            "INSERT INTO rental (id, secret_token, status, collectible_id, collectible_name, "
            "store_id, unit_id, warehouse_id, duration_days, daily_rate_centavos, "
            "total_centavos, is_special_rate, eta_days, payment_method, customer_name, "
            "customer_email, customer_phone, customer_address, customer_city, "
            "customer_postal_code, needs_refund, session_expired_at_gateway, paid_at, "
            "created_at, updated_at, owner_flag, client_ip, refunded_centavos) VALUES "
            "('old-1', 't', 'paid', 'col-001', 'Batman', "
            "'store-b', 'col-001-wh-east', 'wh-east', 7, 100000, 700000, false, 4, 'gcash', "
            "'J', 'j@example.com', '+639171234567', 'x', 'Manila', '1000', false, false, "
            f"'2026-11-20 17:30:00.000000{zone}', '2026-11-20 17:00:00.000000{zone}', "
            f"'2026-11-20 17:30:00.000000{zone}', 'Checked by hand.', '203.0.113.7', 0)"
        )
        # The owner's turnaround (2 rest days) sets the migrated window's end.
        connection.exec_driver_sql("UPDATE pricingsettings SET turnaround_days = 2 WHERE id = 1")
        connection.exec_driver_sql(
            "UPDATE unit SET current_rental_id = 'old-1' WHERE id = 'col-001-wh-east'"
        )
    migrations.upgrade(url)
    assert migrations.schema_drift(url) == []
    with UnitOfWork(url)() as session:
        row = session.get(Rental, "old-1")
        # Paid 17:30 UTC on Nov 20 = Nov 21 in Manila; ETA 4 days; 7 days; East is 4 away.
        assert (row.pickup_date, row.return_date) == (date(2026, 11, 25), date(2026, 12, 2))
        assert (row.window_start, row.window_end) == (date(2026, 11, 21), date(2026, 12, 8))
        assert (row.owner_flag, row.client_ip) == ("Checked by hand.", "203.0.113.7")
        assert session.get(Unit, "col-001-wh-east").current_rental_id is None
    engine.dispose()
