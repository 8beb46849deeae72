"""The emails a rental sends, read from the outbox as the customer (or the owner, for the
owner's copy) gets them: recipient, subject, the plain text as a monospace mail client shows
it (labels padded into a column) and the HTML as a mail client shows it (well formed, values
escaped, the same facts). Each message is driven by the real flow: checkout with the fake
gateway, signed PayMongo webhooks, the owner's steps and refunds, the reminders at a chosen
moment. On SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import update

from mongocollectibles.models import Rental, utcnow
from mongocollectibles.services import (
    catalog_admin,
    checkout,
    expiry,
    network_admin,
    notifications,
    owner_actions,
    refunds,
    rentals,
    reservations,
    stock_alerts,
)
from mongocollectibles.settings import get_settings
from tests.support.emails import Mail, deliver, html_blocks, outbox_rows, pay, read, rental_row
from tests.support.fakes import FakeGateway
from tests.support.orders import CUSTOMER, event_body, order, payment

# Manila keeps no summer time: UTC+8 all year.
MANILA = timezone(timedelta(hours=8))
ITEM = "Star Wars Millennium Falcon Model"  # what order() rents: col-002, size M
STORE_A_TEXT = """\
Pickup at      MongoCollectibles Store A
Address        123 Main Street, Manila
Opening hours  Mon-Sat 10:00-20:00, Sun 11:00-18:00"""
STORE_A_HTML = [
    "Pickup at | MongoCollectibles Store A",
    "Address | 123 Main Street, Manila",
    "Opening hours | Mon-Sat 10:00-20:00, Sun 11:00-18:00",
]
LATE_NOTE = (
    "Late returns are charged the daily rate for each extra day (see our late-return policy)."
)


@pytest.fixture
def shop(uow, monkeypatch):
    # A trailing slash, as an owner may well write it: the links still have one slash.
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://shop.example.ph/")
    monkeypatch.setenv("OWNER_EMAIL", "owner@shop.example.ph")
    get_settings.cache_clear()
    yield uow
    get_settings.cache_clear()


def day(value: date) -> str:
    return value.strftime("%a %-d %b %Y")  # e.g. "Tue 1 Dec 2026"


@dataclass(frozen=True)
class Facts:
    """What the messages about one rental name, read from its row."""

    code: str
    url: str  # its order page, with the secret token
    pickup: str
    return_by: str
    paid_on: str  # the day it was paid, in Manila
    held_until: str  # the hold's end, HH:MM in Manila ("" once paid)


def facts(uow, rental_id: str) -> Facts:
    row = rental_row(uow, rental_id)
    end = row.hold_expires_at
    return Facts(
        code=row.order_code,
        url=f"https://shop.example.ph/orders/{row.id}?token={row.secret_token}",
        pickup=day(row.pickup_date),
        return_by=day(row.return_date),
        paid_on=day((row.paid_at or row.created_at).astimezone(MANILA).date()),
        held_until=f"{end.astimezone(MANILA):%H:%M}" if end else "",
    )


def kinds_for(uow, rental_id: str) -> list[str]:
    return [r.kind for r in outbox_rows(uow) if r.rental_id == rental_id]


def messages(uow, kind: str) -> list[Mail]:
    return [read(r) for r in outbox_rows(uow) if r.kind == kind]


# -- the receipt and the owner's copy --------------------------------------------------------


@dataclass(frozen=True)
class Price:
    days: int
    daily_rate: str
    total: str
    vat: str


SHORT = Price(3, "PHP 10,000.00 (short-rental rate)", "PHP 30,000.00", "PHP 3,214.29")
WEEK = Price(7, "PHP 5,000.00", "PHP 35,000.00", "PHP 3,750.00")


def receipt_rows_text(f: Facts, price: Price) -> str:
    return f"""\
