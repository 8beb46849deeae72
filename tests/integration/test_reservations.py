"""Reservations by date through the real API and services, on SQLite and PostgreSQL:
quote/checkout dates, the 4xx for out-of-range dates, the availability calendar, pending
holds keeping their window until they expire, and the owner's date-driven lists."""

from datetime import date, timedelta

import httpx
import pytest
from sqlmodel import select

from mongocollectibles.api import create_api
from mongocollectibles.api.deps import gateway
from mongocollectibles.domain import status
from mongocollectibles.domain.errors import Conflict
from mongocollectibles.domain.reservations import shop_today
from mongocollectibles.models import Rental, RentalEvent, Unit, utcnow
from mongocollectibles.services import (
    checkout,
    expiry,
    lifecycle,
    pricing_admin,
    reservations,
    schedule,
    units_admin,
)
from mongocollectibles.settings import get_settings
from tests.support.bookings import book
from tests.support.fakes import FakeGateway
from tests.support.orders import order

TODAY = shop_today()


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


QUOTE = {"collectible_id": "col-002", "store_id": "store-a", "duration": 3}


@pytest.fixture
async def client(uow):
    app = create_api(uow=uow, run_background_tasks=False)
    app.dependency_overrides[gateway] = FakeGateway  # a fresh fake per request is enough
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://shop") as c:
        yield c


async def quote(client, **changes):  # noqa: ANN001, ANN201
    return await client.post("/api/rentals/quote", json={**QUOTE, **changes})


async def test_quote_without_a_date_uses_the_earliest_pickup(client):
    data = (await quote(client)).json()["data"]
    # Store A's nearest warehouse (West) is 1 day away.
    assert data["pickup_date"] == day(1) and data["return_date"] == day(4)
    assert data["eta"] == 1 and data["available"] is True
    assert data["earliest_pickup_date"] == day(1)
    assert data["latest_pickup_date"] == day(get_settings().max_ahead_days)
    assert data["total_fee_centavos"] == 3_000_000  # pricing unchanged


async def test_quote_for_a_chosen_date_shows_both_dates_and_eta(client):
    data = (await quote(client, pickup_date=day(10), duration=7)).json()["data"]
    assert (data["pickup_date"], data["return_date"], data["eta"]) == (day(10), day(17), 10)
    assert data["is_special_rate"] is False and data["total_fee"] == 35_000


@pytest.mark.parametrize(
    ("offset", "message"),
    [
        (-1, f"in the past. The earliest possible pickup date is {day(1)}"),
        (0, f"too soon; the earliest possible pickup date is {day(1)}"),
        (366, f"the latest possible pickup date is {day(365)}"),
    ],
)
async def test_out_of_range_dates_get_a_4xx_naming_the_date(client, uow, offset, message):
    for path, body in (
        ("/api/rentals/quote", {**QUOTE, "pickup_date": day(offset)}),
        ("/api/rentals/checkout", order(pickup_date=day(offset))),
    ):
        response = await client.post(path, json=body)
        assert response.status_code == 422, response.text
        assert message in response.json()["error"]
    assert uow.call(lambda s: s.exec(select(Rental)).all()) == []


async def test_malformed_dates_are_refused(client):
    response = await quote(client, pickup_date="31/12/2027")
    assert response.status_code == 422 and "YYYY-MM-DD" in response.json()["error"]


async def test_a_booked_date_says_the_nearest_date_and_other_stores(client, uow):
    # Take every unit of col-002 for a 3-day rental picked up at store A in 12 days.
    with uow() as session:
        for _ in range(4):
            book(session, "col-002", "store-a", pickup=TODAY + timedelta(days=12))
    data = (await quote(client, pickup_date=day(12))).json()["data"]
    assert data["available"] is False and data["eta"] is None
    assert data["pickup_date"] == day(12)
    nearest = data["nearest_pickup_date"]
    assert nearest is not None and nearest != day(12)
    # The nearest date really can be served, and checking out on the booked one is a 409.
    assert (await quote(client, pickup_date=nearest)).json()["data"]["available"] is True
    refused = await client.post("/api/rentals/checkout", json=order(pickup_date=day(12)))
    assert refused.status_code == 409
    assert f"nearest date that can be served is {nearest}" in refused.json()["error"]
    # Stores B and C are served by the same four units: they cannot serve day 12 either.
    assert all(not s["serves_pickup_date"] for s in data["other_stores"])


