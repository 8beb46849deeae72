"""Checkout: validate everything, hold the nearest unit atomically, open a PayMongo checkout
session, return its payment URL. A gateway failure releases the unit; a repeated submit with
the same idempotency key returns the first rental instead of holding a second unit."""

from __future__ import annotations

import asyncio
import dataclasses
import math
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from mongocollectibles.db import is_postgres
from mongocollectibles.domain import status
from mongocollectibles.domain.customer import Customer, parse_customer
from mongocollectibles.domain.errors import (
    Conflict,
    InvalidInput,
    PaymentProviderError,
    TooManyRequests,
)
from mongocollectibles.domain.ids import required_id
from mongocollectibles.domain.reservations import parse_pickup_date
from mongocollectibles.models import Rental, utcnow
from mongocollectibles.payments import Billing, CheckoutRequest, GatewayError, PaymentGateway
from mongocollectibles.payments.methods import UnknownPaymentMethod, parse_payment_method
from mongocollectibles.services import lifecycle, payment_switch, quotes, reservations
from mongocollectibles.services.limits import CheckoutLimiter, HoldCaps, default_limiter, wait_text
from mongocollectibles.services.unit_of_work import UnitOfWork
from mongocollectibles.settings import get_settings

NO_CAPS = HoldCaps()
PROVIDER_DOWN = (
    "The payment provider is not responding right now. Nothing was charged and the item is "
    "not held; please try again in a minute."
)


@dataclass(frozen=True)
class Order:
    collectible_id: str
    store_id: str
    duration_days: int
    payment_method: str
    customer: Customer
    pickup_date: date | None = None  # None: the earliest possible date


@dataclass(frozen=True)
class CheckoutResult:
    rental_id: str
    secret_token: str
    total_centavos: int
    eta_days: int
    payment_url: str
    message: str
    order_code: str = ""
    pickup_date: date | None = None
    return_date: date | None = None


def _payment_method(value: object) -> str:
    try:
        return parse_payment_method(value)
    except UnknownPaymentMethod as error:
        raise InvalidInput(error.message, field=error.field) from None


def parse_order(data: Mapping[str, object]) -> Order:
    """Every field checked before anything is written."""
    return Order(
        collectible_id=required_id(data, "collectible_id"),
        store_id=required_id(data, "store_id"),
        duration_days=quotes.parse_days(data.get("duration")),
        payment_method=_payment_method(data.get("payment_method")),
        customer=parse_customer(data.get("customer")),
        pickup_date=parse_pickup_date(data.get("pickup_date")),
    )


def _find_by_key(session: Session, key: str) -> Rental | None:
    return session.exec(select(Rental).where(Rental.idempotency_key == key)).first()


def _price(session: Session, order: Order) -> quotes.Quote:
    return quotes.quote(session, order.collectible_id, order.store_id, order.duration_days)


def create_pending_rental(
    session: Session,
    order: Order,
    idempotency_key: str | None,
    price: quotes.Quote | None = None,
) -> Rental:
    """Book the nearest unit free over the rental's window and record a `pending_payment`
    rental (one transaction; services/reservations.py keeps windows of a unit apart).

    Priced by the quote service itself, so a quote and its checkout agree to the centavo."""
    price = price or _price(session, order)
    rental_id = str(uuid.uuid4())
    unit = reservations.book(
        session,
        collectible_id=price.collectible_id,
        store_id=order.store_id,
        days=order.duration_days,
        pickup=order.pickup_date,
    )
    c = order.customer
    rental = Rental(
        id=rental_id,
        secret_token=secrets.token_urlsafe(24),
        idempotency_key=idempotency_key,
        status=status.PENDING_PAYMENT,
        collectible_id=price.collectible_id,
        collectible_name=price.collectible_name,
        store_id=order.store_id,
        unit_id=unit.unit_id,
        warehouse_id=unit.warehouse_id,
        duration_days=order.duration_days,
        daily_rate_centavos=price.daily_rate_centavos,
        total_centavos=price.total_centavos,
        is_special_rate=price.is_special_rate,
        eta_days=(unit.pickup_date - reservations.today()).days,
        pickup_date=unit.pickup_date,
        return_date=unit.return_date,
        window_start=unit.window.start,
        window_end=unit.window.end,
        payment_method=order.payment_method,
        customer_name=c.name,
        customer_email=c.email,
        customer_phone=c.phone,
        customer_address=c.address,
        customer_city=c.city,
        customer_postal_code=c.postal_code,
        hold_expires_at=utcnow() + timedelta(minutes=get_settings().hold_minutes),
    )
    session.add(rental)
    session.flush()
    lifecycle.record(
        session, rental, None, "customer", f"Checkout started; unit booked from {unit.pickup_date}."
    )
    return rental


