"""Bookings under pressure: 200 concurrent checkouts over real HTTP on PostgreSQL, and random
bookings and cancellations checked step by step against a simple model of the rules."""

import asyncio
import json
import random
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update
from sqlmodel import select

from mongocollectibles.api import create_api
from mongocollectibles.domain.errors import Conflict, InvalidInput, OutOfStock
from mongocollectibles.domain.reservations import Window, shop_today, window_for
from mongocollectibles.domain.status import LIVE_STATUSES
from mongocollectibles.models import Rental
from mongocollectibles.seed import DEMO_FILE
from mongocollectibles.services import reservations
from mongocollectibles.services.unit_of_work import UnitOfWork
from mongocollectibles.settings import get_settings
from tests.support.bookings import book, cancel
from tests.support.orders import order
from tests.support.servers import free_port, run_asgi_in_thread

STORES = ("store-a", "store-b", "store-c")
# The demo network's distances (days) from each warehouse to each store.
DISTANCES = json.loads(Path(DEMO_FILE).read_text())["distances"]
KM = {store: {wid: kms[store] for wid, kms in DISTANCES.items()} for store in STORES}


def live_windows(url: str, collectible_id: str) -> dict[str, list[Window]]:
    with UnitOfWork(url)() as session:
        rows = session.exec(
            select(Rental).where(
                Rental.collectible_id == collectible_id, Rental.status.in_(LIVE_STATUSES)
            )
        ).all()
    by_unit: dict[str, list[Window]] = defaultdict(list)
    for r in rows:
        by_unit[r.unit_id].append(Window(r.window_start, r.window_end))
    return by_unit


def assert_no_overlap(by_unit: dict[str, list[Window]]) -> None:
    for unit, windows in by_unit.items():
        ordered = sorted(windows, key=lambda w: w.start)
        for a, b in zip(ordered, ordered[1:], strict=False):
            assert not a.overlaps(b), (unit, a, b)


@pytest.fixture
def pg_http(pg_url, monkeypatch):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    for key, value in {"API_BASE_URL": base, "PUBLIC_BASE_URL": base}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("PAYMONGO_SECRET_KEY", "")
    get_settings.cache_clear()
    with run_asgi_in_thread(create_api(uow=UnitOfWork(pg_url)), port=port):
        yield base, pg_url
    get_settings.cache_clear()


@pytest.mark.postgres
def test_two_hundred_concurrent_checkouts_never_overlap_on_a_unit(pg_http):
    base, url = pg_http
    today = shop_today()
    rng = random.Random(20261130)
    bodies = []
    for n in range(200):
        body = order(
            collectible_id="col-005",
            store_id=rng.choice(STORES),
            duration=rng.randint(1, 8),
        )
        if n % 10:  # most choose a date (many overlapping); a few take the earliest one
            body["pickup_date"] = (today + timedelta(days=rng.randint(12, 45))).isoformat()
        bodies.append(body)

    async def run() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=50)
        async with httpx.AsyncClient(timeout=120, limits=limits) as client:
            return await asyncio.gather(
                *[client.post(f"{base}/api/rentals/checkout", json=b) for b in bodies]
            )

    responses = asyncio.run(run())
    codes = Counter(r.status_code for r in responses)
    assert set(codes) <= {200, 409}, codes
    assert codes[200] >= 20 and codes[409] >= 20, codes  # both outcomes really happened
    for response in responses:
        body = response.json()
        if response.status_code == 409:
            assert body["success"] is False and body["error"], body
        else:
            assert body["data"]["pickup_date"] and body["data"]["return_date"]
    by_unit = live_windows(url, "col-005")
    assert sum(len(w) for w in by_unit.values()) == codes[200]
    assert_no_overlap(by_unit)
    # Every accepted rental's window is the rule's, from a warehouse that can reach the store.
    with UnitOfWork(url)() as session:
        for r in session.exec(select(Rental).where(Rental.collectible_id == "col-005")).all():
            km = KM[r.store_id][r.warehouse_id]
            assert Window(r.window_start, r.window_end) == window_for(
                r.pickup_date, r.duration_days, km, 1
            )
            assert r.window_start >= today


