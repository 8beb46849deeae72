"""A rental as its customer sees it: status, what, where and when, for the payment result and
order pages. `rental_display` turns a service RentalView into display-ready text."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING

import reflex as rx
from reflex.event import EventType

from mongocollectibles.components.order_summary import OrderSummary
from mongocollectibles.components.price import day_text
from mongocollectibles.domain import status
from mongocollectibles.domain.price_text import SHORT_RATE
from mongocollectibles.domain.pricing import format_php
from mongocollectibles.domain.receipt import vat_statement
from mongocollectibles.services.site import method_label

if TYPE_CHECKING:
    from mongocollectibles.services.rentals import RentalView

MANILA = timezone(timedelta(hours=8), "PHT")  # no daylight saving time
PAID_STATUSES = {status.PAID, status.READY_FOR_PICKUP, status.PICKED_UP}
STATUS_COLORS = {
    status.PENDING_PAYMENT: "amber",
    status.PAID: "grass",
    status.READY_FOR_PICKUP: "grass",
    status.PICKED_UP: "blue",
    status.RETURNED: "gray",
    status.CANCELLED: "gray",
    status.EXPIRED: "gray",
    status.REFUNDED: "purple",
}


@dataclasses.dataclass
class RentalStatus:
    id: str = ""
    order_code: str = ""
    payment_failed: bool = False
    vat_text: str = ""
    store_hours: str = ""
    status: str = ""
    status_label: str = ""
    color: str = "gray"
    pending: bool = False
    paid: bool = False
    payment_url: str = ""
    payment_method: str = ""
    pickup_text: str = ""
    hold_text: str = ""
    customer: str = ""
    created_text: str = ""
    paid_text: str = ""
    refund_note: str = ""


def _local(moment: datetime | None, fmt: str = "%a %d %b %Y, %I:%M %p") -> str:
    if moment is None:
        return ""
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(MANILA).strftime(fmt)


def _pickup_text(view: RentalView) -> str:
    store = view.store_name
    when = f"{day_text(view.pickup_date)}; return it by {day_text(view.return_date)}"
    if view.status in PAID_STATUSES:
        if view.status == status.READY_FOR_PICKUP:
            return (
                f"Ready now at {store}, {view.store_address}. Bring a valid ID. "
                f"Return it by {day_text(view.return_date)}."
            )
        if view.status == status.PICKED_UP:
            return f"Picked up. Return it to {store} by {day_text(view.return_date)}."
        return (
            f"Pick it up at {store}, {view.store_address}, on {when}. "
            "Your order page shows when it is ready."
        )
    if view.status == status.PENDING_PAYMENT:
        return f"Pickup at {store}, {view.store_address}, on {when} (once paid)."
    return f"Pickup store: {store}, {view.store_address}."


def rental_display(view: RentalView) -> tuple[RentalStatus, OrderSummary]:
    pending = view.status == status.PENDING_PAYMENT
    rental_status = RentalStatus(
        id=view.id,
        order_code=view.order_code,
        payment_failed=view.payment_failed,
        vat_text=vat_statement(view.total_centavos),
        store_hours=view.store_hours,
        status=view.status,
        status_label=view.status_label,
        color=STATUS_COLORS.get(view.status, "gray"),
        pending=pending,
        paid=view.status in PAID_STATUSES,
        payment_url=(view.payment_url or "") if pending else "",
        payment_method=method_label(view.payment_method),
        pickup_text=_pickup_text(view),
        hold_text=(
            f"Your unit is held for you until {_local(view.hold_expires_at, '%I:%M %p')} "
            "(Manila time)."
            if pending and view.hold_expires_at
            else ""
        ),
        customer=f"{view.customer_name} ({view.customer_email})",
        created_text=_local(view.created_at),
        paid_text=_local(view.paid_at),
        refund_note="A refund is being arranged for this payment." if view.needs_refund else "",
    )
    summary = OrderSummary(
        collectible_id=view.collectible_id,
        name=view.collectible_name,
        image_url=view.image_url,
        store_name=view.store_name,
        store_address=view.store_address,
        days=view.duration_days,
        daily_rate_text=format_php(view.daily_rate_centavos)
        + (f" ({SHORT_RATE})" if view.is_special_rate else ""),
        total_text=format_php(view.total_centavos),
        is_special=False,  # agreed and paid: no warning any more, just the rate's name
        eta_text="",  # the pickup text is shown in the status notice
        available=True,
        vat_text=vat_statement(view.total_centavos),
        pickup_text=day_text(view.pickup_date),
        return_text=day_text(view.return_date),
    )
    return rental_status, summary


def status_badge(s: RentalStatus) -> rx.Component:
    return rx.badge(
        s.status_label,
        color_scheme=s.color,
        size="3",
        id="rental-status",
        role="status",
        aria_label="Rental status",
    )


def retry_payment_link(s: RentalStatus, label: str = "Pay now") -> rx.Component:
    """A real page load to PayMongo's hosted checkout (not a client-side route)."""
    return rx.cond(
        s.payment_url != "",
        rx.link(
            rx.button(
                rx.icon("credit-card", size=16),
                label,
                size="3",
                color_scheme="indigo",
                id="retry-payment",
            ),
            href=s.payment_url,
            reload_document=True,
        ),
    )


