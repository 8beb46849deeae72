"""What is being rented, where and for how long, and what it costs (checkout, payment pages)."""

from __future__ import annotations

import dataclasses

import reflex as rx

from mongocollectibles.components.collectible_card import collectible_image
from mongocollectibles.components.price import price_row, special_rate_warning


@dataclasses.dataclass
class OrderSummary:
    collectible_id: str = ""
    name: str = ""
    image_url: str = ""
    store_name: str = ""
    store_address: str = ""
    days: int = 0
    daily_rate_text: str = ""
    total_text: str = ""
    is_special: bool = False
    special_text: str = ""
    eta_text: str = ""
    available: bool = False
    vat_text: str = ""  # "Includes 12% VAT of PHP ..."
    pickup_text: str = ""  # 'Tue 8 Dec 2026'
    return_text: str = ""


def order_summary(s: OrderSummary, *, title: str = "Order summary", extra=None) -> rx.Component:
    """`s` is a state var holding an OrderSummary; `extra` goes under the amounts."""
    return rx.card(
        rx.vstack(
            rx.heading(title, size="4", as_="h2"),
            rx.hstack(
                rx.box(
                    collectible_image(s.image_url, s.name, eager=True),
                    width="96px",
                    flex_shrink="0",
                    border_radius="8px",
                    overflow="hidden",
                ),
                rx.vstack(
                    rx.text(s.name, weight="bold", id="summary-name"),
                    rx.text("Pickup: ", s.store_name, size="2", id="summary-store"),
                    rx.text(s.store_address, size="1", color=rx.color("gray", 11)),
                    spacing="1",
                ),
                align="start",
                width="100%",
            ),
            price_row("Daily rate", s.daily_rate_text, value_id="summary-daily-rate"),
            price_row("Duration", s.days.to_string() + " days", value_id="summary-days"),
            rx.cond(
                s.pickup_text != "",
                rx.vstack(
                    price_row("Pickup date", s.pickup_text, value_id="summary-pickup-date"),
                    price_row("Return by", s.return_text, value_id="summary-return-date"),
                    spacing="2",
                    width="100%",
                ),
            ),
            rx.separator(),
            price_row("Total", s.total_text, value_id="summary-total", strong=True),
            rx.cond(
                s.vat_text != "",
                rx.text(s.vat_text, size="1", color=rx.color("gray", 11), id="summary-vat"),
            ),
            rx.cond(s.is_special, special_rate_warning(s.special_text)),
            rx.cond(
                s.eta_text != "",
                rx.text(s.eta_text, size="2", id="summary-eta", color=rx.color("gray", 11)),
            ),
            extra if extra is not None else rx.fragment(),
            spacing="3",
            width="100%",
        ),
        role="region",
        aria_label=title,
        width="100%",
    )
