"""Out of stock is not a dead end: the other stores that have the collectible, the day a rented
unit is due back, and "email me when it is back" (one email per address, collectible and store
for each time it is back). Through the services, on SQLite and PostgreSQL: what the customer
reads on the collectible page and in the emails the outbox sends."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlmodel import select

from mongocollectibles.domain.errors import InvalidInput
from mongocollectibles.models import OutboxMessage, Rental
from mongocollectibles.services import checkout, owner_actions, stock_alerts, units_admin, webhooks
from mongocollectibles.services.rate_limit import TooManyAttempts
from mongocollectibles.services.stock_alerts import OtherStore, OutOfStockHelp
from mongocollectibles.settings import get_settings
from tests.support.fakes import FakeGateway
from tests.support.orders import event_body, order, payment, signed_headers

SUBSCRIBED = "We will email you when it is back in stock at this store."
STORE_A, STORE_B, STORE_C = (f"MongoCollectibles Store {x}" for x in "ABC")
IRON_MAN, BATMAN = "Life-Size Iron Man Suit", "Vintage Batman Action Figure"
WAREHOUSES = ("wh-east", "wh-north", "wh-south", "wh-west")
OWNER = "owner:ana"


@pytest.fixture
def shop(uow, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://shop.example.ph")
    # Request counters of this test's own.
    monkeypatch.setenv("RATE_LIMIT_PREFIX", f"test-stock-alerts-{uuid.uuid4().hex[:12]}")
    get_settings.cache_clear()
    yield uow
    get_settings.cache_clear()


async def none_left(uow, collectible_id: str) -> None:
    """The owner retires every unit of the collectible (e.g. all out for repair)."""
    for warehouse in WAREHOUSES:
        await units_admin.retire_unit(f"{collectible_id}-{warehouse}", actor=OWNER, uow=uow)


async def one_back(uow, collectible_id: str) -> None:
    await units_admin.restore_unit(f"{collectible_id}-wh-west", actor=OWNER, uow=uow)


def emails(uow) -> list[tuple[str, str, str]]:
    """Back-in-stock emails sent so far: (to, subject, first line), in any order."""
    rows = uow.call(
        lambda s: list(s.exec(select(OutboxMessage).where(OutboxMessage.kind == "back_in_stock")))
    )
    return sorted((r.to_address, r.subject, r.text_body.splitlines()[0]) for r in rows)


def back(to: str, item: str, store: str) -> tuple[str, str, str]:
    return (
        to,
        f"Back in stock: {item}",
        f"Good news: {item} can be rented for pickup at {store} again.",
    )


async def ask(
    uow,
    email: object,
    collectible_id: str = "col-003",
    store_id: str = "store-a",
    client: str = "c",
) -> str:
    return await stock_alerts.subscribe(email, collectible_id, store_id, client=client, uow=uow)


# -- "email me when it is back" ----------------------------------------------------------------


async def test_one_email_per_address_collectible_and_store_however_often_asked(shop):
    await none_left(shop, "col-003")
    await none_left(shop, "col-001")
    answers = [
        await ask(shop, "maria@example.com", "col-003", "store-a"),
        await ask(shop, " MARIA@example.com ", "col-003", "store-a"),  # asked again
        await ask(shop, "maria@example.com", "col-001", "store-a"),
        await ask(shop, "maria@example.com", "col-003", "store-b"),
        await ask(shop, "juan@example.com", "col-003", "store-a"),
    ]
    assert answers == [SUBSCRIBED] * 5
    assert await stock_alerts.send_back_in_stock(uow=shop) == 0  # nothing back yet
    assert emails(shop) == []

    await one_back(shop, "col-003")
    await one_back(shop, "col-001")
    assert await stock_alerts.send_back_in_stock(uow=shop) == 4
    assert emails(shop) == sorted(
        [
            back("maria@example.com", IRON_MAN, STORE_A),
            back("maria@example.com", BATMAN, STORE_A),
            back("maria@example.com", IRON_MAN, STORE_B),
            back("juan@example.com", IRON_MAN, STORE_A),
        ]
    )
    assert await stock_alerts.send_back_in_stock(uow=shop) == 0  # each is sent once


async def test_asking_again_after_the_email_is_answered_the_next_time_it_is_back(shop):
    await none_left(shop, "col-003")
    await ask(shop, "maria@example.com")
    await one_back(shop, "col-003")
    assert await stock_alerts.send_back_in_stock(uow=shop) == 1
    # Rented out again before Maria came: she asks again.
    await units_admin.retire_unit("col-003-wh-west", actor=OWNER, uow=shop)
    assert await ask(shop, "maria@example.com") == SUBSCRIBED
    assert await stock_alerts.send_back_in_stock(uow=shop) == 0
    await one_back(shop, "col-003")
    assert await stock_alerts.send_back_in_stock(uow=shop) == 1
    assert emails(shop) == [back("maria@example.com", IRON_MAN, STORE_A)] * 2


async def test_an_unknown_collectible_or_store_is_refused(shop):
    for collectible_id, store_id in (
        ("col-999", "store-a"),
        ("col-003", "store-z"),
        ("col-999", "store-z"),
    ):
        with pytest.raises(InvalidInput) as refused:
            await ask(shop, "maria@example.com", collectible_id, store_id)
        assert (refused.value.message, refused.value.status_code) == (
            "Unknown collectible or store.",
            422,
        )


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("maria@", "Enter a valid email address, e.g. juan@example.com."),
        ("maria@example", "Enter a valid email address, e.g. juan@example.com."),
        ("", "Email is required."),
        ("   ", "Email is required."),
        (None, "Email is required."),
    ],
)
async def test_an_address_that_is_not_one_is_refused_on_the_email_field(shop, email, message):
    with pytest.raises(InvalidInput) as refused:
        await ask(shop, email)
    assert (refused.value.message, refused.value.field) == (message, "email")


async def test_too_many_requests_from_one_client_are_refused_and_not_kept(shop):
    await none_left(shop, "col-003")
    for number in range(10):  # 10 requests per client in 10 minutes
        await ask(shop, f"fan{number}@example.com", client="203.0.113.9")
    with pytest.raises(TooManyAttempts) as refused:
        await ask(shop, "late@example.com", client="203.0.113.9")
    assert (refused.value.message, refused.value.status_code) == (
        "Too many requests. Please wait a few minutes and try again.",
        429,
    )
    assert await ask(shop, "other@example.com", client="203.0.113.10") == SUBSCRIBED
    await one_back(shop, "col-003")
    assert await stock_alerts.send_back_in_stock(uow=shop) == 11
    assert "late@example.com" not in {to for to, _, _ in emails(shop)}


# -- the help on the collectible page ----------------------------------------------------------


async def test_the_other_stores_with_a_free_unit_are_listed_soonest_first(shop):
    from_a = await stock_alerts.out_of_stock_help("col-003", "store-a", uow=shop)
    assert from_a.other_stores == [  # each a day from its nearest Iron Man: by name
        OtherStore("store-b", STORE_B, 1),
        OtherStore("store-c", STORE_C, 1),
    ]
    # Store A's nearest (Warehouse West, a day away) is held: its next is 5 days away.
    await checkout.start_checkout(order("col-003"), gateway=FakeGateway(), uow=shop)
    from_b = await stock_alerts.out_of_stock_help("col-003", "store-b", uow=shop)
    assert from_b.other_stores == [
        OtherStore("store-c", STORE_C, 1),
        OtherStore("store-a", STORE_A, 5),
    ]
    # The three free units retired (the fourth is held): no store has one now.
    for warehouse in ("wh-east", "wh-north", "wh-south"):
        await units_admin.retire_unit(f"col-003-{warehouse}", actor=OWNER, uow=shop)
    none = await stock_alerts.out_of_stock_help("col-003", "store-b", uow=shop)
    assert none.other_stores == []


async def rented_out(
    uow,
    gateway: FakeGateway,
    collectible_id: str,
    days: int,
    steps: tuple[str, ...],
) -> Rental:
    """Checked out for store A, paid, and taken through the owner's steps."""
    result = await checkout.start_checkout(
        order(collectible_id, duration=days), gateway=gateway, uow=uow
    )
    total = uow.call(lambda s: s.get_one(Rental, result.rental_id)).total_centavos
    body = event_body(
        "payment.paid",
        payment(result.rental_id, f"pay_{result.rental_id[:8]}", "paid", amount=total),
    )
    assert (
        await webhooks.handle_webhook(body, signed_headers(body)["Paymongo-Signature"], uow=uow)
        == "paid"
    )
    for step in steps:
        await owner_actions.advance_rental(result.rental_id, step, actor=OWNER, uow=uow)
    return uow.call(lambda s: s.get_one(Rental, result.rental_id))