# ------------------------------------------------------------------ model-based property


class Model:
    """The rules in the plainest form: a list of live windows per unit (one unit per
    warehouse, as seeded), allocation nearest first by (km, warehouse id)."""

    def __init__(self, today: date) -> None:
        self.today = today
        self.live: dict[str, tuple[str, Window]] = {}  # rental id -> (unit, window)

    def free(self, unit: str, window: Window) -> bool:
        return all(u != unit or not w.overlaps(window) for u, w in self.live.values())

    def choose(self, store: str, days: int, pickup: date) -> tuple[str, Window] | None:
        for km, wid in sorted((km, wid) for wid, km in KM[store].items()):
            if pickup - timedelta(days=km) < self.today:
                continue
            window = window_for(pickup, days, km, 1)
            unit = f"col-001-{wid}"
            if self.free(unit, window):
                return unit, window
        return None

    def earliest(self, store: str, days: int) -> date | None:
        for offset in range(0, 366):
            pickup = self.today + timedelta(days=offset)
            if self.choose(store, days, pickup) is not None:
                return pickup
        return None


operation = st.one_of(
    st.tuples(
        st.just("book"),
        st.sampled_from(STORES),
        st.integers(1, 10),  # days
        st.one_of(st.none(), st.integers(-1, 30)),  # pickup offset (None: earliest)
    ),
    st.tuples(st.just("cancel"), st.integers(0, 50)),
)


QUIET = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


@settings(max_examples=30, deadline=None, suppress_health_check=QUIET)
@given(ops=st.lists(operation, min_size=1, max_size=25))
def test_random_bookings_and_cancellations_follow_the_model(template_databases, ops):
    follow_the_model(template_databases.sqlite(), ops)


@pytest.mark.postgres
@settings(max_examples=12, deadline=None, suppress_health_check=QUIET)
@given(ops=st.lists(operation, min_size=1, max_size=25))
def test_random_bookings_and_cancellations_follow_the_model_on_postgres(pg_url, ops):
    # One database for every example: each starts by cancelling what the last one booked.
    with UnitOfWork(pg_url)() as session:
        session.execute(update(Rental).values(status="cancelled"))
    follow_the_model(pg_url, ops)


def follow_the_model(url: str, ops: list) -> None:
    today = shop_today()
    model = Model(today)
    booked: list[str] = []
    uow = UnitOfWork(url)
    for op in ops:
        if op[0] == "cancel":
            if not booked:
                continue
            rental_id = booked[op[1] % len(booked)]
            with uow() as session:
                cancel(session, rental_id)
            model.live.pop(rental_id, None)
            continue
        _, store, days, offset = op
        pickup = None if offset is None else today + timedelta(days=offset)
        wanted = pickup or model.earliest(store, days)
        expected = model.choose(store, days, wanted) if wanted else None
        try:
            with uow() as session:
                rental = book(session, "col-001", store, days=days, pickup=pickup)
        except (Conflict, OutOfStock, InvalidInput):
            assert expected is None, (op, expected)
            continue
        assert expected is not None, op
        assert rental.pickup_date == wanted
        assert (rental.unit_id, Window(rental.window_start, rental.window_end)) == expected
        model.live[rental.id] = expected
        booked.append(rental.id)
    by_unit = live_windows(url, "col-001")
    assert_no_overlap(by_unit)
    assert sum(len(w) for w in by_unit.values()) == len(model.live)
    # The calendar agrees with the model, day by day, for every store.
    for store in STORES:
        with uow() as session:
            days = reservations.calendar(session, "col-001", store, 4, today, 40, today)
        assert [d.available for d in days] == [
            model.choose(store, 4, d.day) is not None for d in days
        ], store
