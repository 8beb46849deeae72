"""In-memory state of the sandbox (single process) and the operations on it.

Every operation is synchronous, so within one event loop it is atomic.
Rendered resources are deep copies, safe to serialise or keep.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from .models import (
    SandboxConfig,
    SandboxError,
    intent_attributes,
    new_id,
    normalize_billing,
    not_found,
    now,
    payment_attributes,
    refund_resource,
)
from .validation import validate_checkout, validate_refund


@dataclass
class SessionRecord:
    id: str
    attrs: dict[str, Any]
    intent_id: str
    intent: dict[str, Any]
    payment_ids: list[str] = field(default_factory=list)  # paid payments only
    paid_payment_id: str | None = None

    @property
    def amount(self) -> int:
        return sum(item["amount"] * item["quantity"] for item in self.attrs["line_items"])

    @property
    def expired(self) -> bool:
        return bool(self.attrs["status"] == "expired")


@dataclass
class PaymentRecord:
    id: str
    attrs: dict[str, Any]
    session_id: str
    refund_ids: list[str] = field(default_factory=list)


@dataclass
class StoredResponse:
    fingerprint: str
    status_code: int
    body: bytes


class Store:
    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.sessions: dict[str, SessionRecord] = {}
        self.payments: dict[str, PaymentRecord] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.idempotency: dict[str, StoredResponse] = {}

    def clear(self) -> None:
        self.sessions.clear()
        self.payments.clear()
        self.refunds.clear()
        self.idempotency.clear()

    # -- checkout sessions ----------------------------------------------------------

    def create_session(self, attributes: dict[str, Any]) -> SessionRecord:
        validate_checkout(attributes, self.config.allowed_methods)
        t = now()
        session_id, intent_id = new_id("cs"), new_id("pi")
        line_items = [
            {
                "amount": item["amount"],
                "currency": "PHP",
                "description": item.get("description"),
                "images": list(item.get("images") or []),
                "name": item["name"],
                "quantity": item["quantity"],
            }
            for item in attributes["line_items"]
        ]
        billing = normalize_billing(attributes.get("billing"))
        methods = list(attributes["payment_method_types"])
        description = attributes.get("description")
        metadata = attributes.get("metadata")
        public_url = self.config.public_url.rstrip("/")
        attrs: dict[str, Any] = {
            "billing": billing,
            "billing_information_fields_editable": "enabled",
            "cancel_url": attributes.get("cancel_url"),
            "checkout_url": f"{public_url}/checkout/{session_id}",
            "client_key": f"{session_id}_client_{new_id('k')[2:]}",
            "customer_email": billing["email"],
            "description": description,
            "line_items": line_items,
            "livemode": self.config.livemode,
            "merchant": self.config.merchant,
            "paid_at": None,
            "payment_method_types": methods,
            "reference_number": attributes.get("reference_number"),
            "send_email_receipt": bool(attributes.get("send_email_receipt", False)),
            "show_description": bool(attributes.get("show_description", True)),
            "show_line_items": bool(attributes.get("show_line_items", True)),
            "status": "active",
            "success_url": attributes.get("success_url"),
            "created_at": t,
            "updated_at": t,
            "metadata": metadata,
        }
        record = SessionRecord(session_id, attrs, intent_id, {})
        record.intent = intent_attributes(
            self.config,
            amount=record.amount,
            description=description,
            methods=methods,
            metadata=metadata,
            intent_id=intent_id,
            t=t,
        )
        self.sessions[session_id] = record
        return record

    def session(self, session_id: str) -> SessionRecord:
        record = self.sessions.get(session_id)
        if record is None:
            raise not_found("checkout_session", session_id)
        return record

    def render_session(self, record: SessionRecord) -> dict[str, Any]:
        payments = [self.render_payment(self.payments[pid]) for pid in record.payment_ids]
        intent = {
            "id": record.intent_id,
            "type": "payment_intent",
            "attributes": {**record.intent, "payments": payments},
        }
        attributes = {**record.attrs, "payment_intent": intent, "payments": payments}
        return copy.deepcopy(
            {"id": record.id, "type": "checkout_session", "attributes": attributes}
        )

    def expire_session(self, session_id: str) -> SessionRecord:
        record = self.session(session_id)
        if record.paid_payment_id is not None:
            raise SandboxError.one(
                400,
                "resource_failed_state",
                f"Checkout session {session_id} has already been paid and cannot be expired.",
            )
        if not record.expired:
            t = now()
            record.attrs.update(status="expired", updated_at=t)
            record.intent.update(status="cancelled", updated_at=t)
        return record

    def _check_payable(self, record: SessionRecord) -> None:
        if record.expired:
            raise SandboxError.one(
                400, "resource_failed_state", f"Checkout session {record.id} has expired."
            )

    def _method(self, record: SessionRecord, method: str | None) -> str:
        methods = record.attrs["payment_method_types"]
        if method is None or method == "":
            return str(methods[0])
        if method not in methods:
            raise SandboxError.one(
                400,
                "parameter_invalid",
                f"{method!r} is not a payment method of this checkout session.",
                "method",
            )
        return method

    def pay_session(
        self, session_id: str, method: str | None = None
    ) -> tuple[SessionRecord, PaymentRecord | None]:
        """Pay a session; returns ``(session, None)`` if it was already paid."""
        record = self.session(session_id)
        if record.paid_payment_id is not None:
            return record, None
        self._check_payable(record)
        payment = self._add_payment(record, "paid", self._method(record, method))
        record.payment_ids.append(payment.id)
        record.paid_payment_id = payment.id
        t = payment.attrs["paid_at"]
        record.attrs.update(paid_at=t, updated_at=t)
        record.intent.update(status="succeeded", last_payment_error=None, updated_at=t)
        return record, payment

    def fail_session(
        self, session_id: str, method: str | None = None
    ) -> tuple[SessionRecord, PaymentRecord]:
        record = self.session(session_id)
        if record.paid_payment_id is not None:
            raise SandboxError.one(
                400, "resource_failed_state", f"Checkout session {session_id} is already paid."
            )
        self._check_payable(record)
        payment = self._add_payment(record, "failed", self._method(record, method))
        record.intent.update(
            status="awaiting_payment_method",
            last_payment_error={
                "failed_code": payment.attrs["failed_code"],
                "failed_message": payment.attrs["failed_message"],
                "payment_id": payment.id,
            },
            updated_at=payment.attrs["updated_at"],
        )
        return record, payment

    def _add_payment(self, record: SessionRecord, status: str, method: str) -> PaymentRecord:
        attrs = payment_attributes(
            self.config,
            record.attrs,
            amount=record.amount,
            status=status,
            method=method,
            intent_id=record.intent_id,
            t=now(),
        )
        payment = PaymentRecord(new_id("pay"), attrs, record.id)
        self.payments[payment.id] = payment
        return payment

    # -- payments and refunds -------------------------------------------------------

    def payment(self, payment_id: str) -> PaymentRecord:
        record = self.payments.get(payment_id)
        if record is None:
            raise not_found("payment", payment_id)
        return record

    def render_payment(self, record: PaymentRecord) -> dict[str, Any]:
        refunds = [self.render_refund(self.refunds[rid]) for rid in record.refund_ids]
        attributes = {**record.attrs, "refunds": refunds}
        return copy.deepcopy({"id": record.id, "type": "payment", "attributes": attributes})

    def refunded_amount(self, record: PaymentRecord) -> int:
        return sum(self.refunds[rid]["attributes"]["amount"] for rid in record.refund_ids)

    def create_refund(self, attributes: dict[str, Any]) -> tuple[dict[str, Any], PaymentRecord]:
        validate_refund(attributes)
        payment = self.payments.get(attributes["payment_id"])
        if payment is None:
            raise SandboxError.one(
                404,
                "resource_not_found",
                f"No such payment with id {attributes['payment_id']}.",
                "attributes.payment_id",
            )
        if payment.attrs["status"] != "paid":
            raise SandboxError.one(
                400,
                "parameter_invalid",
                f"Payment {payment.id} is not paid and cannot be refunded.",
                "attributes.payment_id",
            )
        remaining = payment.attrs["amount"] - self.refunded_amount(payment)
        if attributes["amount"] > remaining:
            raise SandboxError.one(
                400,
                "parameter_invalid",
                f"amount cannot exceed the refundable amount of {remaining}.",
                "attributes.amount",
            )
        t = now()
        refund = refund_resource(self.config, attributes, payment.id, t)
        self.refunds[refund["id"]] = refund
        payment.refund_ids.append(refund["id"])
        payment.attrs["updated_at"] = t
        return refund, payment

    def refund(self, refund_id: str) -> dict[str, Any]:
        refund = self.refunds.get(refund_id)
        if refund is None:
            raise not_found("refund", refund_id)
        return refund

    def render_refund(self, refund: dict[str, Any]) -> dict[str, Any]:
        return copy.deepcopy(refund)