async def test_checkout_with_a_date_answers_and_records_both_dates(client, uow):
    response = await client.post("/api/rentals/checkout", json=order(pickup_date=day(9)))
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert (data["pickup_date"], data["return_date"], data["eta"]) == (day(9), day(12), 9)
    shown = await client.get(f"/api/rentals/{data['rental_id']}", params={"token": data["token"]})
    view = shown.json()["data"]
    assert (view["pickup_date"], view["return_date"]) == (day(9), day(12))
    row = uow.call(lambda s: s.get(Rental, data["rental_id"]))
    # West is 1 day from store A: window [pickup - 1, return + 1 + 1 turnaround).
    assert row.window_start == TODAY + timedelta(days=8)
    assert row.window_end == TODAY + timedelta(days=14)


async def test_old_clients_checkout_without_a_date(client):
    response = await client.post("/api/rentals/checkout", json=order())
    data = response.json()["data"]
    assert response.status_code == 200 and data["eta"] == 1
    assert data["pickup_date"] == day(1) and data["payment_url"]


async def test_availability_calendar(client, uow):
    with uow() as session:  # store A's nearest unit busy around day 20
        book(session, "col-002", "store-a", pickup=TODAY + timedelta(days=20), days=5)
    response = await client.get(
        "/api/collectibles/col-002/availability",
        params={"store_id": "store-a", "duration": 3, "days": 90},
    )
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    days = data["calendar"]
    assert len(days) == 90 and days[0]["date"] == day(0) and data["from"] == day(0)
    assert days[0]["available"] is False and days[0]["reason"] == "too_soon"
    assert days[1]["available"] is True and days[1]["eta"] == 1
    assert days[1]["return_date"] == day(4)
    assert data["earliest_pickup_date"] == day(1)
    # Other warehouses still serve day 20 (later ETA is the same: pickup - today).
    assert days[20]["available"] is True and days[20]["eta"] == 20


async def test_availability_marks_fully_booked_days(client, uow):
    with uow() as session:
        for _ in range(4):
            book(session, "col-002", "store-a", pickup=TODAY + timedelta(days=30), days=3)
    data = (
        await client.get(
            "/api/collectibles/col-002/availability",
            params={"store_id": "store-a", "duration": 3, "from": day(25), "days": 10},
        )
    ).json()["data"]
    by_day = {d["date"]: d for d in data["calendar"]}
    assert by_day[day(30)]["available"] is False and by_day[day(30)]["reason"] == "booked"
    assert "Fully booked" in by_day[day(30)]["reason_text"]
    # Each day the calendar offers really can be booked.
    for d in data["calendar"]:
        answer = (await quote(client, pickup_date=d["date"])).json()["data"]
        assert answer["available"] is d["available"], d


@pytest.mark.parametrize(
    ("path", "params", "code", "message"),
    [
        ("col-999", {"store_id": "store-a", "duration": 3}, 404, "Collectible"),
        ("col-002", {"store_id": "store-x", "duration": 3}, 404, "Store"),
        ("col-002", {"duration": 3}, 400, "store_id is required"),
        ("col-002", {"store_id": "store-a", "duration": 0}, 400, "at least 1 day"),
        ("col-002", {"store_id": "store-a", "duration": "x"}, 400, "whole number"),
        ("col-002", {"store_id": "store-a", "duration": 3, "days": 181}, 400, "between 1 and 180"),
        ("col-002", {"store_id": "store-a", "duration": 3, "days": "-1"}, 400, "whole number"),
        ("col-002", {"store_id": "store-a", "duration": 3, "from": "soon"}, 400, "YYYY-MM-DD"),
        ("col-002", {"store_id": "store-a", "duration": 3, "from": "9999-12-31"}, 400, "horizon"),
        ("col-002", {"store_id": "store-a", "duration": 3, "from": "0001-01-01"}, 400, "horizon"),
    ],
)
async def test_availability_refuses_bad_values(client, path, params, code, message):
    response = await client.get(f"/api/collectibles/{path}/availability", params=params)
    assert response.status_code == code, response.text
    assert message in response.json()["error"]


