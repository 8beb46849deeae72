"""The customer (with the order's secret token) pays again with another method, e.g. after a
declined payment: a new checkout session for the same held unit."""

from __future__ import annotations

from mongocollectibles.payments import PaymentGateway
from mongocollectibles.services import checkout, payment_switch, rentals
from mongocollectibles.services.payment_switch import Switch
from mongocollectibles.services.unit_of_work import UnitOfWork


async def pay_with_method(
    rental_id: str,
    token: str,
    method: object,
    *,
    gateway: PaymentGateway,
    uow: UnitOfWork,
) -> Switch:
    await rentals.get_rental(rental_id, token, uow=uow)  # NotFound unless the token matches
    return await payment_switch.change_payment_method(
        rental_id, method, gateway=gateway, request_for=checkout.checkout_request, uow=uow
    )
