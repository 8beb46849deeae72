"""The emails a rental sends, enqueued in the outbox inside the transaction of the change they
tell about: order confirmation with the receipt (and the owner's copy), payment failed, hold
about to end, ready for pickup, return due tomorrow, overdue, refunded; also the order links
("Find my order") and back-in-stock notes.

Every message has a plain-text and an HTML body built from the same lines."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from mongocollectibles.db import is_postgres
from mongocollectibles.domain import status
from mongocollectibles.domain.price_text import SHORT_RATE
from mongocollectibles.domain.pricing import format_php
from mongocollectibles.domain.receipt import refund_given_back_centavos, vat_statement
from mongocollectibles.models import Rental, RentalEvent, Store, utcnow
from mongocollectibles.services import outbox, schedule
from mongocollectibles.services.outbox import Email
from mongocollectibles.services.unit_of_work import UnitOfWork
from mongocollectibles.settings import get_settings

MANILA = ZoneInfo("Asia/Manila")

ORDER_CONFIRMED = "order_confirmed"
OWNER_COPY = "owner_new_order"
PAYMENT_FAILED = "payment_failed"
HOLD_EXPIRING = "hold_expiring"
PICKUP_READY = "pickup_ready"
RETURN_DUE = "return_due"
OVERDUE = "overdue"
REFUNDED = "refunded"
ORDER_LINKS = "order_links"
BACK_IN_STOCK = "back_in_stock"


def order_url(rental: Rental) -> str:
    base = get_settings().public_base_url.rstrip("/")
    return f"{base}/orders/{rental.id}?token={rental.secret_token}"


def local_day(moment: datetime) -> date:
    return moment.astimezone(MANILA).date()


def day_text(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


@dataclass(frozen=True)
class Dates:
    ordered: date  # the day it was paid (or ordered, before paying), in Manila
    pickup: date  # the booked pickup date
    return_by: date  # the booked return date (pickup + rental days)


def rental_dates(rental: Rental) -> Dates:
    """The days a rental's emails name: the ones booked at checkout (both always set)."""
    ordered = local_day(rental.paid_at or rental.created_at)
    return Dates(ordered, rental.pickup_date, rental.return_date)


# -- rendering: one list of lines, as plain text and as HTML -------------------------------


@dataclass(frozen=True)
class Row:
    label: str
    value: str
    strong: bool = False


LATE_NOTE = (
    "Late returns are charged the daily rate for each extra day (see our late-return policy)."
)


def _render(
    heading: str, intro: list[str], rows: list[Row], outro: list[str], link: str | None
) -> tuple[str, str]:
    text_lines = [heading, "", *intro]
    if rows:
        width = max(len(r.label) for r in rows)
        text_lines += ["", *(f"{r.label.ljust(width)}  {r.value}" for r in rows)]
    if link:
        text_lines += ["", f"Your order: {link}"]
    if outro:
        text_lines += ["", *outro]
    text_lines += ["", "MongoCollectibles"]
    e = html.escape
    table = "".join(
        "<tr>"
        f'<td style="padding:4px 12px 4px 0;color:#444">{e(r.label)}</td>'
        f'<td style="padding:4px 0;text-align:right{";font-weight:bold" if r.strong else ""}">'
        f"{e(r.value)}</td></tr>"
        for r in rows
    )
    html_body = (
        '<!doctype html><html lang="en"><body style="font-family:Arial,sans-serif;color:#111;'
        'max-width:560px;margin:auto;padding:16px">'
        f'<h1 style="font-size:20px">{e(heading)}</h1>'
        + "".join(f"<p>{e(p)}</p>" for p in intro)
        + (
            f'<table role="presentation" style="border-collapse:collapse">{table}</table>'
            if rows
            else ""
        )
        + (f'<p><a href="{e(link)}" style="color:#0b57d0">View your order</a></p>' if link else "")
        + "".join(f"<p>{e(p)}</p>" for p in outro)
        + '<p style="color:#444;font-size:12px">MongoCollectibles</p></body></html>'
    )
    return "\n".join(text_lines) + "\n", html_body


def _store(session: Session, rental: Rental) -> Store | None:
    return session.get(Store, rental.store_id)


def _store_lines(store: Store | None) -> list[Row]:
    if store is None:
        return []
    rows = [Row("Pickup at", store.name), Row("Address", store.address)]
    if store.opening_hours:
        rows.append(Row("Opening hours", store.opening_hours))
    return rows