async def test_availability_takes_its_limits_exactly(client):
    """A client may ask for 1 to 180 days (90 when it does not say), from a year back up to
    the booking horizon; one day past either end is refused, naming the horizon."""
    horizon = get_settings().max_ahead_days

    async def calendar(**params):
        return await client.get(
            "/api/collectibles/col-002/availability",
            params={"store_id": "store-a", "duration": 3, **params},
        )

    for params, length, first in [
        ({}, 90, day(0)),
        ({"days": "180"}, 180, day(0)),
        ({"days": " 1 "}, 1, day(0)),
        ({"from": day(-366), "days": 2}, 2, day(-366)),
        ({"from": day(horizon), "days": 2}, 2, day(horizon)),
    ]:
        answer = await calendar(**params)
        assert answer.status_code == 200, (params, answer.text)
        data = answer.json()["data"]
        assert (len(data["calendar"]), data["days"], data["from"]) == (length, length, first)
        assert data["calendar"][0]["date"] == first
    refused = await calendar(days=0)
    assert refused.status_code == 400
    assert refused.json()["error"] == "days must be between 1 and 180."
    for too_far in (day(-367), day(horizon + 1)):
        refused = await calendar(**{"from": too_far})
        assert refused.status_code == 400, too_far
        assert refused.json()["error"] == (
            f"from must be within a year back and the booking horizon (up to {day(horizon)})."
        )


async def test_a_pending_reservation_holds_its_window_until_the_hold_expires(uow):
    gateway = FakeGateway()
    pickup = TODAY + timedelta(days=12)
    taken = [
        await checkout.start_checkout(
            order(pickup_date=pickup.isoformat()), gateway=gateway, uow=uow
        )
        for _ in range(4)
    ]
    assert len(taken) == 4
    with uow() as session:
        assert reservations.date_plan(session, "col-002", "store-a", 3, pickup).available is False
    later = utcnow() + timedelta(minutes=get_settings().hold_minutes + 1)
    assert len(await expiry.sweep(gateway, now=later, uow=uow)) == 4
    with uow() as session:
        assert reservations.date_plan(session, "col-002", "store-a", 3, pickup).available is True


def test_owner_lists_follow_the_dates_and_flag_late_returns(uow):
    with uow() as session:
        out = book(session, "col-003", "store-a", days=3)  # West, pickup tomorrow
        after = book(session, "col-003", "store-a", days=3, pickup=out.window_end + timedelta(5))
        for rental in (out, after):
            payment = lifecycle.ConfirmedPayment(
                f"pay-{rental.id[:6]}", rental.total_centavos, "PHP"
            )
            assert lifecycle.mark_paid(session, rental, payment, "test") == "paid"
        lifecycle.transition(session, out, status.READY_FOR_PICKUP, "owner")
        lifecycle.transition(session, out, status.PICKED_UP, "owner")
        same_unit = out.unit_id == after.unit_id
    assert same_unit
    with uow() as session:
        due = schedule.due_for_pickup(session, after.pickup_date)
        assert [r.id for r in due] == [after.id]
        assert schedule.due_for_pickup(session, after.pickup_date - timedelta(1)) == []
        assert schedule.overdue(session, out.return_date) == []
        # The day after its return date it is overdue; not yet colliding with the next one.
        assert [r.id for r in schedule.overdue(session, out.return_date + timedelta(1))] == [out.id]
        assert schedule.flag_late_return_conflicts(session, out.return_date + timedelta(1)) == []
    # Still out when the next window is about to start: flagged once, with a history note.
    late = after.window_start - timedelta(days=1)
    with uow() as session:
        assert schedule.flag_late_return_conflicts(session, late) == [out.id]
        assert schedule.flag_late_return_conflicts(session, late) == []
    with uow() as session:
        assert [r.id for r in schedule.late_return_conflicts(session)] == [out.id]
        lists = schedule.read_schedule(session, late)
        assert [r.id for r in lists.overdue] == [out.id]
        assert [r.id for r in lists.due_for_pickup] == []  # `after` is not due yet
        assert [r.id for r in lists.late_return_conflicts] == [out.id]
        notes = session.exec(select(RentalEvent.note).where(RentalEvent.rental_id == out.id))
        assert any("collides with the next reservation" in n for n in notes.all())


async def test_one_idempotency_key_cannot_book_two_dates(uow):
    gateway = FakeGateway()
    first = await checkout.start_checkout(
        order(pickup_date=day(10)), gateway=gateway, idempotency_key="k-1", uow=uow
    )
    again = await checkout.start_checkout(
        order(pickup_date=day(10)), gateway=gateway, idempotency_key="k-1", uow=uow
    )
    assert again.rental_id == first.rental_id
    with pytest.raises(Conflict, match="different details"):
        await checkout.start_checkout(
            order(pickup_date=day(11)), gateway=gateway, idempotency_key="k-1", uow=uow
        )