def _serialize(
    session: Session, key: str | None, customer: Customer, client_ip: str | None, caps: HoldCaps
) -> None:
    """Checkouts that share an Idempotency-Key, or a capped customer or IP, run one at a time
    (PostgreSQL: transaction-scoped advisory locks, taken in one global order so two
    checkouts never wait for each other; SQLite runs one writer at a time anyway).

    Without it, concurrent submits of one form each held a unit, all but one then failed on
    the key's unique index, and the units they had locked meanwhile made others answer "out
    of stock"; and concurrent checkouts could each count the holds before any was added."""
    if not is_postgres(session):
        return
    names = set()
    if key:
        names.add(f"checkout-key:{key}")
    if caps.per_customer:
        names.update({f"customer-email:{customer.email}", f"customer-phone:{customer.phone}"})
    if caps.per_ip and client_ip:
        names.add(f"client-ip:{client_ip}")
    for name in sorted(names):
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))"), {"name": name}
        )


def _check_hold_caps(
    session: Session, customer: Customer, client_ip: str | None, caps: HoldCaps
) -> None:
    checks: list[tuple[ColumnElement[bool], int, str]] = []
    if caps.per_customer:
        same_customer = or_(
            col(Rental.customer_email) == customer.email,
            col(Rental.customer_phone) == customer.phone,
        )
        checks.append((same_customer, caps.per_customer, TOO_MANY_HOLDS_FOR_CUSTOMER))
    if caps.per_ip and client_ip:
        same_ip = col(Rental.client_ip) == client_ip[:64]
        checks.append((same_ip, caps.per_ip, TOO_MANY_HOLDS_FROM_IP))
    now = utcnow()
    for condition, cap, message in checks:
        ends = session.exec(  # holds past their end are the expiry sweep's, seconds away
            select(Rental.hold_expires_at)
            .where(
                Rental.status == status.PENDING_PAYMENT,
                col(Rental.hold_expires_at) > now,
                condition,
            )
            .order_by(col(Rental.hold_expires_at))
        ).all()
        if len(ends) >= cap:
            first_end = ends[len(ends) - cap]  # when one of the newest `cap` ends, one is free
            wait = _seconds_until(first_end) if first_end else 60
            raise TooManyRequests(message.format(cap=cap, wait=wait_text(wait)), retry_after=wait)


def _seconds_until(moment: datetime) -> int:
    return max(1, math.ceil((moment - utcnow()).total_seconds()))


TOO_MANY_HOLDS_FOR_CUSTOMER = (
    "You already have {cap} rentals waiting for payment. Pay for or cancel one of them, "
    "or try again in {wait} when a hold ends."
)
TOO_MANY_HOLDS_FROM_IP = (
    "Your connection already has {cap} rentals waiting for payment. Pay for or cancel one "
    "of them, or try again in {wait} when a hold ends."
)


def _place_hold(
    session: Session,
    order: Order,
    key: str | None,
    client_ip: str | None = None,
    caps: HoldCaps = NO_CAPS,
) -> tuple[Rental, bool]:
    """(rental, created). A key seen before gives its earlier rental and False, unless that
    checkout ended unpaid (cancelled or expired): then the key starts a new one. A new hold
    must stay within the caps on live unpaid holds (TooManyRequests)."""
    # Priced first: re-reading a stale catalog snapshot takes a connection of its own, which
    # must not be waited for while this transaction holds locks others queue behind.
    price = _price(session, order)
    _serialize(session, key, order.customer, client_ip, caps)
    if key:
        existing = _find_by_key(session, key)
        if existing is not None and not _ended_unpaid(existing):
            return existing, False
        if existing is not None:  # that attempt ended unpaid: the key starts a new checkout
            existing.idempotency_key = None
            session.add(existing)
            session.flush()
    _check_hold_caps(session, order.customer, client_ip, caps)
    rental = create_pending_rental(session, order, key, price)
    if client_ip:
        rental.client_ip = client_ip[:64]
        session.add(rental)
    return rental, True


def _ended_unpaid(rental: Rental) -> bool:
    return rental.status in (status.CANCELLED, status.EXPIRED) and not rental.payment_id


def attach_checkout_session(session: Session, rental_id: str, session_id: str, url: str) -> None:
    rental = lifecycle.load_for_update(session, rental_id)
    rental.checkout_session_id = session_id
    rental.checkout_url = url
    session.add(rental)


def abandon_checkout(session: Session, rental_id: str, reason: str) -> None:
    rental = lifecycle.load_for_update(session, rental_id)
    lifecycle.transition(session, rental, status.CANCELLED, "system", reason)