def date_rows(rental: Rental) -> list[Row]:
    """The booked days, as every message about a rental names them."""
    dates = rental_dates(rental)
    return [Row("Pickup date", day_text(dates.pickup)), Row("Return by", day_text(dates.return_by))]


def receipt_rows(session: Session, rental: Rental) -> list[Row]:
    dates = rental_dates(rental)
    rate = format_php(rental.daily_rate_centavos)
    if rental.is_special_rate:
        rate += f" ({SHORT_RATE})"
    return [
        Row("Order code", rental.order_code, strong=True),
        Row("Item", rental.collectible_name),
        Row("Rental", f"{rental.duration_days} days"),
        Row("Daily rate", rate),
        Row("Amount paid", format_php(rental.total_centavos), strong=True),
        Row("VAT", vat_statement(rental.total_centavos)),
        Row("Paid on", day_text(dates.ordered)),
        *date_rows(rental),
        *_store_lines(_store(session, rental)),
    ]


def _email(to: str, subject: str, body: tuple[str, str]) -> Email:
    return Email(to=to, subject=subject, text=body[0], html=body[1])


def _to_customer(
    session: Session,
    kind: str,
    rental: Rental,
    subject: str,
    body: tuple[str, str],
    *,
    once_per: str = "",
) -> bool:
    """Enqueue a message to the rental's customer, at most once per kind and rental (and
    `once_per`, for messages that may come again: another failed payment, a new hold end)."""
    key = f"{kind}:{rental.id}" + (f":{once_per}" if once_per else "")
    email = _email(rental.customer_email, subject, body)
    return outbox.enqueue(session, kind, email, rental_id=rental.id, dedupe_key=key)


# -- the messages -------------------------------------------------------------------------


def order_confirmed(session: Session, rental: Rental) -> None:
    rows = receipt_rows(session, rental)
    body = _render(
        f"Thank you, {rental.customer_name}: your rental is paid",
        [f"Here is your receipt for order {rental.order_code}."],
        rows,
        ["We email you again when it is ready for pickup. Bring this code to the store."],
        order_url(rental),
    )
    subject = f"Receipt for your rental {rental.order_code}: {format_php(rental.total_centavos)}"
    _to_customer(session, ORDER_CONFIRMED, rental, subject, body)
    owner = get_settings().owner_email
    if owner:
        copy = _render(
            f"New paid order {rental.order_code}",
            [f"{rental.customer_name} <{rental.customer_email}>, {rental.customer_phone}"],
            rows,
            [],
            None,
        )
        outbox.enqueue(
            session,
            OWNER_COPY,
            _email(owner, f"New order {rental.order_code}: {rental.collectible_name}", copy),
            rental_id=rental.id,
            dedupe_key=f"{OWNER_COPY}:{rental.id}",
        )


def payment_failed(session: Session, rental: Rental) -> None:
    until = rental.hold_expires_at
    held = (
        f"We keep {rental.collectible_name} for you until "
        f"{until.astimezone(MANILA):%H:%M} (Manila time)."
        if until
        else "Your item is still held for a few minutes."
    )
    body = _render(
        "Your payment did not go through",
        [held, "You can try again, or pick another payment method, from your order page."],
        [
            Row("Order code", rental.order_code),
            Row("Amount", format_php(rental.total_centavos)),
            *date_rows(rental),
        ],
        ["Nothing was charged for the failed attempt."],
        order_url(rental),
    )
    count = session.exec(
        select(RentalEvent.id).where(
            RentalEvent.rental_id == rental.id, col(RentalEvent.note).startswith("Payment failed")
        )
    ).all()
    subject = f"Payment failed for order {rental.order_code}"
    _to_customer(session, PAYMENT_FAILED, rental, subject, body, once_per=str(len(count)))


def hold_expiring(session: Session, rental: Rental) -> None:
    until = rental.hold_expires_at
    if until is None:
        return
    body = _render(
        "Your hold ends soon",
        [
            f"We hold {rental.collectible_name} for you until "
            f"{until.astimezone(MANILA):%H:%M} (Manila time). Pay before then to keep it."
        ],
        [
            Row("Order code", rental.order_code),
            Row("Amount", format_php(rental.total_centavos)),
            *date_rows(rental),
        ],
        [],
        order_url(rental),
    )
    subject = f"Your hold on {rental.collectible_name} ends soon"
    _to_customer(session, HOLD_EXPIRING, rental, subject, body, once_per=until.isoformat())