Order code     {f.code}
Item           {ITEM}
Rental         {price.days} days
Daily rate     {price.daily_rate}
Amount paid    {price.total}
VAT            Includes 12% VAT of {price.vat}
Paid on        {f.paid_on}
Pickup date    {f.pickup}
Return by      {f.return_by}
{STORE_A_TEXT}"""


def receipt_rows_html(f: Facts, price: Price) -> list[str]:
    return [
        f"Order code | **{f.code}**",
        f"Item | {ITEM}",
        f"Rental | {price.days} days",
        f"Daily rate | {price.daily_rate}",
        f"Amount paid | **{price.total}**",
        f"VAT | Includes 12% VAT of {price.vat}",
        f"Paid on | {f.paid_on}",
        f"Pickup date | {f.pickup}",
        f"Return by | {f.return_by}",
        *STORE_A_HTML,
    ]


def receipt(f: Facts, price: Price) -> Mail:
    return Mail(
        to="juan@example.com",
        subject=f"Receipt for your rental {f.code}: {price.total}",
        text=f"""\
Thank you, Juan dela Cruz: your rental is paid

Here is your receipt for order {f.code}.

{receipt_rows_text(f, price)}

Your order: {f.url}

We email you again when it is ready for pickup. Bring this code to the store.

MongoCollectibles
""",
        html=[
            "# Thank you, Juan dela Cruz: your rental is paid",
            f"Here is your receipt for order {f.code}.",
            *receipt_rows_html(f, price),
            f"[View your order]({f.url})",
            "We email you again when it is ready for pickup. Bring this code to the store.",
            "MongoCollectibles",
        ],
    )


def owner_copy(f: Facts, price: Price) -> Mail:
    return Mail(
        to="owner@shop.example.ph",
        subject=f"New order {f.code}: {ITEM}",
        text=f"""\
New paid order {f.code}

Juan dela Cruz <juan@example.com>, +639171234567

{receipt_rows_text(f, price)}

MongoCollectibles
""",
        html=[
            f"# New paid order {f.code}",
            "Juan dela Cruz <juan@example.com>, +639171234567",
            *receipt_rows_html(f, price),
            "MongoCollectibles",
        ],
    )


@pytest.mark.parametrize("price", [SHORT, WEEK], ids=["3 days, short-rental rate", "7 days"])
async def test_a_paid_order_emails_the_receipt_and_the_owner_a_copy(shop, price):
    rental_id = await pay(shop, duration=price.days)
    f = facts(shop, rental_id)
    assert [read(r) for r in outbox_rows(shop)] == [receipt(f, price), owner_copy(f, price)]
    assert kinds_for(shop, rental_id) == ["order_confirmed", "owner_new_order"]


async def test_without_an_owner_address_only_the_customer_is_emailed(shop, monkeypatch):
    monkeypatch.setenv("OWNER_EMAIL", "")
    get_settings.cache_clear()
    rental_id = await pay(shop)
    assert [(r.kind, r.to_address) for r in outbox_rows(shop)] == [
        ("order_confirmed", "juan@example.com")
    ]
    assert outbox_rows(shop)[0].rental_id == rental_id


async def test_names_with_markup_characters_read_verbatim_in_text_and_escaped_in_html(shop):
    """A customer, item or store name holding `<`, `>`, `&` or quotes is shown as written:
    as is in the plain text and the subject, escaped in the HTML (which stays well formed)."""
    await catalog_admin.edit_collectible("col-002", name='Falcon <1:144> & "Stand"', uow=shop)
    await network_admin.save_store(
        "store-a",
        name="Store A & Annex <2F>",
        address="123 Main Street, Manila",
        opening_hours="",  # no hours set: no "Opening hours" row
        uow=shop,
    )
    customer = {**CUSTOMER, "name": "Ana <b>& Co"}
    rental_id = await pay(shop, customer=customer)
    f = facts(shop, rental_id)
    item = 'Falcon <1:144> & "Stand"'
    receipt_row, copy_row = outbox_rows(shop)

    assert receipt_row.subject == f"Receipt for your rental {f.code}: PHP 30,000.00"
    assert copy_row.subject == f"New order {f.code}: {item}"
    rows_text = f"""\
