"""Money and quote rows shared by the collectible, checkout and order pages."""

from __future__ import annotations

from datetime import date

import reflex as rx

from mongocollectibles.domain.price_text import short_rate_name, threshold_saving


def price_row(label, value, *, value_id: str | None = None, strong: bool = False) -> rx.Component:
    """A label and its amount; the amount is a status named by the label ("Total": PHP ...)."""
    return rx.hstack(
        rx.text(label, size="2", color=rx.color("gray", 11)),
        rx.text(
            value,
            size="3" if strong else "2",
            weight="bold" if strong else "medium",
            id=value_id,
            role="status",
            aria_label=label,
        ),
        justify="between",
        width="100%",
    )


def special_rate_warning(message) -> rx.Component:
    return rx.callout(
        message,
        icon="triangle_alert",
        color_scheme="amber",
        size="1",
        id="special-rate-warning",
        role="alert",
        width="100%",
    )


def eta_phrase(eta_days: int | None, store_name: str) -> str:
    """Backend text for an ETA (days = the shipping warehouse's distance to the store)."""
    where = store_name.removeprefix("MongoCollectibles ") or "your store"
    if eta_days is None:
        return f"Not available for pickup at {where} right now"
    if eta_days == 0:
        return f"Ready for pickup at {where} today"
    unit = "day" if eta_days == 1 else "days"
    return f"Ready for pickup at {where} in about {eta_days} {unit}"


def special_rate_message(
    threshold_days: int,
    daily_text: str,
    base_text: str,
    *,
    multiplier_percent: int = 200,
    days: int | None = None,
    total_centavos: int | None = None,
    base_daily_centavos: int | None = None,
) -> str:
    """The short-rental rate explained; with the rental's days and total, also whether
    renting up to the threshold would cost less."""
    name = short_rate_name(threshold_days, multiplier_percent)
    text = (
        f"{name[0].upper()}{name[1:]}: rentals shorter than {threshold_days} days cost "
        f"{daily_text} a day instead of {base_text}."
    )
    if days is not None and total_centavos is not None and base_daily_centavos is not None:
        saving = threshold_saving(days, total_centavos, base_daily_centavos, threshold_days)
        if saving:
            return f"{text} {saving}"
    return f"{text} Rent for {threshold_days} days or more for the daily rate."


def day_text(day: date | None) -> str:
    """A customer-facing date: 'Tue 8 Dec 2026' ('' for none)."""
    if day is None:
        return ""
    return f"{day:%a} {day.day} {day:%b %Y}"


def dates_phrase(pickup: date | None, back: date | None) -> str:
    if pickup is None or back is None:
        return ""
    return f"Pick up {day_text(pickup)}, return by {day_text(back)}"
