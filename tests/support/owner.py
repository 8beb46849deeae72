"""Owner-console helpers for tests: accounts, sessions and paid rentals in a test database."""

from __future__ import annotations

from datetime import datetime

from mongocollectibles.services import admin_accounts, admin_sessions, checkout, webhooks
from mongocollectibles.services.admin_sessions import Principal
from mongocollectibles.services.unit_of_work import UnitOfWork
from tests.support.fakes import FakeGateway
from tests.support.orders import CUSTOMER, event_body, order, payment, signed_headers

OWNER_PASSWORD = "correct horse battery staple"
STAFF_PASSWORD = "counter clerk passphrase"


async def owner_and_staff(uow: UnitOfWork) -> None:
    await admin_accounts.create_account("owner", OWNER_PASSWORD, "owner", uow=uow)
    await admin_accounts.create_account("staff", STAFF_PASSWORD, "staff", uow=uow)


async def session_of(
    uow: UnitOfWork, username: str, *, now: datetime | None = None, ip: str = "10.0.0.1"
) -> tuple[str, Principal]:
    password = OWNER_PASSWORD if username == "owner" else STAFF_PASSWORD
    return await admin_sessions.sign_in(username, password, ip=ip, uow=uow, now=now)


async def paid_rental(
    uow: UnitOfWork,
    gateway: FakeGateway | None = None,
    *,
    collectible_id: str = "col-002",
    payment_id: str = "pay_1",
    **customer: str,
) -> str:
    gateway = gateway or FakeGateway()
    body = order(collectible_id=collectible_id)
    body["customer"] = {**CUSTOMER, **customer}
    result = await checkout.start_checkout(body, gateway=gateway, uow=uow)
    event = event_body("payment.paid", payment(result.rental_id, payment_id, "paid"))
    await webhooks.handle_webhook(event, signed_headers(event)["Paymongo-Signature"], uow=uow)
    return result.rental_id