Order code   {f.code}
Item         {item}
Rental       3 days
Daily rate   PHP 10,000.00 (short-rental rate)
Amount paid  PHP 30,000.00
VAT          Includes 12% VAT of PHP 3,214.29
Paid on      {f.paid_on}
Pickup date  {f.pickup}
Return by    {f.return_by}
Pickup at    Store A & Annex <2F>
Address      123 Main Street, Manila"""
    assert receipt_row.text_body.startswith(
        f"Thank you, Ana <b>& Co: your rental is paid\n\n"
        f"Here is your receipt for order {f.code}.\n\n{rows_text}\n\n"
    )
    assert copy_row.text_body.startswith(
        f"New paid order {f.code}\n\nAna <b>& Co <juan@example.com>, +639171234567\n\n{rows_text}"
    )
    rows_html = [
        f"Order code | **{f.code}**",
        f"Item | {item}",
        "Rental | 3 days",
        "Daily rate | PHP 10,000.00 (short-rental rate)",
        "Amount paid | **PHP 30,000.00**",
        "VAT | Includes 12% VAT of PHP 3,214.29",
        f"Paid on | {f.paid_on}",
        f"Pickup date | {f.pickup}",
        f"Return by | {f.return_by}",
        "Pickup at | Store A & Annex <2F>",
        "Address | 123 Main Street, Manila",
    ]
    assert html_blocks(receipt_row.html_body)[:13] == [
        "# Thank you, Ana <b>& Co: your rental is paid",
        f"Here is your receipt for order {f.code}.",
        *rows_html,
    ]
    assert html_blocks(copy_row.html_body)[:13] == [
        f"# New paid order {f.code}",
        "Ana <b>& Co <juan@example.com>, +639171234567",
        *rows_html,
    ]
    # Escaped, not dropped or doubled: the markup characters are entities in the source.
    assert "Thank you, Ana &lt;b&gt;&amp; Co: your rental is paid" in receipt_row.html_body
    assert "Ana &lt;b&gt;&amp; Co &lt;juan@example.com&gt;, +639171234567" in copy_row.html_body
    assert "Falcon &lt;1:144&gt; &amp; &quot;Stand&quot;" in receipt_row.html_body
    assert "<b>" not in receipt_row.html_body + copy_row.html_body


# -- payment failed ----------------------------------------------------------------------------


def payment_failed(f: Facts) -> Mail:
    return Mail(
        to="juan@example.com",
        subject=f"Payment failed for order {f.code}",
        text=f"""\
Your payment did not go through

We keep {ITEM} for you until {f.held_until} (Manila time).
You can try again, or pick another payment method, from your order page.

Order code   {f.code}
Amount       PHP 30,000.00
Pickup date  {f.pickup}
Return by    {f.return_by}

Your order: {f.url}

Nothing was charged for the failed attempt.

MongoCollectibles
""",
        html=[
            "# Your payment did not go through",
            f"We keep {ITEM} for you until {f.held_until} (Manila time).",
            "You can try again, or pick another payment method, from your order page.",
            f"Order code | {f.code}",
            "Amount | PHP 30,000.00",
            f"Pickup date | {f.pickup}",
            f"Return by | {f.return_by}",
            f"[View your order]({f.url})",
            "Nothing was charged for the failed attempt.",
            "MongoCollectibles",
        ],
    )


async def test_every_failed_payment_emails_that_the_hold_is_kept_until_its_manila_time(shop):
    gateway = FakeGateway()
    result = await checkout.start_checkout(order(), gateway=gateway, uow=shop)
    f = facts(shop, result.rental_id)
    assert f.held_until  # the hold's end, e.g. "14:35"

    def failed(payment_id: str) -> bytes:
        return event_body("payment.failed", payment(result.rental_id, payment_id, "failed"))

    first = failed("pay_declined_1")
    assert await deliver(shop, first) == "payment failed; hold kept"
    assert messages(shop, "payment_failed") == [payment_failed(f)]
    # PayMongo repeating that event is the same attempt: no second email.
    assert await deliver(shop, first) == "duplicate"
    assert len(messages(shop, "payment_failed")) == 1
    # Another attempt that fails is another email.
    assert await deliver(shop, failed("pay_declined_2")) == "payment failed; hold kept"
    assert messages(shop, "payment_failed") == [payment_failed(f), payment_failed(f)]

    # Paid in the end: a stray failure afterwards is not emailed.
    paid = event_body("payment.paid", payment(result.rental_id, "pay_ok", "paid"))
    assert await deliver(shop, paid) == "paid"
    assert await deliver(shop, failed("pay_declined_3")) == "kept"
    assert kinds_for(shop, result.rental_id) == [
        "payment_failed",
        "payment_failed",
        "order_confirmed",
        "owner_new_order",
    ]


# -- hold ending -------------------------------------------------------------------------------


def hold_expiring(f: Facts) -> Mail:
    return Mail(
        to="juan@example.com",
        subject=f"Your hold on {ITEM} ends soon",
        text=f"""\
