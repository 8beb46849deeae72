"""Request validation: 400s shaped like PayMongo's (``errors[]`` with ``source.pointer``)."""

from __future__ import annotations

from typing import Any, TypeGuard

from .models import (
    MIN_CHECKOUT_AMOUNT,
    MIN_REFUND_AMOUNT,
    REFUND_REASONS,
    SandboxError,
    error_item,
)


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def envelope_attributes(payload: Any) -> dict[str, Any]:
    """``payload["data"]["attributes"]`` or a 400."""
    data = payload.get("data") if isinstance(payload, dict) else None
    attributes = data.get("attributes") if isinstance(data, dict) else None
    if not isinstance(attributes, dict):
        raise SandboxError.one(
            400, "parameter_required", "data.attributes is required.", "data.attributes"
        )
    return attributes


def _line_item_errors(items: Any) -> tuple[list[dict[str, Any]], int]:
    pointer = "attributes.line_items"
    if not isinstance(items, list) or not items:
        detail = "line_items is required and must contain at least one item."
        return [error_item("parameter_required", detail, pointer)], 0
    errors: list[dict[str, Any]] = []
    total = 0
    for index, item in enumerate(items):
        at = f"{pointer}.{index}"
        if not isinstance(item, dict):
            errors.append(error_item("parameter_invalid", "line item must be an object.", at))
            continue
        amount, quantity = item.get("amount"), item.get("quantity")
        name = item.get("name")
        if not _is_int(amount) or amount <= 0:
            detail = "amount must be a positive integer (centavos)."
            errors.append(error_item("parameter_invalid", detail, f"{at}.amount"))
        if not _is_int(quantity) or quantity < 1:
            detail = "quantity must be an integer of at least 1."
            errors.append(error_item("parameter_invalid", detail, f"{at}.quantity"))
        if item.get("currency") != "PHP":
            detail = "currency must be PHP."
            errors.append(error_item("parameter_invalid", detail, f"{at}.currency"))
        if not isinstance(name, str) or not name.strip():
            errors.append(error_item("parameter_required", "name is required.", f"{at}.name"))
        if _is_int(amount) and _is_int(quantity):
            total += amount * quantity
    return errors, total


def validate_checkout(attributes: dict[str, Any], allowed_methods: tuple[str, ...]) -> None:
    errors, total = _line_item_errors(attributes.get("line_items"))
    if not errors and total < MIN_CHECKOUT_AMOUNT:
        detail = f"amount must be at least {MIN_CHECKOUT_AMOUNT}."
        errors.append(error_item("parameter_invalid", detail, "attributes.line_items"))
    methods = attributes.get("payment_method_types")
    pointer = "attributes.payment_method_types"
    if not isinstance(methods, list) or not methods:
        detail = "payment_method_types is required and must not be empty."
        errors.append(error_item("parameter_required", detail, pointer))
    else:
        for method in methods:
            if method not in allowed_methods:
                detail = (
                    f"payment_method_types contains {method!r}, which is not enabled "
                    f"(allowed: {', '.join(allowed_methods)})."
                )
                errors.append(error_item("parameter_invalid", detail, pointer))
    for key in ("success_url", "cancel_url", "reference_number", "description"):
        value = attributes.get(key)
        if value is not None and not isinstance(value, str):
            detail = f"{key} must be a string."
            errors.append(error_item("parameter_format_invalid", detail, f"attributes.{key}"))
    for key in ("send_email_receipt", "show_description", "show_line_items"):
        value = attributes.get(key)
        if value is not None and not isinstance(value, bool):
            detail = f"{key} must be a boolean."
            errors.append(error_item("parameter_format_invalid", detail, f"attributes.{key}"))
    for key in ("billing", "metadata"):
        value = attributes.get(key)
        if value is not None and not isinstance(value, dict):
            detail = f"{key} must be an object."
            errors.append(error_item("parameter_format_invalid", detail, f"attributes.{key}"))
    if errors:
        raise SandboxError(400, errors)


def validate_refund(attributes: dict[str, Any]) -> None:
    errors: list[dict[str, Any]] = []
    amount = attributes.get("amount")
    if not _is_int(amount):
        detail = "amount is required and must be an integer (centavos)."
        errors.append(error_item("parameter_required", detail, "attributes.amount"))
    elif amount < MIN_REFUND_AMOUNT:
        detail = f"amount must be at least {MIN_REFUND_AMOUNT}."
        errors.append(error_item("parameter_invalid", detail, "attributes.amount"))
    payment_id = attributes.get("payment_id")
    if not isinstance(payment_id, str) or not payment_id:
        detail = "payment_id is required."
        errors.append(error_item("parameter_required", detail, "attributes.payment_id"))
    if attributes.get("reason") not in REFUND_REASONS:
        detail = f"reason must be one of {', '.join(sorted(REFUND_REASONS))}."
        errors.append(error_item("parameter_invalid", detail, "attributes.reason"))
    notes = attributes.get("notes")
    if notes is not None and (not isinstance(notes, str) or len(notes) > 255):
        detail = "notes must be a string of at most 255 characters."
        errors.append(error_item("parameter_invalid", detail, "attributes.notes"))
    metadata = attributes.get("metadata")
    if metadata is not None and (
        not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values())
    ):
        detail = "metadata must be an object with string values."
        errors.append(error_item("parameter_invalid", detail, "attributes.metadata"))
    if errors:
        raise SandboxError(400, errors)
