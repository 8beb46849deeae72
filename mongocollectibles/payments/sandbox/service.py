"""The sandbox facade: state + webhooks + fault switches, shared by all routes."""

from __future__ import annotations

import math
from dataclasses import fields
from typing import Any

from .models import (
    CREATE_CHECKOUT_FAULTS,
    WEBHOOK_FAULTS,
    Faults,
    SandboxConfig,
    SandboxError,
    error_item,
)
from .store import SessionRecord, Store
from .webhooks import WebhookDispatcher


class Sandbox:
    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.faults = Faults()
        self.store = Store(config)
        self.webhooks = WebhookDispatcher(config, self.faults)

    def reset(self) -> None:
        """Forget every resource and event, cancel pending deliveries, clear faults."""
        self.store.clear()
        self.webhooks.clear()
        for f in fields(Faults):
            setattr(self.faults, f.name, f.default)

    async def aclose(self) -> None:
        await self.webhooks.aclose()

    def pay(self, session_id: str, method: str | None = None) -> SessionRecord:
        record, payment = self.store.pay_session(session_id, method)
        if payment is not None:  # not already paid: announce it
            self.webhooks.emit("checkout_session.payment.paid", self.store.render_session(record))
            self.webhooks.emit("payment.paid", self.store.render_payment(payment))
        return record

    def fail(self, session_id: str, method: str | None = None) -> SessionRecord:
        record, payment = self.store.fail_session(session_id, method)
        self.webhooks.emit("payment.failed", self.store.render_payment(payment))
        return record

    def refund(self, attributes: dict[str, Any]) -> dict[str, Any]:
        refund, payment = self.store.create_refund(attributes)
        self.webhooks.emit("payment.refunded", self.store.render_payment(payment))
        return self.store.render_refund(refund)

    def update_faults(self, changes: Any) -> Faults:
        if not isinstance(changes, dict):
            raise SandboxError.one(400, "parameter_invalid", "body must be a JSON object.")
        errors = []
        allowed = {f.name for f in fields(Faults)}
        for key in changes:
            if key not in allowed:
                errors.append(error_item("parameter_invalid", f"unknown fault {key!r}.", key))
        create = changes.get("create_checkout", self.faults.create_checkout)
        if create not in CREATE_CHECKOUT_FAULTS:
            detail = f"create_checkout must be one of {', '.join(CREATE_CHECKOUT_FAULTS)}."
            errors.append(error_item("parameter_invalid", detail, "create_checkout"))
        hooks = changes.get("webhooks", self.faults.webhooks)
        if hooks not in WEBHOOK_FAULTS:
            detail = f"webhooks must be one of {', '.join(WEBHOOK_FAULTS)}."
            errors.append(error_item("parameter_invalid", detail, "webhooks"))
        seconds = changes.get("timeout_seconds", self.faults.timeout_seconds)
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, int | float)
            or not math.isfinite(seconds)
            or not 0 <= seconds <= 600
        ):
            detail = "timeout_seconds must be a number between 0 and 600."
            errors.append(error_item("parameter_invalid", detail, "timeout_seconds"))
        if errors:
            raise SandboxError(400, errors)
        self.faults.create_checkout = create
        self.faults.webhooks = hooks
        self.faults.timeout_seconds = float(seconds)
        return self.faults