def rental_facts(s: RentalStatus) -> rx.Component:
    return rx.data_list.root(
        rx.data_list.item(
            rx.data_list.label("Order code"),
            rx.data_list.value(
                rx.code(s.order_code, variant="ghost", size="3", weight="bold"), id="order-code"
            ),
        ),
        rx.data_list.item(rx.data_list.label("Status"), rx.data_list.value(status_badge(s))),
        rx.data_list.item(
            rx.data_list.label("Payment method"), rx.data_list.value(s.payment_method)
        ),
        rx.data_list.item(rx.data_list.label("Customer"), rx.data_list.value(s.customer)),
        rx.data_list.item(rx.data_list.label("Ordered"), rx.data_list.value(s.created_text)),
        rx.cond(
            s.paid_text != "",
            rx.data_list.item(rx.data_list.label("Paid"), rx.data_list.value(s.paid_text)),
        ),
        rx.data_list.item(
            rx.data_list.label("VAT"), rx.data_list.value(s.vat_text, id="order-vat")
        ),
        rx.cond(
            s.store_hours != "",
            rx.data_list.item(rx.data_list.label("Store hours"), rx.data_list.value(s.store_hours)),
        ),
        orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
        size="2",
    )


def notice(color: str, icon: str, title, *body, notice_id: str) -> rx.Component:
    """A status callout with a bold title (its accessible name) and any content below it."""
    return rx.callout.root(
        rx.callout.icon(rx.icon(icon)),
        rx.vstack(
            rx.text(title, weight="bold", size="4", id=f"{notice_id}-title"), *body, spacing="2"
        ),
        color_scheme=color,
        high_contrast=True,  # text at 4.5:1 or more on the tinted ground
        id=notice_id,
        role="status",
        aria_labelledby=f"{notice_id}-title",
        width="100%",
    )


def cancel_rental_button(on_confirm: EventType, cancelling: rx.Var) -> rx.Component:
    """'Cancel rental', confirmed in a dialog before `on_confirm` runs."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(
                "Cancel rental",
                color_scheme="red",
                variant="soft",
                high_contrast=True,
                size="3",
                loading=cancelling,
                id="cancel-rental",
            )
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Cancel this rental?"),
            rx.alert_dialog.description(
                "We release the unit and close the payment page. Nothing is charged."
            ),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Keep it", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(
                        "Yes, cancel", color_scheme="red", on_click=on_confirm, id="confirm-cancel"
                    )
                ),
                spacing="3",
                justify="end",
                margin_top="16px",
            ),
        ),
    )


def missing_rental_alert(message: rx.Var[str]) -> rx.Component:
    """Why no rental is shown (a wrong or old link), announced at once."""
    return rx.callout(
        message, icon="circle_alert", color_scheme="red", id="rental-missing", role="alert"
    )
