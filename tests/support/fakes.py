"""A hand-written fake PaymentGateway (no network) for service tests."""

from __future__ import annotations

import asyncio
import itertools

from mongocollectibles.payments import (
    CheckoutRequest,
    CheckoutSession,
    GatewayRejected,
    GatewayUnavailable,
    Refund,
)


class FakeGateway:
    def __init__(self) -> None:
        self.sessions: dict[str, CheckoutSession] = {}
        self.requests: list[CheckoutRequest] = []
        self.expired: list[str] = []
        self.refunds: list[Refund] = []
        self.fail_with: Exception | None = None
        self.delay_seconds = 0.0
        self._ids = itertools.count(1)

    async def create_checkout_session(self, request: CheckoutRequest) -> CheckoutSession:
        self.requests.append(request)
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        if self.fail_with is not None:
            raise self.fail_with
        session_id = f"cs_fake{next(self._ids)}"
        session = CheckoutSession(
            id=session_id,
            checkout_url=f"https://pay.example/{session_id}",
            status="active",
            paid=False,
            payment_id=None,
            reference_number=request.reference_number,
            amount_centavos=request.amount_centavos,
            livemode=False,
        )
        self.sessions[session_id] = session
        return session

    async def retrieve_checkout_session(self, session_id: str) -> CheckoutSession:
        if self.fail_with is not None:
            raise self.fail_with
        if session_id not in self.sessions:
            raise GatewayRejected("not found", status_code=404, code="resource_not_found")
        return self.sessions[session_id]

    async def expire_checkout_session(self, session_id: str) -> CheckoutSession:
        if self.fail_with is not None:
            raise self.fail_with
        session = self.sessions[session_id]
        if session.paid:  # as PayMongo answers for a paid session
            raise GatewayRejected(
                f"Checkout session {session_id} has already been paid and cannot be expired.",
                status_code=400,
                code="resource_failed_state",
            )
        self.expired.append(session_id)
        self.sessions[session_id] = CheckoutSession(**{**session.__dict__, "status": "expired"})
        return self.sessions[session_id]

    async def create_refund(self, *, payment_id, amount_centavos, reason, idempotency_key):  # noqa: ANN001
        if self.fail_with is not None:
            raise self.fail_with
        refund = Refund(
            id=f"ref_fake{next(self._ids)}",
            status="succeeded",
            amount_centavos=amount_centavos,
            payment_id=payment_id,
        )
        self.refunds.append(refund)
        return refund

    def pay(
        self, session_id: str, amount_centavos: int | None = None, currency: str = "PHP"
    ) -> str:
        """The customer pays at the (fake) hosted page: the session's amount unless told."""
        payment_id = f"pay_fake{next(self._ids)}"
        session = self.sessions[session_id]
        paid = session.amount_centavos if amount_centavos is None else amount_centavos
        self.sessions[session_id] = CheckoutSession(
            **{
                **session.__dict__,
                "paid": True,
                "payment_id": payment_id,
                "paid_amount_centavos": paid,
                "paid_currency": currency,
            }
        )
        return payment_id


class PageAlreadyClosed(FakeGateway):
    """PayMongo refusing to expire a page it has already expired (400), as it answers;
    `expire_attempts` lists the sessions it was asked to expire."""

    def __init__(self) -> None:
        super().__init__()
        self.expire_attempts: list[str] = []

    async def expire_checkout_session(self, session_id: str) -> CheckoutSession:
        self.expire_attempts.append(session_id)
        raise GatewayRejected("Checkout session is already expired.", status_code=400)


DOWN = GatewayUnavailable("PayMongo answered 500", status_code=500)