Your hold ends soon

We hold {ITEM} for you until {f.held_until} (Manila time). Pay before then to keep it.

Order code   {f.code}
Amount       PHP 30,000.00
Pickup date  {f.pickup}
Return by    {f.return_by}

Your order: {f.url}

MongoCollectibles
""",
        html=[
            "# Your hold ends soon",
            f"We hold {ITEM} for you until {f.held_until} (Manila time). "
            "Pay before then to keep it.",
            f"Order code | {f.code}",
            "Amount | PHP 30,000.00",
            f"Pickup date | {f.pickup}",
            f"Return by | {f.return_by}",
            f"[View your order]({f.url})",
            "MongoCollectibles",
        ],
    )


async def test_a_hold_about_to_end_gets_one_reminder_naming_its_end(shop):
    result = await checkout.start_checkout(order(), gateway=FakeGateway(), uow=shop)
    f = facts(shop, result.rental_id)
    end = rental_row(shop, result.rental_id).hold_expires_at
    assert await notifications.send_due_reminders(uow=shop, now=end - timedelta(minutes=2)) == 1
    assert await notifications.send_due_reminders(uow=shop, now=end - timedelta(minutes=1)) == 0
    assert messages(shop, "hold_expiring") == [hold_expiring(f)]


async def test_a_hold_given_a_new_end_gets_another_reminder_naming_the_new_end(shop):
    result = await checkout.start_checkout(order(), gateway=FakeGateway(), uow=shop)
    first_end = rental_row(shop, result.rental_id).hold_expires_at
    await notifications.send_due_reminders(uow=shop, now=first_end - timedelta(minutes=2))
    before = facts(shop, result.rental_id)
    # Nothing in the shop moves a hold's end today; the rule is the module's own.
    new_end = first_end + timedelta(minutes=30)
    shop.call(
        lambda s: s.execute(
            update(Rental).where(Rental.id == result.rental_id).values(hold_expires_at=new_end)
        )
    )
    after = facts(shop, result.rental_id)
    assert after.held_until != before.held_until
    assert await notifications.send_due_reminders(uow=shop, now=new_end - timedelta(minutes=2)) == 1
    assert await notifications.send_due_reminders(uow=shop, now=new_end - timedelta(minutes=1)) == 0
    assert messages(shop, "hold_expiring") == [hold_expiring(before), hold_expiring(after)]


@pytest.mark.parametrize(
    ("hold_minutes", "reminder_minutes", "minutes_before_end", "reminded"),
    [
        (15, 5, 2, True),
        (15, 5, 5, True),  # the reminder window opens
        (15, 5, 6, False),  # too early
        (15, 5, 0, False),  # the hold is over: the sweep's, not a reminder's
        (15, 10, 9, True),  # a wider window (HOLD_REMINDER_MINUTES)
        (8, 10, 3, False),  # a hold shorter than the window is never reminded
        (6, 5, 2, True),
        (5, 5, 2, False),  # a hold no longer than the window: the reminder would come at once
    ],
)
async def test_the_hold_reminder_comes_within_the_window_for_holds_longer_than_it(
    shop, monkeypatch, hold_minutes, reminder_minutes, minutes_before_end, reminded
):
    monkeypatch.setenv("HOLD_MINUTES", str(hold_minutes))
    monkeypatch.setenv("HOLD_REMINDER_MINUTES", str(reminder_minutes))
    get_settings.cache_clear()
    result = await checkout.start_checkout(order(), gateway=FakeGateway(), uow=shop)
    end = rental_row(shop, result.rental_id).hold_expires_at
    now = end - timedelta(minutes=minutes_before_end)
    assert await notifications.send_due_reminders(uow=shop, now=now) == int(reminded)
    assert kinds_for(shop, result.rental_id) == (["hold_expiring"] if reminded else [])


async def test_a_cancelled_or_paid_hold_gets_no_reminder(shop):
    gateway = FakeGateway()
    cancelled = await checkout.start_checkout(order(), gateway=gateway, uow=shop)
    end = rental_row(shop, cancelled.rental_id).hold_expires_at
    await rentals.cancel_rental(
        cancelled.rental_id, cancelled.secret_token, gateway=gateway, uow=shop
    )
    paid_id = await pay(shop, collectible_id="col-001")
    assert await notifications.send_due_reminders(uow=shop, now=end - timedelta(minutes=2)) == 0
    assert kinds_for(shop, cancelled.rental_id) == []
    assert kinds_for(shop, paid_id) == ["order_confirmed", "owner_new_order"]


# -- ready for pickup, the rest of the rental's life -------------------------------------------


def pickup_ready(f: Facts, days: int = 3) -> Mail:
    return Mail(
        to="juan@example.com",
        subject=f"Ready for pickup: order {f.code}",
        text=f"""\
{ITEM} is ready for pickup

