"""The refund PayMongo receives, the status the customer's page reads, and stock shown at once
after a late payment takes its unit back. Through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from mongocollectibles.domain.errors import Conflict, NotFound, PaymentProviderError
from mongocollectibles.models import Rental, utcnow
from mongocollectibles.payments import GatewayRejected, GatewayUnavailable, Refund
from mongocollectibles.services import catalog, checkout, expiry, quotes, refunds, rentals, webhooks
from tests.support.fakes import FakeGateway
from tests.support.orders import event_body, order, payment, signed_headers


class RecordingGateway(FakeGateway):
    """Keeps what each refund call sent (PayMongo's view of it)."""

    def __init__(self) -> None:
        super().__init__()
        self.refund_calls: list[dict] = []

    async def create_refund(self, **kwargs):  # noqa: ANN003, ANN201
        self.refund_calls.append(kwargs)
        return await super().create_refund(**kwargs)


def row(uow, rental_id) -> Rental:
    return uow.call(lambda session: session.get(Rental, rental_id))


async def pay(uow, rental_id, payment_id="pay_1") -> str:
    body = event_body("payment.paid", payment(rental_id, payment_id, "paid"))
    return await webhooks.handle_webhook(body, signed_headers(body)["Paymongo-Signature"], uow=uow)


async def test_paymongo_receives_one_keyed_refund_of_the_whole_payment(uow):
    gateway = RecordingGateway()
    result = await checkout.start_checkout(order(), gateway=gateway, uow=uow)
    await pay(uow, result.rental_id)
    await refunds.refund_rental(result.rental_id, gateway=gateway, actor="owner:ana", uow=uow)
    assert gateway.refund_calls == [
        {
            "payment_id": "pay_1",
            "amount_centavos": 3_000_000,
            "reason": "requested_by_customer",
            "idempotency_key": f"refund-{result.rental_id}",
        }
    ]


async def test_a_refund_paymongo_refuses_leaves_the_rental_paid(uow):
    gateway = RecordingGateway()
    result = await checkout.start_checkout(order(), gateway=gateway, uow=uow)
    await pay(uow, result.rental_id)
    gateway.fail_with = GatewayRejected("The payment is not yet settled.", status_code=400)
    with pytest.raises(PaymentProviderError) as caught:
        await refunds.refund_rental(result.rental_id, gateway=gateway, actor="owner", uow=uow)
    assert caught.value.message == (
        "PayMongo did not accept the refund: The payment is not yet settled."
    )
    assert caught.value.status_code == 502
    rental = row(uow, result.rental_id)
    assert (rental.status, rental.refund_id) == ("paid", None)
    gateway.fail_with = None  # the owner tries again later: one refund, with the same key
    await refunds.refund_rental(result.rental_id, gateway=gateway, actor="owner", uow=uow)
    assert row(uow, result.rental_id).status == "refunded"
    keys = [call["idempotency_key"] for call in gateway.refund_calls]
    assert keys == [f"refund-{result.rental_id}"] * 2 and len(gateway.refunds) == 1


async def test_the_customers_page_reads_the_rental_with_its_token(uow):
    result = await checkout.start_checkout(order(), gateway=FakeGateway(), uow=uow)
    view = await rentals.get_rental(result.rental_id, result.secret_token, uow=uow)
    assert (view.id, view.status, view.total_centavos) == (
        result.rental_id,
        "pending_payment",
        3_000_000,
    )
    assert view.payment_url == result.payment_url and view.customer_name == "Juan dela Cruz"
    for rental_id, token in ((result.rental_id, "guess"), ("no-such-rental", result.secret_token)):
        with pytest.raises(NotFound):
            await rentals.get_rental(rental_id, token, uow=uow)


async def test_a_payment_confirmed_by_the_status_refresh_is_recorded_as_such(uow):
    gateway = FakeGateway()
    result = await checkout.start_checkout(order(), gateway=gateway, uow=uow)
    gateway.pay(row(uow, result.rental_id).checkout_session_id)
    view = await rentals.refresh_rental_status(
        result.rental_id, result.secret_token, gateway=gateway, uow=uow
    )
    assert view.status == "paid"
    from sqlmodel import select

    from mongocollectibles.models import RentalEvent

    with uow() as session:
        actors = session.exec(
            select(RentalEvent.actor).where(RentalEvent.rental_id == result.rental_id)
        ).all()
    assert actors == ["customer", "paymongo-retrieve"]


async def test_stock_shows_at_once_when_a_late_payment_takes_its_unit_back(uow):
    gateway = FakeGateway()
    result = await checkout.start_checkout(order(), gateway=gateway, uow=uow)
    await expiry.sweep(gateway, now=utcnow() + timedelta(hours=1), uow=uow)
    assert (await catalog.get_collectible("col-002", uow=uow)).stock == 4
    listed = {c.id: c.stock for c in await catalog.list_collectibles(uow=uow)}
    assert listed["col-002"] == 4
    assert await pay(uow, result.rental_id) == "paid"
    listed = {c.id: c.stock for c in await catalog.list_collectibles(uow=uow)}
    assert listed["col-002"] == 3  # no wait for the snapshot to go stale
    quote = await quotes.get_quote("col-002", "store-b", 3, uow=uow)
    assert quote.stock == 3 and quote.store_id == "store-b"


async def test_a_store_listing_and_quote_use_that_stores_distances(uow):
    listed = {c.id: c.eta_days for c in await catalog.list_collectibles("store-c", uow=uow)}
    assert listed["col-001"] == 1  # Warehouse South is 1 km from store C
    quote = await quotes.get_quote("col-001", "store-c", 2, uow=uow)
    assert (quote.store_id, quote.eta_days) == ("store-c", 1)
    with pytest.raises(NotFound):
        await catalog.list_collectibles("store-z", uow=uow)


async def test_a_second_submit_after_paying_shows_the_paid_order(uow):
    from mongocollectibles.settings import get_settings

    gateway = FakeGateway()
    first = await checkout.start_checkout(
        order(), gateway=gateway, idempotency_key="tab-9", uow=uow
    )
    await pay(uow, first.rental_id)
    again = await checkout.start_checkout(
        order(), gateway=gateway, idempotency_key="tab-9", uow=uow
    )
    base = get_settings().public_base_url.rstrip("/")
    assert (again.rental_id, again.order_code) == (first.rental_id, first.order_code)
    assert again.payment_url == f"{base}/orders/{first.rental_id}?token={first.secret_token}"
    assert again.message == "This order is already paid; here it is."
    assert len(gateway.requests) == 1  # no second payment page, nothing charged twice
    assert row(uow, first.rental_id).status == "paid"
    assert uow.call(catalog.read_collectible, "col-002").stock == 3  # one unit, not two


class WebhookBeforeAnswer(RecordingGateway):
    """PayMongo's payment.refunded webhook arriving before its answer to the refund call."""

    def __init__(self, uow) -> None:  # noqa: ANN001
        super().__init__()
        self.uow = uow

    async def create_refund(self, **kwargs):  # noqa: ANN003, ANN201
        refund = await super().create_refund(**kwargs)
        rental_id = kwargs["idempotency_key"].removeprefix("refund-")
        body = event_body(
            "payment.refunded", payment(rental_id, kwargs["payment_id"], "refunded", [refund.id])
        )
        signature = signed_headers(body)["Paymongo-Signature"]
        assert await webhooks.handle_webhook(body, signature, uow=self.uow) == "refunded"
        return refund


async def test_the_owners_refund_note_is_kept_when_paymongos_webhook_came_first(uow):
    from sqlmodel import select

    from mongocollectibles.models import RentalEvent

    gateway = WebhookBeforeAnswer(uow)
    result = await checkout.start_checkout(order(), gateway=gateway, uow=uow)
    await pay(uow, result.rental_id)
    refund_id = await refunds.refund_rental(
        result.rental_id, gateway=gateway, actor="owner:ana", note="Box damaged", uow=uow
    )
    rental = row(uow, result.rental_id)
    assert (rental.status, rental.refund_id, rental.refunded_centavos) == (
        "refunded",
        refund_id,
        3_000_000,
    )
    with uow() as session:
        events = session.exec(
            select(
                RentalEvent.from_status, RentalEvent.to_status, RentalEvent.actor, RentalEvent.note
            )
            .where(RentalEvent.rental_id == result.rental_id)
            .order_by(RentalEvent.id)
        ).all()
    assert [tuple(e) for e in events][-2:] == [
        ("paid", "refunded", "webhook:payment.refunded", ""),
        (
            "refunded",
            "refunded",
            "owner:ana",
            "Refund in full (requested_by_customer): Box damaged",
        ),
    ]
    assert len(gateway.refunds) == 1


class DashboardRefundReportedFirst(RecordingGateway):
    """While the console's refund call is on its way, PayMongo reports (payment.refunded) a
    refund made at its own dashboard: that one ended the rental."""

    def __init__(self, uow) -> None:  # noqa: ANN001
        super().__init__()
        self.uow = uow

    async def create_refund(self, **kwargs):  # noqa: ANN003, ANN201
        rental_id = kwargs["idempotency_key"].removeprefix("refund-")
        body = event_body(
            "payment.refunded",
            payment(rental_id, kwargs["payment_id"], "refunded", ["ref_dashboard"]),
        )
        signature = signed_headers(body)["Paymongo-Signature"]
        assert await webhooks.handle_webhook(body, signature, uow=self.uow) == "refunded"
        return await super().create_refund(**kwargs)


async def test_the_owner_sees_the_refund_paymongo_reported_first_not_a_later_answer(uow):
    from mongocollectibles.services import owner_rentals
    from tests.support.owner import owner_and_staff, session_of

    await owner_and_staff(uow)
    _, owner = await session_of(uow, "owner")
    gateway = DashboardRefundReportedFirst(uow)
    result = await checkout.start_checkout(order(), gateway=gateway, uow=uow)
    await pay(uow, result.rental_id)
    console_refund = await owner_rentals.refund(
        result.rental_id, owner, gateway=gateway, amount_centavos=2_000_000, uow=uow
    )
    assert console_refund != "ref_dashboard"
    detail = await owner_rentals.rental_detail(result.rental_id, owner, uow=uow)
    # The refund that ended it stays its refund; the amount is the one the owner entered.
    assert (detail.status, detail.refund_id, detail.refunded_centavos) == (
        "refunded",
        "ref_dashboard",
        2_000_000,
    )


@pytest.mark.parametrize(
    ("asked", "field", "message"),
    [
        (
            {"reason": "changed_mind"},
            "reason",
            "Reason must be one of requested_by_customer, duplicate, fraudulent, others.",
        ),
        *(
            (
                {"amount_centavos": amount},
                "amount",
                "The refund amount must be a whole number of centavos.",
            )
            for amount in ("150000", 1500.5, True)
        ),
        (
            {"amount_centavos": 99},
            "amount",
            "The refund must be between 100 and 3000000 centavos.",
        ),
    ],
)
async def test_a_refund_the_owner_words_wrongly_is_refused_saying_which_field(
    uow, asked, field, message
):
    from mongocollectibles.domain.errors import InvalidInput

    gateway = RecordingGateway()
    result = await checkout.start_checkout(order(), gateway=gateway, uow=uow)
    await pay(uow, result.rental_id)
    with pytest.raises(InvalidInput) as refused:
        await refunds.refund_rental(
            result.rental_id, gateway=gateway, actor="owner:ana", uow=uow, **asked
        )
    assert (refused.value.field, refused.value.message) == (field, message)
    assert gateway.refund_calls == [] and row(uow, result.rental_id).status == "paid"


async def test_a_refund_without_a_note_reads_plainly_in_the_history(uow):
    from sqlmodel import select

    from mongocollectibles.models import RentalEvent

    gateway = RecordingGateway()
    result = await checkout.start_checkout(order(), gateway=gateway, uow=uow)
    await pay(uow, result.rental_id)
    await refunds.refund_rental(
        result.rental_id, gateway=gateway, actor="owner:ana", reason="duplicate", uow=uow
    )
    with uow() as session:
        notes = session.exec(
            select(RentalEvent.note).where(
                RentalEvent.rental_id == result.rental_id, RentalEvent.to_status == "refunded"
            )
        ).all()
    assert notes == ["Refund in full (duplicate)"]


async def test_the_smallest_refund_paymongo_takes_goes_through(uow):
    gateway = RecordingGateway()
    result = await checkout.start_checkout(order(), gateway=gateway, uow=uow)
    await pay(uow, result.rental_id)
    await refunds.refund_rental(
        result.rental_id, gateway=gateway, actor="owner:ana", amount_centavos=100, uow=uow
    )
    assert [(c["amount_centavos"], c["idempotency_key"]) for c in gateway.refund_calls] == [
        (100, f"refund-{result.rental_id}-100")  # PHP 1.00, keyed apart from a full refund
    ]
    rental = row(uow, result.rental_id)
    assert (rental.status, rental.refunded_centavos) == ("refunded", 100)


async def test_a_second_payment_event_does_not_redirect_the_refund(uow):
    gateway = RecordingGateway()
    result = await checkout.start_checkout(order(), gateway=gateway, uow=uow)
    assert await pay(uow, result.rental_id, "pay_first") == "paid"
    assert await pay(uow, result.rental_id, "pay_second") == "already"
    await refunds.refund_rental(result.rental_id, gateway=gateway, actor="owner:ana", uow=uow)
    assert [c["payment_id"] for c in gateway.refund_calls] == ["pay_first"]  # what paid it


async def test_a_partial_refund_reads_as_one_in_the_history(uow):
    from sqlmodel import select

    from mongocollectibles.models import RentalEvent

    gateway = RecordingGateway()
    result = await checkout.start_checkout(order(), gateway=gateway, uow=uow)
    await pay(uow, result.rental_id)
    await refunds.refund_rental(
        result.rental_id,
        gateway=gateway,
        actor="owner:ana",
        reason="others",
        amount_centavos=2_500_000,
        note="PHP 5,000 cancellation fee kept",
        uow=uow,
    )
    with uow() as session:
        notes = session.exec(
            select(RentalEvent.note).where(
                RentalEvent.rental_id == result.rental_id, RentalEvent.to_status == "refunded"
            )
        ).all()
    assert notes == ["Refund of part (others): PHP 5,000 cancellation fee kept"]


class PayMongoRefunds(RecordingGateway):
    """Answers a refund asked again with the same idempotency key with the refund already
    made, as PayMongo does; and may end the request's process before or after making one."""

    def __init__(self) -> None:
        super().__init__()
        self.by_key: dict[str, Refund] = {}
        self.process_dies: str | None = None  # "before" or "after" PayMongo makes the refund

    async def create_refund(self, **kwargs):  # noqa: ANN003, ANN201
        dies, self.process_dies = self.process_dies, None
        if dies == "before":
            raise ProcessDied
        key = kwargs["idempotency_key"]
        if key in self.by_key:
            self.refund_calls.append(kwargs)
            if self.fail_with is not None:
                raise self.fail_with
            refund = self.by_key[key]
        else:
            refund = self.by_key[key] = await super().create_refund(**kwargs)
        if dies == "after":
            raise ProcessDied
        return refund


class ProcessDied(Exception):
    """The owner's console process ended mid-request (a crash, a redeploy)."""


def claim_started(uow, rental_id, minutes_ago) -> None:  # noqa: ANN001
    """The refund on its way was sent that long ago (the clock has moved on)."""
    with uow() as session:
        session.execute(
            update(Rental)
            .where(Rental.id == rental_id)
            .values(refund_claimed_at=utcnow() - timedelta(minutes=minutes_ago))
        )


ON_ITS_WAY = (
    "A refund of this rental is already being sent to PayMongo ({amount}). Reload the rental "
    "in a few minutes to see it; until then only that same amount can be sent again."
)


async def test_a_refund_paymongo_refused_leaves_the_owner_free_to_send_another(uow):
    gateway = PayMongoRefunds()
    result = await checkout.start_checkout(order(), gateway=gateway, uow=uow)
    await pay(uow, result.rental_id)
    gateway.fail_with = GatewayRejected("The amount is not refundable.", status_code=400)
    with pytest.raises(PaymentProviderError):
        await refunds.refund_rental(
            result.rental_id, gateway=gateway, actor="owner", amount_centavos=2_000_000, uow=uow
        )
    gateway.fail_with = None
    await refunds.refund_rental(
        result.rental_id, gateway=gateway, actor="owner", amount_centavos=2_500_000, uow=uow
    )
    assert [refund.amount_centavos for refund in gateway.refunds] == [2_500_000]
    rental = row(uow, result.rental_id)
    assert (rental.status, rental.refunded_centavos) == ("refunded", 2_500_000)


async def test_after_a_lost_answer_only_the_same_refund_can_be_sent_and_it_is_paid_once(uow):
    """PayMongo made the refund, but the process died before recording it (or PayMongo's
    answer never came): another amount would be a second refund, the same one is not."""
    gateway = PayMongoRefunds()
    result = await checkout.start_checkout(order(), gateway=gateway, uow=uow)
    await pay(uow, result.rental_id)
    gateway.process_dies = "after"
    with pytest.raises(ProcessDied):
        await refunds.refund_rental(
            result.rental_id, gateway=gateway, actor="owner", amount_centavos=2_000_000, uow=uow
        )
    gateway.fail_with = GatewayUnavailable("PayMongo timed out", status_code=None)
    with pytest.raises(PaymentProviderError):  # the retry's answer is lost too
        await refunds.refund_rental(
            result.rental_id, gateway=gateway, actor="owner", amount_centavos=2_000_000, uow=uow
        )
    gateway.fail_with = None
    with pytest.raises(Conflict) as refused:
        await refunds.refund_rental(
            result.rental_id, gateway=gateway, actor="ben", amount_centavos=2_500_000, uow=uow
        )
    assert refused.value.message == ON_ITS_WAY.format(amount="PHP 20,000.00")
    assert row(uow, result.rental_id).status == "paid"
    refund_id = await refunds.refund_rental(
        result.rental_id, gateway=gateway, actor="owner", amount_centavos=2_000_000, uow=uow
    )
    assert [refund.id for refund in gateway.refunds] == [refund_id]  # one refund paid out
    assert {call["amount_centavos"] for call in gateway.refund_calls} == {2_000_000}
    rental = row(uow, result.rental_id)
    assert (rental.status, rental.refunded_centavos, rental.refund_id) == (
        "refunded",
        2_000_000,
        refund_id,
    )


async def test_a_refund_whose_request_died_long_ago_no_longer_blocks_the_owner(uow):
    gateway = PayMongoRefunds()
    result = await checkout.start_checkout(order(), gateway=gateway, uow=uow)
    await pay(uow, result.rental_id)
    gateway.process_dies = "before"  # it never reached PayMongo
    with pytest.raises(ProcessDied):
        await refunds.refund_rental(result.rental_id, gateway=gateway, actor="owner", uow=uow)

    async def keep_a_fee():  # noqa: ANN202
        return await refunds.refund_rental(
            result.rental_id, gateway=gateway, actor="owner", amount_centavos=2_500_000, uow=uow
        )

    claim_started(uow, result.rental_id, minutes_ago=4)
    with pytest.raises(Conflict) as refused:
        await keep_a_fee()
    assert refused.value.message == ON_ITS_WAY.format(amount="PHP 30,000.00")
    claim_started(uow, result.rental_id, minutes_ago=6)
    refund_id = await keep_a_fee()
    assert [(r.id, r.amount_centavos) for r in gateway.refunds] == [(refund_id, 2_500_000)]
    rental = row(uow, result.rental_id)
    assert (rental.status, rental.refunded_centavos) == ("refunded", 2_500_000)


async def tell(uow, resource: dict) -> str:
    """PayMongo's payment.refunded for a refund made at its own dashboard (nothing from us)."""
    body = event_body("payment.refunded", resource)
    return await webhooks.handle_webhook(body, signed_headers(body)["Paymongo-Signature"], uow=uow)


async def test_partial_refunds_made_at_paymongos_dashboard_count_what_went_back(uow):
    from mongocollectibles.services import owner_dashboard, owner_rentals
    from tests.support.owner import owner_and_staff, session_of

    await owner_and_staff(uow)
    _, owner = await session_of(uow, "owner")
    result = await checkout.start_checkout(order(), gateway=FakeGateway(), uow=uow)
    await pay(uow, result.rental_id)
    first = payment(result.rental_id, "pay_1", "paid", [("ref_dash1", 500_000)])
    assert await tell(uow, first) == "refunded"
    detail = await owner_rentals.rental_detail(result.rental_id, owner, uow=uow)
    assert (detail.status, detail.refund_id, detail.refunded_centavos) == (
        "refunded",
        "ref_dash1",
        500_000,
    )
    assert row(uow, result.rental_id).refunded_at is not None  # counted on the day it went
    today = await owner_dashboard.today(owner, uow=uow)
    assert today.revenue_month_centavos == 3_000_000 - 500_000  # not the whole payment

    # A second partial refund at the dashboard: PayMongo lists both, and both went back.
    both = payment(
        result.rental_id, "pay_1", "paid", [("ref_dash1", 500_000), ("ref_dash2", 700_000)]
    )
    assert await tell(uow, both) == "already"
    detail = await owner_rentals.rental_detail(result.rental_id, owner, uow=uow)
    assert (detail.refund_id, detail.refunded_centavos) == ("ref_dash1", 1_200_000)
    last = detail.events[-1]
    assert (last.actor, last.from_status, last.to_status, last.note) == (
        "webhook:payment.refunded",
        "refunded",
        "refunded",
        "PayMongo reports PHP 12,000.00 refunded in all.",
    )
    assert await tell(uow, first) == "already"  # the first event, delivered again late
    again = await owner_rentals.rental_detail(result.rental_id, owner, uow=uow)
    assert (again.refunded_centavos, again.events) == (1_200_000, detail.events)
    today = await owner_dashboard.today(owner, uow=uow)
    assert today.revenue_month_centavos == 3_000_000 - 1_200_000
