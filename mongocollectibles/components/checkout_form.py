"""Checkout form pieces: a labelled text field with its inline error, the payment method cards."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx
from reflex.event import EventType

from mongocollectibles.services.site import METHODS


def text_field(
    name: str,
    label: str,
    error: rx.Var,
    on_blur: EventType,
    *,
    placeholder: str = "",
    input_type: str = "text",
    autocomplete: str = "on",
    input_mode: str | None = None,
    hint: str = "",
) -> rx.Component:
    """A labelled input (`id=field-NAME`) with its error below (`id=error-NAME`)."""
    extra = {"input_mode": input_mode} if input_mode else {}
    return rx.vstack(
        rx.el.label(label, html_for=f"field-{name}", style={"font_weight": "500"}),
        rx.input(
            id=f"field-{name}",
            name=name,
            type=input_type,
            placeholder=placeholder,
            auto_complete=autocomplete,
            on_blur=on_blur,
            size="3",
            width="100%",
            color_scheme=rx.cond(error != "", "red", "indigo"),
            variant=rx.cond(error != "", "soft", "surface"),
            aria_invalid=rx.cond(error != "", "true", "false"),
            aria_describedby=f"error-{name}",
            **extra,
        ),
        rx.cond(
            error != "",
            rx.text(error, id=f"error-{name}", color=rx.color("red", 11), size="2", role="alert"),
            rx.text(hint, id=f"error-{name}", color=rx.color("gray", 11), size="1"),
        ),
        spacing="1",
        width="100%",
    )


def payment_methods(value: rx.Var, on_change: EventType) -> rx.Component:
    return rx.vstack(
        rx.text("Payment method", weight="medium", id="payment-method-label"),
        rx.radio_cards.root(
            *[
                rx.radio_cards.item(
                    rx.hstack(
                        rx.icon(method.icon, size=18, aria_hidden="true"),
                        rx.text(method.label, size="2"),
                        align="center",
                        spacing="2",
                    ),
                    value=method.code,
                    id=f"method-{method.code}",
                )
                for method in METHODS
            ],
            value=value,
            on_value_change=on_change,
            columns=rx.breakpoints(initial="2", md="3"),
            size="1",
            width="100%",
            aria_labelledby="payment-method-label",
        ),
        width="100%",
        spacing="2",
    )


def billing_fields(errors: rx.Var, on_blur: Callable[[str], EventType]) -> list[rx.Component]:
    """The six billing inputs; `errors` is a {field: message} var, `on_blur(field)` validates."""
    return [
        text_field(
            "name",
            "Full name",
            errors["name"],
            on_blur("name"),
            placeholder="Juan dela Cruz",
            autocomplete="name",
        ),
        text_field(
            "email",
            "Email",
            errors["email"],
            on_blur("email"),
            placeholder="juan@example.com",
            input_type="email",
            autocomplete="email",
            hint="Your receipt and pickup details go here.",
        ),
        text_field(
            "phone",
            "Mobile number",
            errors["phone"],
            on_blur("phone"),
            placeholder="0917 123 4567",
            input_type="tel",
            autocomplete="tel",
            input_mode="tel",
            hint="A Philippine number, e.g. 0917 123 4567.",
        ),
        text_field(
            "address",
            "Address",
            errors["address"],
            on_blur("address"),
            placeholder="12 Mabini Street, Ermita",
            autocomplete="street-address",
        ),
        rx.grid(
            text_field(
                "city",
                "City",
                errors["city"],
                on_blur("city"),
                placeholder="Manila",
                autocomplete="address-level2",
            ),
            text_field(
                "postal_code",
                "Postal code",
                errors["postal_code"],
                on_blur("postal_code"),
                placeholder="1000",
                autocomplete="postal-code",
                input_mode="numeric",
            ),
            columns=rx.breakpoints(initial="1", sm="2"),
            spacing="3",
            width="100%",
        ),
    ]
