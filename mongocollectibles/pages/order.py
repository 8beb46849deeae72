"""`/orders/[rental_id]?token=..`: a rental's status, pickup store, ETA and amounts, for whoever
holds its secret token (the link on the payment page and in the confirmation)."""

from __future__ import annotations

import reflex as rx

from mongocollectibles.components.layout import NO_REFERRER, page_layout
from mongocollectibles.components.order_summary import OrderSummary, order_summary
from mongocollectibles.components.rental_status import (
    RentalStatus,
    missing_rental_alert,
    notice,
    rental_display,
    rental_facts,
    retry_payment_link,
)
from mongocollectibles.domain.errors import NotFound
from mongocollectibles.services import rentals
from mongocollectibles.services.payment_gateway import get_gateway
from mongocollectibles.state.store_choice import StoreChoiceState
from mongocollectibles.wiring import default_uow


class OrderState(rx.State):
    loaded: bool = False
    refreshing: bool = False
    missing: str = ""
    rental: RentalStatus = RentalStatus()
    summary: OrderSummary = OrderSummary()

    @rx.event
    async def load(self):
        self.loaded, self.missing = False, ""
        yield
        await self._read()
        self.loaded = True

    async def _read(self) -> None:
        token = self.router.url.query_parameters.get("token", "")
        try:
            # A pending payment is confirmed with PayMongo; otherwise this is a database read.
            view = await rentals.refresh_rental_status(
                self.rental_id, token, gateway=get_gateway(), uow=default_uow()
            )
        except NotFound as error:
            self.missing = error.message
            return
        self.rental, self.summary = rental_display(view)

    @rx.event
    async def refresh(self):
        self.refreshing = True
        yield
        await self._read()
        self.refreshing = False


def order_page() -> rx.Component:
    S = OrderState
    R = S.rental
    return page_layout(
        rx.hstack(
            rx.heading("Your rental", size="7", as_="h1"),
            rx.button(
                rx.icon("refresh-cw", size=16),
                "Refresh",
                on_click=S.refresh,
                loading=S.refreshing,
                variant="soft",
                id="refresh-order",
                aria_label="Refresh the rental status",
            ),
            justify="between",
            align="center",
            width="100%",
            margin_bottom="16px",
        ),
        rx.cond(
            ~S.loaded,
            rx.center(rx.spinner(size="3"), padding="64px"),
            rx.cond(
                S.missing != "",
                missing_rental_alert(S.missing),
                rx.vstack(
                    notice(
                        R.color,
                        "info",
                        R.status_label,
                        rx.text(R.pickup_text, id="order-pickup"),
                        rx.cond(R.hold_text != "", rx.text(R.hold_text)),
                        rx.cond(R.refund_note != "", rx.text(R.refund_note)),
                        retry_payment_link(R, "Pay now"),
                        rx.cond(
                            R.payment_failed,
                            rx.text("Your last payment attempt was declined; nothing was charged."),
                        ),
                        notice_id="order-status",
                    ),
                    rx.grid(
                        rx.card(rental_facts(R)),
                        order_summary(S.summary, title="What you rented"),
                        columns=rx.breakpoints(initial="1", md="2"),
                        spacing="4",
                        align="start",
                        width="100%",
                    ),
                    rx.text(
                        "Keep this page's link, or find it again with your email and order "
                        "code at /orders.",
                        size="1",
                        color=rx.color("gray", 11),
                    ),
                    spacing="4",
                    width="100%",
                ),
            ),
        ),
        show_store=False,
    )


def register(app: rx.App) -> None:
    app.add_page(
        order_page,
        route="/orders/[rental_id]",
        title="Your rental - MongoCollectibles",
        on_load=[OrderState.load, StoreChoiceState.load],
        meta=NO_REFERRER,  # the URL carries the rental's token
    )
