"""Signed webhooks older than the tolerance (3 hours: PayMongo retries for up to ~136 minutes
with the same event) are refused; within it they apply once (event-id dedupe)."""

import time

import pytest

from mongocollectibles.models import Rental
from mongocollectibles.payments import sign_header
from mongocollectibles.services import checkout, webhooks
from mongocollectibles.settings import get_settings
from tests.support.fakes import FakeGateway
from tests.support.orders import event_body, order, payment


def signed_at(body: bytes, seconds_ago: int) -> str:
    # Signed with the secret the app is configured with now (whatever earlier tests left).
    settings = get_settings()
    return sign_header(
        settings.webhook_secret,
        body,
        int(time.time()) - seconds_ago,
        livemode=settings.livemode,
    )


async def test_stale_signed_webhook_is_refused_and_a_late_retry_is_not(uow):
    result = await checkout.start_checkout(order(), gateway=FakeGateway(), uow=uow)
    body = event_body("payment.paid", payment(result.rental_id, "pay_old", "paid"))
    for seconds_ago in (4 * 3600, 24 * 3600):
        with pytest.raises(webhooks.BadSignature, match="too old"):
            await webhooks.handle_webhook(body, signed_at(body, seconds_ago), uow=uow)
    assert uow.call(lambda s: s.get(Rental, result.rental_id).status) == "pending_payment"
    last_retry = 137 * 60  # PayMongo's last retry comes about 136.5 minutes after the event
    assert await webhooks.handle_webhook(body, signed_at(body, last_retry), uow=uow) == "paid"
    again = await webhooks.handle_webhook(body, signed_at(body, 60), uow=uow)
    assert again == "duplicate"
