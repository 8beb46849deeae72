"""Configuration, fault switches, errors and PayMongo-shaped resource builders."""

from __future__ import annotations

import secrets
import string
import time
from dataclasses import asdict, dataclass
from typing import Any

from ..methods import METHOD_CODES

# The sandbox enables the methods the shop offers unless told otherwise.
DEFAULT_METHODS: tuple[str, ...] = METHOD_CODES
# PayMongo retries up to 12 times with exponential backoff (~136 min in total).
# The sandbox compresses that into about 7 minutes.
DEFAULT_RETRY_DELAYS: tuple[float, ...] = (
    0.5,
    1.0,
    2.0,
    4.0,
    8.0,
    16.0,
    32.0,
    60.0,
    60.0,
    60.0,
    60.0,
    60.0,
)
REFUND_REASONS = frozenset({"duplicate", "fraudulent", "requested_by_customer", "others"})
MIN_CHECKOUT_AMOUNT = 2000
MIN_REFUND_AMOUNT = 100
CREATE_CHECKOUT_FAULTS = ("ok", "error_500", "error_429", "timeout")
WEBHOOK_FAULTS = ("deliver", "drop", "duplicate")
_ID_ALPHABET = string.ascii_letters + string.digits


@dataclass
class SandboxConfig:
    secret_key: str
    webhook_secret: str
    webhook_url: str
    public_url: str
    livemode: bool = False
    allowed_methods: tuple[str, ...] = DEFAULT_METHODS
    webhook_retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS
    webhook_timeout: float = 30.0
    merchant: str = "MongoCollectibles"


@dataclass
class Faults:
    """Switches set through ``POST /_sandbox/faults``."""

    create_checkout: str = "ok"  # ok | error_500 | error_429 | timeout
    timeout_seconds: float = 15.0  # how long "timeout" sleeps before answering
    webhooks: str = "deliver"  # deliver | drop | duplicate

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class SandboxError(Exception):
    """An error answered in PayMongo's shape: ``{"errors": [{code, detail, source}]}``."""

    def __init__(self, status_code: int, errors: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(str(e.get("detail")) for e in errors))
        self.status_code = status_code
        self.errors = errors

    @classmethod
    def one(
        cls, status_code: int, code: str, detail: str, pointer: str | None = None
    ) -> SandboxError:
        return cls(status_code, [error_item(code, detail, pointer)])


def error_item(code: str, detail: str, pointer: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"code": code, "detail": detail}
    if pointer is not None:
        item["source"] = {"pointer": pointer, "attribute": pointer.rsplit(".", 1)[-1]}
    return item


def not_found(kind: str, resource_id: str) -> SandboxError:
    return SandboxError.one(
        404, "resource_not_found", f"No such {kind} with id {resource_id}.", "id"
    )


def new_id(prefix: str, length: int = 24) -> str:
    return prefix + "_" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(length))


def now() -> int:
    return int(time.time())


def format_php(centavos: int) -> str:
    """``3000000`` -> ``"30,000.00"`` (integer arithmetic only)."""
    sign = "-" if centavos < 0 else ""
    pesos, cents = divmod(abs(centavos), 100)
    return f"{sign}{pesos:,}.{cents:02d}"


def normalize_billing(raw: dict[str, Any] | None) -> dict[str, Any]:
    raw = raw or {}
    address = raw.get("address") or {}
    keys = ("city", "country", "line1", "line2", "postal_code", "state")
    return {
        "address": {k: address.get(k) for k in keys},
        "email": raw.get("email"),
        "name": raw.get("name"),
        "phone": raw.get("phone"),
    }


def intent_attributes(
    config: SandboxConfig,
    *,
    amount: int,
    description: str | None,
    methods: list[str],
    metadata: dict[str, Any] | None,
    intent_id: str,
    t: int,
) -> dict[str, Any]:
    return {
        "amount": amount,
        "capture_type": "automatic",
        "client_key": f"{intent_id}_client_{new_id('k')[2:]}",
        "currency": "PHP",
        "description": description,
        "livemode": config.livemode,
        "original_amount": amount,
        "statement_descriptor": config.merchant,
        "status": "awaiting_payment_method",
        "last_payment_error": None,
        "payment_method_allowed": list(methods),
        "next_action": None,
        "payment_method_options": {"card": {"request_three_d_secure": "any"}},
        "metadata": metadata,
        "setup_future_usage": None,
        "created_at": t,
        "updated_at": t,
    }


def payment_attributes(
    config: SandboxConfig,
    session_attrs: dict[str, Any],
    *,
    amount: int,
    status: str,
    method: str,
    intent_id: str,
    t: int,
) -> dict[str, Any]:
    """A Payment resource's attributes for a checkout session payment attempt."""
    paid = status == "paid"
    fee = amount * 25 // 1000 if paid else 0  # a flat 2.5% sandbox fee, integer centavos
    reference = session_attrs.get("reference_number")
    metadata = dict(session_attrs.get("metadata") or {})
    if reference is not None:
        metadata["reference_number"] = reference
    source_prefix = "card" if method == "card" else "src"
    return {
        "access_url": None,
        "amount": amount,
        "balance_transaction_id": new_id("bal_txn") if paid else None,
        "billing": session_attrs.get("billing"),
        "currency": "PHP",
        "description": session_attrs.get("description"),
        "disputed": False,
        "external_reference_number": reference,
        "failed_code": None if paid else "generic_decline",
        "failed_message": None if paid else "The payment failed (sandbox Fail button).",
        "fee": fee,
        "foreign_fee": 0,
        "livemode": config.livemode,
        "net_amount": amount - fee,
        "origin": "api",
        "payment_intent_id": intent_id,
        "payout": None,
        "source": {"id": new_id(source_prefix), "type": method},
        "statement_descriptor": config.merchant,
        "status": status,
        "tax_amount": None,
        "metadata": metadata or None,
        "refunds": [],
        "taxes": [],
        "available_at": t + 3 * 24 * 3600 if paid else None,
        "created_at": t,
        "credited_at": None,
        "paid_at": t if paid else None,
        "updated_at": t,
    }


def refund_resource(
    config: SandboxConfig, attributes: dict[str, Any], payment_id: str, t: int
) -> dict[str, Any]:
    """A Refund resource; the sandbox settles refunds at once (``succeeded``)."""
    return {
        "id": new_id("ref"),
        "type": "refund",
        "attributes": {
            "amount": attributes["amount"],
            "balance_transaction_id": new_id("bal_txn"),
            "currency": "PHP",
            "livemode": config.livemode,
            "metadata": attributes.get("metadata"),
            "notes": attributes.get("notes"),
            "payment_id": payment_id,
            "payout_id": None,
            "reason": attributes["reason"],
            "status": "succeeded",
            "available_at": t,
            "created_at": t,
            "refunded_at": t,
            "updated_at": t,
        },
    }