Show your order code at the counter.

Order code     {f.code}
Pickup date    {f.pickup}
Return by      {f.return_by}
{STORE_A_TEXT}

Your order: {f.url}

Your {days}-day rental is booked until {f.return_by}.

MongoCollectibles
""",
        html=[
            f"# {ITEM} is ready for pickup",
            "Show your order code at the counter.",
            f"Order code | **{f.code}**",
            f"Pickup date | {f.pickup}",
            f"Return by | {f.return_by}",
            *STORE_A_HTML,
            f"[View your order]({f.url})",
            f"Your {days}-day rental is booked until {f.return_by}.",
            "MongoCollectibles",
        ],
    )


async def test_ready_for_pickup_names_the_store_its_hours_and_the_booked_days(shop):
    pickup = reservations.today() + timedelta(days=10)
    rental_id = await pay(shop, pickup_date=pickup.isoformat())
    await owner_actions.advance_rental(rental_id, "ready_for_pickup", actor="owner", uow=shop)
    f = facts(shop, rental_id)
    assert (f.pickup, f.return_by) == (day(pickup), day(pickup + timedelta(days=3)))
    assert messages(shop, "pickup_ready") == [pickup_ready(f)]


async def test_a_store_without_opening_hours_shows_no_hours_row(shop):
    await network_admin.save_store(
        "store-b", name="MongoCollectibles Store B", address="456 Quezon Avenue", uow=shop
    )
    rental_id = await pay(shop, store_id="store-b")
    await owner_actions.advance_rental(rental_id, "ready_for_pickup", actor="owner", uow=shop)
    f = facts(shop, rental_id)
    (mail,) = messages(shop, "pickup_ready")
    assert (
        f"""
Order code   {f.code}
Pickup date  {f.pickup}
Return by    {f.return_by}
Pickup at    MongoCollectibles Store B
Address      456 Quezon Avenue

"""
        in mail.text
    )
    assert "Opening hours" not in mail.text + "".join(mail.html)
    assert mail.html[3:7] == [
        f"Pickup date | {f.pickup}",
        f"Return by | {f.return_by}",
        "Pickup at | MongoCollectibles Store B",
        "Address | 456 Quezon Avenue",
    ]


async def test_picking_up_returning_cancelling_and_expiring_send_nothing(shop):
    gateway = FakeGateway()
    rental_id = await pay(shop, gateway)
    for step in ("ready_for_pickup", "picked_up", "returned"):
        await owner_actions.advance_rental(rental_id, step, actor="owner", uow=shop)
    assert kinds_for(shop, rental_id) == ["order_confirmed", "owner_new_order", "pickup_ready"]

    cancelled = await checkout.start_checkout(order("col-001"), gateway=gateway, uow=shop)
    await rentals.cancel_rental(
        cancelled.rental_id, cancelled.secret_token, gateway=gateway, uow=shop
    )
    expired = await checkout.start_checkout(order("col-004"), gateway=gateway, uow=shop)
    later = utcnow() + timedelta(hours=1)
    assert await expiry.sweep(gateway, now=later, uow=shop) == [expired.rental_id]
    assert rental_row(shop, cancelled.rental_id).status == "cancelled"
    assert kinds_for(shop, cancelled.rental_id) == kinds_for(shop, expired.rental_id) == []


# -- return due tomorrow and overdue -----------------------------------------------------------


def return_due(f: Facts) -> Mail:
    return Mail(
        to="juan@example.com",
        subject=f"Return due tomorrow: order {f.code}",
        text=f"""\
Your rental is due back tomorrow

Please return {ITEM} by {f.return_by}.