def _taken(session, unit: str, start: date, end: date) -> None:  # noqa: ANN001
    """A paid rental holding `unit` for [start, end) (only its window matters here)."""
    session.add(
        Rental(
            id=f"r-{unit}-{start}",
            secret_token="t",
            status=status.PAID,
            collectible_id="col-002",
            collectible_name="Falcon",
            store_id="store-a",
            unit_id=unit,
            warehouse_id=unit.removeprefix("col-002-"),
            duration_days=1,
            daily_rate_centavos=1,
            total_centavos=1,
            is_special_rate=False,
            eta_days=1,
            pickup_date=start,
            return_date=start + timedelta(days=1),
            window_start=start,
            window_end=end,
            payment_method="gcash",
            customer_name="J",
            customer_email="j@example.com",
            customer_phone="+639171234567",
            customer_address="x",
            customer_city="Manila",
            customer_postal_code="1000",
        )
    )


async def test_another_store_that_can_serve_the_day_is_named(client, uow):
    p = TODAY + timedelta(days=20)
    with uow() as session:
        for wh in ("wh-west", "wh-north", "wh-east"):
            _taken(session, f"col-002-{wh}", p - timedelta(days=12), p + timedelta(days=20))
        # South is free exactly [p - 1, p + 5): a 3-day rental at Store C (1 day from South)
        # fits; at Store A (8 days from South) it needs [p - 8, p + 12).
        _taken(session, "col-002-wh-south", p - timedelta(days=12), p - timedelta(days=1))
        _taken(session, "col-002-wh-south", p + timedelta(days=5), p + timedelta(days=20))
    data = (await quote(client, pickup_date=p.isoformat())).json()["data"]
    assert data["available"] is False
    by_store = {s["store_id"]: s for s in data["other_stores"]}
    assert by_store["store-c"]["serves_pickup_date"] is True
    assert "store-b" not in by_store or not by_store["store-b"]["serves_pickup_date"]
    at_c = (await quote(client, store_id="store-c", pickup_date=p.isoformat())).json()["data"]
    assert at_c["available"] is True and at_c["eta"] == 20


async def test_maintenance_blocks_close_days_in_the_calendar_and_quotes(client, uow):
    """Every unit of col-004 is out for maintenance on days 20..25: no rental whose window
    touches those days can be booked, and the calendar and quotes say so."""
    for unit in uow.call(
        lambda s: s.exec(select(Unit.id).where(Unit.collectible_id == "col-004")).all()
    ):
        await units_admin.block_unit(
            unit, TODAY + timedelta(days=20), TODAY + timedelta(days=25), actor="t", uow=uow
        )
    response = await client.get(
        "/api/collectibles/col-004/availability",
        params={"store_id": "store-a", "duration": 3, "days": 40},
    )
    assert response.status_code == 200, response.text
    calendar = {d["date"]: d for d in response.json()["data"]["calendar"]}
    # West (1 day away, 1 turnaround day): a pickup p takes [p - 1, p + 5); day 15's window
    # ends as day 20 begins, day 16's reaches into it; day 27's starts after day 25.
    assert calendar[day(15)]["available"] and calendar[day(27)]["available"]
    for offset in range(16, 27):
        assert not calendar[day(offset)]["available"], offset
        assert calendar[day(offset)]["reason"] == "booked"
    refused = await quote(client, collectible_id="col-004", pickup_date=day(22))
    data = refused.json()["data"]
    assert not data["available"] and data["nearest_pickup_date"] in (day(15), day(27))
    checkout_refused = await client.post(
        "/api/rentals/checkout", json=order("col-004", pickup_date=day(22))
    )
    assert checkout_refused.status_code == 409, checkout_refused.text


async def test_the_owners_turnaround_sets_the_window(client, uow):
    await pricing_admin.update_pricing({"turnaround_days": 3}, actor="owner", uow=uow)
    response = await client.post("/api/rentals/checkout", json=order(pickup_date=day(9)))
    assert response.status_code == 200, response.text
    row = uow.call(lambda s: s.get(Rental, response.json()["data"]["rental_id"]))
    # West is 1 day from store A: window [pickup - 1, return + 1 + 3 turnaround days).
    assert (row.window_start, row.window_end) == (
        TODAY + timedelta(days=8),
        TODAY + timedelta(days=16),
    )


async def test_a_unit_booked_ahead_cannot_be_retired(uow):
    with uow() as session:
        rental = book(session, "col-002", "store-a", pickup=TODAY + timedelta(days=30))
        unit_id = rental.unit_id
    with pytest.raises(Conflict, match="retire it once it is back"):
        await units_admin.retire_unit(unit_id, actor="owner:maria", uow=uow)
