"""`/payment/success` and `/payment/failed` (`?rental_id=..&token=..`): where PayMongo sends the
customer back. They show the rental's real status (never marking anything paid themselves),
wait for the confirmation, and offer retry or cancel while the payment is pending."""

from __future__ import annotations

import asyncio
import json

import reflex as rx

from mongocollectibles.components.layout import NO_REFERRER, page_layout
from mongocollectibles.components.order_summary import OrderSummary, order_summary
from mongocollectibles.components.rental_status import (
    RentalStatus,
    cancel_rental_button,
    missing_rental_alert,
    notice,
    rental_display,
    rental_facts,
    retry_payment_link,
)
from mongocollectibles.domain import status
from mongocollectibles.domain.errors import DomainError, NotFound
from mongocollectibles.payments.methods import METHOD_LABELS, is_known
from mongocollectibles.services import pay_again, rentals
from mongocollectibles.services.payment_gateway import get_gateway
from mongocollectibles.state.live import tab_is_open
from mongocollectibles.state.store_choice import StoreChoiceState
from mongocollectibles.wiring import default_uow

WAIT_STEPS = [1, 1, 2, 2, 2, 3, 3, 3, 5, 5, 5, 8]  # ~40 s of checking, then a clear next step


class PaymentResultState(rx.State):
    missing: str = ""
    loaded: bool = False
    rental: RentalStatus = RentalStatus()
    summary: OrderSummary = OrderSummary()
    waiting: bool = False
    cancelling: bool = False
    switching: bool = False
    other_method: str = ""
    _order_id: str = ""
    _token: str = ""
    _waiters: int = 0

    @rx.var
    def order_href(self) -> str:
        return f"/orders/{self.rental.id}?token={self._token}" if self.rental.id else "/"

    def _show(self, view: rentals.RentalView) -> None:
        self.rental, self.summary = rental_display(view)
        if not self.other_method or self.other_method == view.payment_method:
            self.other_method = "card" if view.payment_method != "card" else "gcash"

    @rx.event
    async def load(self):
        query = self.router.url.query_parameters
        self._order_id, self._token = query.get("rental_id", ""), query.get("token", "")
        self.loaded, self.missing, self.waiting = False, "", False
        try:
            view = await rentals.refresh_rental_status(
                self._order_id, self._token, gateway=get_gateway(), uow=default_uow()
            )
        except NotFound as error:
            self.missing, self.loaded = error.message, True
            return
        self._show(view)
        self.loaded = True
        on_success_page = self.router.url.path.startswith("/payment/success")
        if view.status == status.PENDING_PAYMENT and on_success_page:
            self.waiting = True
            return PaymentResultState.wait_for_payment

    @rx.event(background=True)
    async def wait_for_payment(self):
        """Confirm with PayMongo a few times (the webhook may be on its way), then stop."""
        async with self:
            self._waiters += 1
            if self._waiters > 1:  # one waiter per tab
                self._waiters -= 1
                return
            order_id, token = self._order_id, self._token
            client = self.router.session.client_token
        try:
            for delay in WAIT_STEPS:
                await asyncio.sleep(delay)
                if not tab_is_open(client):
                    return
                try:
                    view = await rentals.refresh_rental_status(
                        order_id, token, gateway=get_gateway(), uow=default_uow()
                    )
                except DomainError:
                    return
                async with self:
                    if self._order_id != order_id:
                        return  # the tab moved on to another rental
                    self._show(view)
                    if not self.rental.pending:
                        self.waiting = False
                        return
        finally:
            async with self:
                self._waiters -= 1
                if self._order_id == order_id:
                    self.waiting = False

    @rx.event
    def set_other_method(self, value: str):
        if is_known(value):
            self.other_method = value

    @rx.event(background=True)
    async def pay_another_way(self):
        """A new checkout session with the chosen method, for the same held unit."""
        async with self:
            if self.switching or not self.rental.pending or not self.other_method:
                return
            self.switching = True
            order_id, token, method = self._order_id, self._token, self.other_method
        try:
            switch = await pay_again.pay_with_method(
                order_id, token, method, gateway=get_gateway(), uow=default_uow()
            )
        except DomainError as error:
            async with self:
                self.switching = False
            return rx.toast.error(error.message)
        async with self:
            self.switching = False
        # A full page load to the payment page (not a client-side route, not a new tab).
        return rx.call_script(f"window.location.assign({json.dumps(switch.payment_url)})")

    @rx.event
    def check_again(self):
        self.waiting = True
        return PaymentResultState.wait_for_payment

    @rx.event(background=True)
    async def cancel(self):
        async with self:
            if self.cancelling or not self.rental.pending:
                return
            self.cancelling = True
            order_id, token = self._order_id, self._token
        try:
            view = await rentals.cancel_rental(
                order_id, token, gateway=get_gateway(), uow=default_uow()
            )
        except rentals.AlreadyPaid as error:  # paid at PayMongo meanwhile: show it as paid
            view = await rentals.get_rental(order_id, token, uow=default_uow())
            async with self:
                self.cancelling = False
                self._show(view)
            return rx.toast.info(error.message)
        except DomainError as error:
            async with self:
                self.cancelling = False
            return rx.toast.error(error.message)
        async with self:
            self.cancelling = False
            self._show(view)
        return rx.toast.success("Rental cancelled. The unit is released; nothing was charged.")