Order code     {f.code}
{STORE_A_TEXT}

Your order: {f.url}

{LATE_NOTE}

MongoCollectibles
""",
        html=[
            "# Your rental is due back tomorrow",
            f"Please return {ITEM} by {f.return_by}.",
            f"Order code | {f.code}",
            *STORE_A_HTML,
            f"[View your order]({f.url})",
            LATE_NOTE,
            "MongoCollectibles",
        ],
    )


def overdue(f: Facts) -> Mail:
    return Mail(
        to="juan@example.com",
        subject=f"Overdue: order {f.code}",
        text=f"""\
Your rental is overdue

{ITEM} was due back on {f.return_by}. Please return it soon.

Order code     {f.code}
{STORE_A_TEXT}

Your order: {f.url}

{LATE_NOTE}

MongoCollectibles
""",
        html=[
            "# Your rental is overdue",
            f"{ITEM} was due back on {f.return_by}. Please return it soon.",
            f"Order code | {f.code}",
            *STORE_A_HTML,
            f"[View your order]({f.url})",
            LATE_NOTE,
            "MongoCollectibles",
        ],
    )


async def test_return_reminders_come_on_manila_days_once_each(shop):
    pickup = reservations.today() + timedelta(days=10)
    rental_id = await pay(shop, pickup_date=pickup.isoformat())
    returned_early = await pay(shop, collectible_id="col-001", pickup_date=pickup.isoformat())
    for step in ("ready_for_pickup", "picked_up"):
        await owner_actions.advance_rental(rental_id, step, actor="owner", uow=shop)
        await owner_actions.advance_rental(returned_early, step, actor="owner", uow=shop)
    await owner_actions.advance_rental(returned_early, "returned", actor="owner", uow=shop)
    due = rental_row(shop, rental_id).return_date

    def manila(days_from_due: int, clock: str) -> datetime:
        """A Manila clock time, as the worker's clock gives it: in UTC."""
        moment = datetime.combine(due + timedelta(days=days_from_due), time.fromisoformat(clock))
        return moment.replace(tzinfo=MANILA).astimezone(UTC)

    # (when, in Manila; the reminders it adds)
    timeline = [
        (manila(-2, "23:59"), []),
        (manila(-1, "00:00"), ["return_due"]),  # due tomorrow (UTC: 16:00 two days before)
        (manila(-1, "12:00"), []),  # once only
        (manila(-1, "23:59"), []),
        (manila(0, "00:00"), []),  # due today: not late yet
        (manila(0, "23:59"), []),
        (manila(1, "00:00"), ["overdue"]),  # the day after the return date
        (manila(4, "12:00"), []),  # overdue once, not every day
    ]
    for now, added in timeline:
        before = len(outbox_rows(shop))
        assert await notifications.send_due_reminders(uow=shop, now=now) == len(added), now
        assert [r.kind for r in outbox_rows(shop)[before:]] == added, now

    f = facts(shop, rental_id)
    assert messages(shop, "return_due") == [return_due(f)]
    assert messages(shop, "overdue") == [overdue(f)]
    assert kinds_for(shop, returned_early) == ["order_confirmed", "owner_new_order", "pickup_ready"]


# -- refunded ----------------------------------------------------------------------------------


def refunded(f: Facts, amount: str = "PHP 30,000.00") -> Mail:
    return Mail(
        to="juan@example.com",
        subject=f"Refund for order {f.code}",
        text=f"""\
Your rental was refunded

We refunded {amount} to your original payment method.

Order code  {f.code}
Item        {ITEM}
Refunded    {amount}

Your order: {f.url}

Refunds can take 5 to 10 banking days to show, depending on your bank or wallet.

MongoCollectibles
""",
        html=[
            "# Your rental was refunded",
            f"We refunded {amount} to your original payment method.",
            f"Order code | {f.code}",
            f"Item | {ITEM}",
            f"Refunded | **{amount}**",
            f"[View your order]({f.url})",
            "Refunds can take 5 to 10 banking days to show, depending on your bank or wallet.",
            "MongoCollectibles",
        ],
    )


PAID = ["order_confirmed", "owner_new_order"]  # what a rental paid in time was sent


