"""Provider-neutral payment gateway interface.

The rest of the app talks to payments only through these types, so the
provider (PayMongo today) can be swapped or faked without touching callers.
Money is always an integer number of centavos.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "Billing",
    "CheckoutRequest",
    "CheckoutSession",
    "GatewayError",
    "GatewayRejected",
    "GatewayUnavailable",
    "PaymentGateway",
    "Refund",
]


def _require_centavos(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int number of centavos, got {type(value).__name__}")


@dataclass(frozen=True)
class Billing:
    name: str
    email: str
    phone: str
    line1: str
    city: str
    postal_code: str
    country: str = "PH"


@dataclass(frozen=True)
class CheckoutRequest:
    reference_number: str
    line_item_name: str
    amount_centavos: int
    payment_method_types: tuple[str, ...]
    success_url: str
    cancel_url: str
    idempotency_key: str
    billing: Billing | None = None
    description: str | None = None

    def __post_init__(self) -> None:
        _require_centavos("amount_centavos", self.amount_centavos)
        if self.amount_centavos <= 0:
            raise ValueError("amount_centavos must be positive")
        if isinstance(self.payment_method_types, str):
            raise TypeError("payment_method_types must be a sequence of strings, not a string")
        # Accept any sequence but store a tuple so the dataclass stays hashable.
        object.__setattr__(self, "payment_method_types", tuple(self.payment_method_types))
        if not self.payment_method_types:
            raise ValueError("payment_method_types must not be empty")
        if not self.idempotency_key:
            raise ValueError("idempotency_key must not be empty")


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    checkout_url: str
    status: str  # "active" | "expired"
    paid: bool
    payment_id: str | None
    reference_number: str | None
    amount_centavos: int  # what the session asks for (its line items)
    livemode: bool
    # What the paid payment actually carried (None while unpaid or when the provider did not
    # say): compare both with the order's total before treating the order as paid.
    paid_amount_centavos: int | None = None
    paid_currency: str | None = None


@dataclass(frozen=True)
class Refund:
    id: str
    status: str
    amount_centavos: int
    payment_id: str


class GatewayError(Exception):
    """A payment provider call failed.

    ``message`` is meant for logs and operators (not end users), ``status_code``
    is the provider's HTTP status when there was one, ``code`` the provider's
    machine-readable error code (e.g. ``parameter_invalid``) when known.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        code: str | None = None,
        errors: tuple[dict[str, Any], ...] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.code = code
        self.errors = errors

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, status_code={self.status_code!r}, "
            f"code={self.code!r})"
        )


class GatewayUnavailable(GatewayError):
    """The provider is down or slow (timeout, connection error, 5xx, 429).

    The same request may succeed later; creates should be retried with the
    same idempotency key.
    """


class GatewayRejected(GatewayError):
    """The provider refused the request (4xx: validation, not found, auth).

    Retrying the same request will not help.
    """


@runtime_checkable
class PaymentGateway(Protocol):
    async def create_checkout_session(self, request: CheckoutRequest) -> CheckoutSession: ...

    async def retrieve_checkout_session(self, session_id: str) -> CheckoutSession: ...

    async def expire_checkout_session(self, session_id: str) -> CheckoutSession: ...

    async def create_refund(
        self, *, payment_id: str, amount_centavos: int, reason: str, idempotency_key: str
    ) -> Refund: ...