def _result(rental: Rental) -> CheckoutResult:
    return CheckoutResult(
        rental_id=rental.id,
        secret_token=rental.secret_token,
        total_centavos=rental.total_centavos,
        eta_days=rental.eta_days,
        payment_url=rental.checkout_url or "",
        message="Rental created successfully. Please complete payment.",
        order_code=rental.order_code,
        pickup_date=rental.pickup_date,
        return_date=rental.return_date,
    )


def checkout_request(rental: Rental) -> CheckoutRequest:
    base = get_settings().public_base_url.rstrip("/")
    query = f"rental_id={rental.id}&token={rental.secret_token}"
    return CheckoutRequest(
        reference_number=rental.id,
        line_item_name=f"{rental.collectible_name} ({rental.duration_days} Days Rental)",
        amount_centavos=rental.total_centavos,
        payment_method_types=(rental.payment_method,),
        success_url=f"{base}/payment/success?{query}",
        cancel_url=f"{base}/payment/failed?{query}",
        idempotency_key=f"checkout-{rental.id}",
        billing=Billing(
            name=rental.customer_name,
            email=rental.customer_email,
            phone=rental.customer_phone,
            line1=rental.customer_address,
            city=rental.customer_city,
            postal_code=rental.customer_postal_code,
        ),
        description=f"MongoCollectibles rental {rental.id}",
    )


def _order_url(rental: Rental) -> str:
    base = get_settings().public_base_url.rstrip("/")
    return f"{base}/orders/{rental.id}?token={rental.secret_token}"


async def _await_first_attempt(
    key: str, order: Order, uow: UnitOfWork, gateway: PaymentGateway
) -> CheckoutResult:
    """A repeated submit while the first is still talking to PayMongo: wait for its URL."""
    for _ in range(60):
        rental = await uow.run(_find_by_key, key)
        if rental is None:
            break
        if (rental.collectible_id, rental.store_id, rental.duration_days) != (
            order.collectible_id,
            order.store_id,
            order.duration_days,
        ) or (order.pickup_date is not None and order.pickup_date != rental.pickup_date):
            raise Conflict("This checkout was already submitted with different details.")
        if rental.status in payment_switch.PAID_STATUSES:  # paid already: show the order
            return dataclasses.replace(
                _result(rental),
                payment_url=_order_url(rental),
                message="This order is already paid; here it is.",
            )
        if rental.checkout_url and rental.status == status.PENDING_PAYMENT:
            if rental.payment_method != order.payment_method:  # Back, then another method
                switch = await payment_switch.change_payment_method(
                    rental.id,
                    order.payment_method,
                    gateway=gateway,
                    request_for=checkout_request,
                    uow=uow,
                )
                return dataclasses.replace(_result(rental), payment_url=switch.payment_url)
            return _result(rental)
        if rental.status != status.PENDING_PAYMENT:
            raise Conflict("This checkout has ended; please start a new one.")
        await asyncio.sleep(0.25)
    raise Conflict("Your checkout is still being processed; please wait a moment.")


async def start_checkout(
    data: dict[str, object],
    *,
    gateway: PaymentGateway,
    idempotency_key: str | None = None,
    client_ip: str | None = None,
    limiter: CheckoutLimiter | None = None,
    uow: UnitOfWork,
) -> CheckoutResult:
    """Check the order, hold a unit, open the payment page; returns where to pay.

    Within the limits (services/limits.py): TooManyRequests when a checkout rate or the cap
    on live unpaid holds is reached."""
    limiter = limiter or default_limiter()
    order = parse_order(data)
    key = idempotency_key or None
    await limiter.hit_checkout(ip=client_ip, email=order.customer.email, phone=order.customer.phone)
    try:
        rental, created = await uow.run(_place_hold, order, key, client_ip, limiter.holds)
    except IntegrityError:  # the same key committed by a concurrent submit
        if not key:
            raise
        created = False
    if not created and key:
        return await _await_first_attempt(key, order, uow, gateway)
    try:
        checkout = await gateway.create_checkout_session(checkout_request(rental))
    except GatewayError as error:
        await uow.run(abandon_checkout, rental.id, f"Payment provider failed: {error}")
        raise PaymentProviderError(PROVIDER_DOWN) from error
    except BaseException:  # cancelled or crashed mid-call: never leave the unit held
        await asyncio.shield(uow.run(abandon_checkout, rental.id, "Checkout interrupted."))
        raise
    await uow.run(attach_checkout_session, rental.id, checkout.id, checkout.checkout_url)
    rental.checkout_url = checkout.checkout_url
    return _result(rental)