async def owner_refunds_a_paid_rental(shop, gateway: FakeGateway) -> str:
    rental_id = await pay(shop, gateway)
    await refunds.refund_rental(rental_id, gateway=gateway, actor="owner", uow=shop)
    return rental_id


async def owner_refunds_one_ready_for_pickup(shop, gateway: FakeGateway) -> str:
    rental_id = await pay(shop, gateway)
    await owner_actions.advance_rental(rental_id, "ready_for_pickup", actor="owner", uow=shop)
    await refunds.refund_rental(rental_id, gateway=gateway, actor="owner", uow=shop)
    return rental_id


async def refunded_at_paymongo(shop, gateway: FakeGateway) -> str:
    rental_id = await pay(shop, gateway)
    payment_id = rental_row(shop, rental_id).payment_id
    answers = []
    for _ in range(2):  # PayMongo tells twice (two events): one email
        body = event_body("payment.refunded", payment(rental_id, payment_id, "refunded", ["r1"]))
        answers.append(await deliver(shop, body))
    assert answers == ["refunded", "already"]
    return rental_id


async def _paid_after_its_unit_went(shop, gateway: FakeGateway, end) -> str:
    late = await checkout.start_checkout(order(), gateway=gateway, uow=shop)
    await end(late)
    # Someone else takes the unit; then the first payment arrives: flagged for a refund.
    await checkout.start_checkout(
        order(customer={**CUSTOMER, "email": "b@example.com"}), gateway=gateway, uow=shop
    )
    body = event_body("payment.paid", payment(late.rental_id, "pay_late", "paid"))
    assert await deliver(shop, body) == "refund_needed"
    await refunds.refund_rental(late.rental_id, gateway=gateway, actor="owner", uow=shop)
    return late.rental_id


async def paid_after_the_hold_expired(shop, gateway: FakeGateway) -> str:
    async def expire(_result) -> None:
        await expiry.sweep(gateway, now=utcnow() + timedelta(hours=1), uow=shop)

    return await _paid_after_its_unit_went(shop, gateway, expire)


async def paid_after_cancelling(shop, gateway: FakeGateway) -> str:
    async def cancel(result) -> None:
        await rentals.cancel_rental(
            result.rental_id, result.secret_token, gateway=gateway, uow=shop
        )

    return await _paid_after_its_unit_went(shop, gateway, cancel)


@pytest.mark.parametrize(
    ("setup", "before"),
    [
        pytest.param(owner_refunds_a_paid_rental, PAID, id="paid"),
        pytest.param(owner_refunds_one_ready_for_pickup, [*PAID, "pickup_ready"], id="ready"),
        pytest.param(refunded_at_paymongo, PAID, id="at PayMongo"),
        pytest.param(paid_after_the_hold_expired, [], id="paid after the hold expired"),
        pytest.param(paid_after_cancelling, [], id="paid after cancelling"),
    ],
)
async def test_a_refund_emails_the_amount_and_how_long_banks_take_once(shop, setup, before):
    rental_id = await setup(shop, FakeGateway())
    assert rental_row(shop, rental_id).status == "refunded"
    assert kinds_for(shop, rental_id) == [*before, "refunded"]
    assert messages(shop, "refunded") == [refunded(facts(shop, rental_id))]


async def test_a_partial_refund_emails_the_amount_that_went_back(shop):
    gateway = FakeGateway()
    rental_id = await pay(shop, gateway)
    await refunds.refund_rental(
        rental_id, gateway=gateway, actor="owner", amount_centavos=2_500_000, uow=shop
    )
    assert messages(shop, "refunded") == [refunded(facts(shop, rental_id), "PHP 25,000.00")]


class PayMongoTellsFirst(FakeGateway):
    """PayMongo's payment.refunded webhook, listing the refund with its amount, arrives before
    its answer to the refund call: before the owner's refund is recorded."""

    def __init__(self, shop) -> None:  # noqa: ANN001
        super().__init__()
        self.shop = shop

    async def create_refund(self, **kwargs):  # noqa: ANN003, ANN201
        refund = await super().create_refund(**kwargs)
        key, amount = kwargs["idempotency_key"], kwargs["amount_centavos"]
        rental_id = key.removeprefix("refund-").removesuffix(f"-{amount}")
        listed = [(refund.id, amount)]
        body = event_body(
            "payment.refunded", payment(rental_id, kwargs["payment_id"], "paid", listed)
        )
        assert await deliver(self.shop, body) == "refunded"
        return refund