def pickup_ready(session: Session, rental: Rental) -> None:
    body = _render(
        f"{rental.collectible_name} is ready for pickup",
        ["Show your order code at the counter."],
        [
            Row("Order code", rental.order_code, strong=True),
            *date_rows(rental),
            *_store_lines(_store(session, rental)),
        ],
        [f"Your {rental.duration_days}-day rental is booked until {day_text(rental.return_date)}."],
        order_url(rental),
    )
    _to_customer(
        session, PICKUP_READY, rental, f"Ready for pickup: order {rental.order_code}", body
    )


def return_due(session: Session, rental: Rental) -> None:
    body = _render(
        "Your rental is due back tomorrow",
        [f"Please return {rental.collectible_name} by {day_text(rental.return_date)}."],
        [Row("Order code", rental.order_code), *_store_lines(_store(session, rental))],
        [LATE_NOTE],
        order_url(rental),
    )
    subject = f"Return due tomorrow: order {rental.order_code}"
    _to_customer(session, RETURN_DUE, rental, subject, body)


def overdue(session: Session, rental: Rental) -> None:
    due = day_text(rental.return_date)
    body = _render(
        "Your rental is overdue",
        [f"{rental.collectible_name} was due back on {due}. Please return it soon."],
        [Row("Order code", rental.order_code), *_store_lines(_store(session, rental))],
        [LATE_NOTE],
        order_url(rental),
    )
    _to_customer(session, OVERDUE, rental, f"Overdue: order {rental.order_code}", body)


def refunded(session: Session, rental: Rental) -> None:
    amount = format_php(refund_given_back_centavos(rental.refunded_centavos, rental.total_centavos))
    body = _render(
        "Your rental was refunded",
        [f"We refunded {amount} to your original payment method."],
        [
            Row("Order code", rental.order_code),
            Row("Item", rental.collectible_name),
            Row("Refunded", amount, strong=True),
        ],
        ["Refunds can take 5 to 10 banking days to show, depending on your bank or wallet."],
        order_url(rental),
    )
    _to_customer(session, REFUNDED, rental, f"Refund for order {rental.order_code}", body)


def on_transition(session: Session, rental: Rental, previous: str | None) -> None:
    """Called by lifecycle.transition after every change of status."""
    if rental.status == status.PAID:
        order_confirmed(session, rental)
    elif rental.status == status.READY_FOR_PICKUP:
        pickup_ready(session, rental)
    elif (
        rental.status == status.REFUNDED
        and previous in (status.PAID, status.READY_FOR_PICKUP, status.EXPIRED, status.CANCELLED)
        and rental.payment_id
    ):
        refunded(session, rental)


# -- reminders (run by the outbox worker before each pass) --------------------------------


def enqueue_due_reminders(session: Session, now: datetime) -> int:
    """Enqueue the reminders due at `now` (each at most once); returns how many were added.
    Returns due tomorrow and overdue ones are the owner's schedule for the same day (by the
    booked return date)."""
    before = _outbox_count(session)
    soon = now + timedelta(minutes=get_settings().hold_reminder_minutes)
    pending = (
        select(Rental)
        .where(
            Rental.status == status.PENDING_PAYMENT,
            col(Rental.hold_expires_at) > now,
            col(Rental.hold_expires_at) <= soon,
        )
        .limit(100)
    )
    if is_postgres(session):
        pending = pending.with_for_update(skip_locked=True)
    window = timedelta(minutes=get_settings().hold_reminder_minutes)
    for rental in session.exec(pending).all():
        ends = rental.hold_expires_at
        if ends and ends - rental.created_at > window:  # a shorter hold gets no reminder
            hold_expiring(session, rental)
    today = local_day(now)
    for rental in schedule.due_back(session, today + timedelta(days=1), lock=True):
        return_due(session, rental)
    for rental in schedule.overdue(session, today, lock=True):
        overdue(session, rental)
    return _outbox_count(session) - before


def _outbox_count(session: Session) -> int:
    from sqlalchemy import func

    from mongocollectibles.models import OutboxMessage

    return int(session.exec(select(func.count()).select_from(OutboxMessage)).one())


async def send_due_reminders(*, uow: UnitOfWork, now: datetime | None = None) -> int:
    """Enqueue the reminders due now (hold ending, return due tomorrow, overdue)."""
    return await uow.run(enqueue_due_reminders, now or utcnow())