def status_notice(kind: str) -> rx.Component:
    S = PaymentResultState
    R = S.rental
    back = rx.link("Browse the catalog", href="/", id="back-to-catalog")
    waiting = notice(
        "blue",
        "credit-card",
        "Confirming your payment with PayMongo...",
        rx.hstack(rx.spinner(size="2"), rx.text("This usually takes a few seconds.")),
        notice_id="payment-waiting",
    )
    not_done = "No payment received" if kind == "failed" else "Payment not confirmed yet"
    pending = notice(
        "amber",
        "clock",
        rx.cond(R.payment_failed, "Your payment was declined", not_done),
        rx.text(
            rx.cond(R.payment_failed, "Nothing was charged. ", ""),
            R.hold_text,
            " Try paying again, pay another way, or cancel the rental.",
        ),
        rx.flex(
            retry_payment_link(R, "Try paying again"),
            rx.button("Check again", on_click=S.check_again, variant="soft", size="3")
            if kind == "success"
            else rx.fragment(),
            cancel_rental_button(S.cancel, S.cancelling),
            spacing="3",
            wrap="wrap",
        ),
        another_method(),
        notice_id="payment-pending",
    )
    paid = notice(
        "grass",
        "circle_check",
        "Payment received: your rental is confirmed",
        rx.text(R.pickup_text),
        rx.link(
            "View your order status",
            href=S.order_href,
            id="order-link",
            weight="bold",
            high_contrast=True,  # the green link on the green notice was 4.48:1
            underline="always",
        ),
        notice_id="payment-paid",
    )
    ended = notice(
        "gray",
        "circle_x",
        rx.match(
            R.status,
            (status.CANCELLED, "This rental is cancelled"),
            (status.EXPIRED, "This rental expired"),
            (status.REFUNDED, "This rental was refunded"),
            "This rental is closed",
        ),
        rx.text(
            rx.match(
                R.status,
                (status.EXPIRED, "The payment did not arrive in time, so the unit was released. "),
                (status.REFUNDED, "Your payment was refunded. "),
                "The unit was released and nothing was charged. ",
            ),
            R.refund_note,
        ),
        back,
        notice_id="payment-ended",
    )
    return rx.cond(
        R.pending,
        rx.cond(S.waiting, waiting, pending),
        rx.cond(R.paid | (R.status == status.RETURNED), paid, ended),
    )


def another_method() -> rx.Component:
    S = PaymentResultState
    return rx.hstack(
        rx.select.root(
            rx.select.trigger(placeholder="Another payment method", aria_label="Pay another way"),
            rx.select.content(
                *(rx.select.item(label, value=code) for code, label in METHOD_LABELS.items())
            ),
            value=S.other_method,
            on_change=S.set_other_method,
        ),
        rx.button(
            "Pay another way",
            on_click=S.pay_another_way,
            loading=S.switching,
            variant="outline",
            high_contrast=True,
            size="2",
            id="pay-another-way",
        ),
        spacing="2",
        wrap="wrap",
        align="center",
    )


def result_page(kind: str) -> rx.Component:
    S = PaymentResultState
    unpaid = "Your payment" if kind == "success" else "Payment not completed"
    title = rx.cond(S.rental.paid, "Thank you!", unpaid)
    return page_layout(
        rx.heading(title, size="7", as_="h1", margin_bottom="16px"),
        rx.cond(
            ~S.loaded,
            rx.center(rx.spinner(size="3"), padding="64px", aria_label="Loading your rental"),
            rx.cond(
                S.missing != "",
                missing_rental_alert(S.missing),
                rx.vstack(
                    status_notice(kind),
                    rx.grid(
                        rx.card(rental_facts(S.rental)),
                        order_summary(S.summary, title="Your rental"),
                        columns=rx.breakpoints(initial="1", md="2"),
                        spacing="4",
                        align="start",
                        width="100%",
                    ),
                    spacing="4",
                    width="100%",
                ),
            ),
        ),
        show_store=False,
    )


def success_page() -> rx.Component:
    return result_page("success")


def failed_page() -> rx.Component:
    return result_page("failed")


def register(app: rx.App) -> None:
    on_load = [PaymentResultState.load, StoreChoiceState.load]
    # The URLs carry the rental's token: no Referer to anything the pages link to.
    for page, route, title in (
        (success_page, "/payment/success", "Your payment - MongoCollectibles"),
        (failed_page, "/payment/failed", "Payment not completed - MongoCollectibles"),
    ):
        app.add_page(page, route=route, title=title, on_load=on_load, meta=NO_REFERRER)