PICKED_UP = ("ready_for_pickup", "picked_up")


async def test_the_soonest_return_of_a_rented_unit_of_this_collectible_is_shown(shop):
    gateway = FakeGateway()
    assert (await stock_alerts.out_of_stock_help("col-003", "store-a", uow=shop)).next_date is None
    out_long = await rented_out(shop, gateway, "col-003", 10, PICKED_UP)
    out_short = await rented_out(shop, gateway, "col-003", 3, PICKED_UP)
    # Not due back: a unit already returned, one not yet picked up, another collectible's.
    returned = await rented_out(shop, gateway, "col-003", 1, (*PICKED_UP, "returned"))
    waiting = await rented_out(shop, gateway, "col-003", 1, ("ready_for_pickup",))
    other_item = await rented_out(shop, gateway, "col-001", 1, PICKED_UP)
    soonest = min(out_long.return_date, out_short.return_date)
    assert all(r.return_date < soonest for r in (returned, waiting, other_item))

    found = await stock_alerts.out_of_stock_help("col-003", "store-a", uow=shop)
    assert found.next_date == soonest
    day = f"{soonest:%a} {soonest.day} {soonest:%b %Y}"  # e.g. "Sat 14 Mar 2026"
    assert stock_alerts.expected_back_text(found) == f"A rented unit is due back on {day}."


def test_the_due_back_line_names_the_day_and_is_empty_without_one():
    assert (
        stock_alerts.expected_back_text(OutOfStockHelp([], date(2026, 3, 14)))
        == "A rented unit is due back on Sat 14 Mar 2026."
    )
    assert stock_alerts.expected_back_text(OutOfStockHelp([], None)) == ""
