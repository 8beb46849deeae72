"""Out of stock is not a dead end: other stores that have it, when a unit is expected back,
and "email me when it is back" (a StockAlert row; the note goes through the outbox)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from mongocollectibles.domain import status
from mongocollectibles.domain.customer import customer_field_errors
from mongocollectibles.domain.errors import InvalidInput
from mongocollectibles.models import Collectible, Distance, Rental, StockAlert, Store, utcnow
from mongocollectibles.services import catalog, inventory, notifications, outbox
from mongocollectibles.services.outbox import Email
from mongocollectibles.services.rate_limit import RateLimiter, TooManyAttempts
from mongocollectibles.services.unit_of_work import UnitOfWork
from mongocollectibles.settings import get_settings

SUBSCRIBED = "We will email you when it is back in stock at this store."
ALERTS_PER_CLIENT = RateLimiter("stock-alerts-per-client", limit=10, window_seconds=600)


@dataclass(frozen=True)
class OtherStore:
    store_id: str
    store_name: str
    eta_days: int


@dataclass(frozen=True)
class OutOfStockHelp:
    other_stores: list[OtherStore]  # where it can be picked up, soonest first
    next_date: date | None  # when a rented unit is due back (estimate), if any


def _due_back(session: Session, collectible_id: str) -> date | None:
    """The earliest booked return date of a rented unit of this collectible (picked-up
    rentals)."""
    return session.exec(
        select(func.min(Rental.return_date)).where(
            Rental.collectible_id == collectible_id, Rental.status == status.PICKED_UP
        )
    ).one()


async def out_of_stock_help(
    collectible_id: str, store_id: str, *, uow: UnitOfWork
) -> OutOfStockHelp:
    others = []
    for store in await catalog.list_stores(uow=uow):
        if store.id == store_id:
            continue
        view = await catalog.get_collectible(collectible_id, store.id, uow=uow)
        if view.available and view.eta_days is not None:
            others.append(OtherStore(store.id, store.name, view.eta_days))
    others.sort(key=lambda o: (o.eta_days, o.store_name))
    return OutOfStockHelp(others, await uow.run(_due_back, collectible_id))


def _subscribe(session: Session, email: str, collectible_id: str, store_id: str) -> None:
    if session.get(Collectible, collectible_id) is None or session.get(Store, store_id) is None:
        raise InvalidInput("Unknown collectible or store.")
    existing = session.exec(
        select(StockAlert.id).where(
            StockAlert.email == email,
            StockAlert.collectible_id == collectible_id,
            StockAlert.store_id == store_id,
            col(StockAlert.notified_at).is_(None),
        )
    ).first()
    if existing is None:
        session.add(StockAlert(email=email, collectible_id=collectible_id, store_id=store_id))


async def subscribe(
    email: object,
    collectible_id: str,
    store_id: str,
    *,
    client: str,
    uow: UnitOfWork,
) -> str:
    """Ask to be emailed when the collectible can be picked up at the store again."""
    text = email.strip() if isinstance(email, str) else ""
    problem = customer_field_errors({"email": text}).get("email")
    if problem:
        raise InvalidInput(problem, field="email")
    address = text.lower()
    if not await ALERTS_PER_CLIENT.hit(client):
        raise TooManyAttempts("Too many requests. Please wait a few minutes and try again.")
    await uow.run(_subscribe, address, collectible_id, store_id)
    return SUBSCRIBED


def enqueue_back_in_stock(session: Session) -> int:
    """Email every waiting alert whose collectible has a free unit again; returns how many."""
    alerts = session.exec(
        select(StockAlert).where(col(StockAlert.notified_at).is_(None)).limit(200)
    ).all()
    if not alerts:
        return 0
    free = inventory.free_counts(session, {a.collectible_id for a in alerts})
    reachable = {(d.warehouse_id, d.store_id) for d in session.exec(select(Distance)).all()}
    base = get_settings().public_base_url.rstrip("/")
    sent = 0
    for alert in alerts:
        warehouses = free.get(alert.collectible_id, {})
        if not any(n > 0 and (w, alert.store_id) in reachable for w, n in warehouses.items()):
            continue
        item = session.get(Collectible, alert.collectible_id)
        store = session.get(Store, alert.store_id)
        if item is None or store is None:
            continue
        link = f"{base}/collectibles/{item.id}"
        text = (
            f"Good news: {item.name} can be rented for pickup at {store.name} again.\n\n"
            f"Rent it: {link}\n\nUnits go fast; this note does not hold one for you.\n\n"
            "MongoCollectibles\n"
        )
        e = html.escape
        body = (
            '<!doctype html><html lang="en"><body style="font-family:Arial,sans-serif">'
            f"<h1>{e(item.name)} is back</h1><p>It can be rented for pickup at "
            f'{e(store.name)} again.</p><p><a href="{e(link)}">Rent it now</a></p>'
            "<p>Units go fast; this note does not hold one for you.</p></body></html>"
        )
        outbox.enqueue(
            session,
            notifications.BACK_IN_STOCK,
            Email(alert.email, f"Back in stock: {item.name}", text, body),
            dedupe_key=f"{notifications.BACK_IN_STOCK}:{alert.id}",
        )
        alert.notified_at = utcnow()
        session.add(alert)
        sent += 1
    return sent


def expected_back_text(help_: OutOfStockHelp) -> str:
    if help_.next_date is None:
        return ""
    return f"A rented unit is due back on {notifications.day_text(help_.next_date)}."


async def send_back_in_stock(*, uow: UnitOfWork) -> int:
    """Enqueue the back-in-stock notes that are due (run before each outbox pass)."""
    return await uow.run(enqueue_back_in_stock)