async def test_a_partial_refund_paymongo_reports_before_it_is_recorded_emails_that_amount(shop):
    gateway = PayMongoTellsFirst(shop)
    rental_id = await pay(shop, gateway)
    await refunds.refund_rental(
        rental_id, gateway=gateway, actor="owner", amount_centavos=2_500_000, uow=shop
    )
    row = rental_row(shop, rental_id)
    assert (row.status, row.refund_id, row.refunded_centavos) == (
        "refunded",
        gateway.refunds[0].id,
        2_500_000,
    )
    assert messages(shop, "refunded") == [refunded(facts(shop, rental_id), "PHP 25,000.00")]


async def test_the_html_page_every_message_is_built_on(shop):
    """One message's HTML in full: the page, heading, table (labels grey, values right,
    amounts bold), the order link and the small signature."""
    gateway = FakeGateway()
    rental_id = await owner_refunds_a_paid_rental(shop, gateway)
    f = facts(shop, rental_id)
    (row,) = [r for r in outbox_rows(shop) if r.kind == "refunded"]
    label = '<td style="padding:4px 12px 4px 0;color:#444">'
    value = '<td style="padding:4px 0;text-align:right">'
    bold = '<td style="padding:4px 0;text-align:right;font-weight:bold">'
    assert row.html_body == (
        '<!doctype html><html lang="en"><body style="font-family:Arial,sans-serif;color:#111;'
        'max-width:560px;margin:auto;padding:16px">'
        '<h1 style="font-size:20px">Your rental was refunded</h1>'
        "<p>We refunded PHP 30,000.00 to your original payment method.</p>"
        '<table role="presentation" style="border-collapse:collapse">'
        f"<tr>{label}Order code</td>{value}{f.code}</td></tr>"
        f"<tr>{label}Item</td>{value}{ITEM}</td></tr>"
        f"<tr>{label}Refunded</td>{bold}PHP 30,000.00</td></tr>"
        "</table>"
        f'<p><a href="{f.url}" style="color:#0b57d0">View your order</a></p>'
        "<p>Refunds can take 5 to 10 banking days to show, depending on your bank or wallet.</p>"
        '<p style="color:#444;font-size:12px">MongoCollectibles</p></body></html>'
    )


# -- back in stock -----------------------------------------------------------------------------


async def test_back_in_stock_names_the_item_the_store_and_the_link_to_rent_it(shop):
    gateway = FakeGateway()
    held = [
        await checkout.start_checkout(order("col-003", duration=7), gateway=gateway, uow=shop)
        for _ in range(4)
    ]
    await stock_alerts.subscribe(" Maria@Example.com ", "col-003", "store-a", client="c", uow=shop)
    await rentals.cancel_rental(held[0].rental_id, held[0].secret_token, gateway=gateway, uow=shop)
    assert await stock_alerts.send_back_in_stock(uow=shop) == 1
    link = "https://shop.example.ph/collectibles/col-003"
    assert messages(shop, "back_in_stock") == [
        Mail(
            to="maria@example.com",
            subject="Back in stock: Life-Size Iron Man Suit",
            text=(
                "Good news: Life-Size Iron Man Suit can be rented for pickup at "
                "MongoCollectibles Store A again.\n\n"
                f"Rent it: {link}\n\n"
                "Units go fast; this note does not hold one for you.\n\n"
                "MongoCollectibles\n"
            ),
            html=[
                "# Life-Size Iron Man Suit is back",
                "It can be rented for pickup at MongoCollectibles Store A again.",
                f"[Rent it now]({link})",
                "Units go fast; this note does not hold one for you.",
            ],
        )
    ]


def test_emails_name_days_as_manila_reads_them():
    assert notifications.day_text(date(2026, 12, 1)) == "Tue 1 Dec 2026"
    assert day(date(2026, 12, 1)) == "Tue 1 Dec 2026"
    # 16:00 UTC is already the next day in Manila.
    assert notifications.local_day(datetime(2026, 12, 1, 15, 59, tzinfo=UTC)) == date(2026, 12, 1)
    assert notifications.local_day(datetime(2026, 12, 1, 16, 0, tzinfo=UTC)) == date(2026, 12, 2)
