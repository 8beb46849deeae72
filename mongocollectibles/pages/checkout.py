"""`/checkout?collectible_id=..&store_id=..&duration=..[&pickup_date=..]`: billing details,
payment method,
order summary; the submit holds a unit and sends the customer to PayMongo's payment page."""

from __future__ import annotations

import dataclasses
import json
import uuid
from urllib.parse import urlencode

import reflex as rx

from mongocollectibles.components.alerts import problem_callout
from mongocollectibles.components.checkout_form import billing_fields, payment_methods
from mongocollectibles.components.layout import page_layout
from mongocollectibles.components.order_summary import OrderSummary, order_summary
from mongocollectibles.components.price import day_text, eta_phrase, special_rate_message
from mongocollectibles.domain.customer import customer_field_errors
from mongocollectibles.domain.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    OutOfStock,
)
from mongocollectibles.domain.pricing import format_php
from mongocollectibles.domain.receipt import vat_statement
from mongocollectibles.services import checkout, quotes, site
from mongocollectibles.services.payment_gateway import get_gateway
from mongocollectibles.state.live import LiveStockMixin, Shared
from mongocollectibles.state.store_choice import StoreChoiceState
from mongocollectibles.wiring import default_uow

FIELDS = ("name", "email", "phone", "address", "city", "postal_code")
NO_ERRORS = dict.fromkeys(FIELDS, "")
SOLD_OUT = "Out of stock at the moment: every unit is rented or on hold."
STARTED = "You have started paying for this order: Pay takes you back to it."


def order_summary_of(q: quotes.Quote, store: dict) -> OrderSummary:
    """The summary as the checkout shows it, from the quote (which knows the rules)."""
    daily = format_php(q.daily_rate_centavos)
    return OrderSummary(
        collectible_id=q.collectible_id,
        name=q.collectible_name,
        image_url=q.image_url,
        store_name=store["name"],
        store_address=store["address"],
        days=q.duration_days,
        daily_rate_text=daily,
        total_text=format_php(q.total_centavos),
        is_special=q.is_special_rate,
        special_text=special_rate_message(
            q.special_threshold_days,
            daily,
            format_php(q.base_daily_rate_centavos),
            multiplier_percent=q.special_multiplier_percent,
            days=q.duration_days,
            total_centavos=q.total_centavos,
            base_daily_centavos=q.base_daily_rate_centavos,
        ),
        eta_text=eta_phrase(q.eta_days, store["name"]) if q.available else not_servable(q),
        available=q.available,
        vat_text=vat_statement(q.total_centavos),
        pickup_text=day_text(q.pickup_date),
        return_text=day_text(q.return_date),
    )


def not_servable(q: quotes.Quote) -> str:
    """Why the order's day cannot be had, and the next day that can (stands beside Pay)."""
    if q.pickup_date is None:
        return SOLD_OUT
    booked = (
        f"Every unit is booked for those dates ({day_text(q.pickup_date)} to "
        f"{day_text(q.return_date)}) at this store."
    )
    if q.nearest_pickup_date is None:
        return f"{booked} No later day is free here either: try another store."
    return f"{booked} The next available pickup is {day_text(q.nearest_pickup_date)}."


def next_day(q: quotes.Quote) -> tuple[str, str]:
    """When the order's day cannot be served: the offer of the next day that can, and the
    link to this checkout for that day; ("", "") otherwise."""
    if q.available or q.nearest_pickup_date is None:
        return "", ""
    query = {
        "collectible_id": q.collectible_id,
        "store_id": q.store_id,
        "duration": q.duration_days,
        "pickup_date": q.nearest_pickup_date.isoformat(),
    }
    return f"Pick up on {day_text(q.nearest_pickup_date)} instead", f"/checkout?{urlencode(query)}"


class CheckoutState(LiveStockMixin, rx.State):
    loading: bool = True
    problem: str = ""  # the order itself is unusable (unknown item, bad duration)
    summary: OrderSummary = OrderSummary()
    # Kept for this tab's session (sessionStorage): Back from the payment page keeps it.
    payment_method: str = rx.SessionStorage("gcash", name="mc_checkout_method")
    errors: dict[str, str] = NO_ERRORS
    form_error: str = ""
    submitting: bool = False
    # The same order on the next day that can be served, when the chosen one cannot.
    next_day_href: str = ""
    next_day_text: str = ""
    # This tab has a checkout for this order (its own booking may be the one that makes the
    # day look taken; Pay goes back to it: the payment page, or the order once paid).
    checkout_started: bool = False
    _order: dict = {}
    _idempotency_key: str = ""

    @rx.var
    def pay_label(self) -> str:
        method = site.METHOD_LABELS.get(self.payment_method, "")
        return f"Pay {self.summary.total_text} with {method}"

    @rx.var
    def pay_blocked(self) -> bool:
        return not self.summary.available and not self.checkout_started

    async def _summarise(self) -> None:
        query = self.router.url.query_parameters
        choice = await self.get_state(StoreChoiceState)
        await choice.ensure_store()
        store = choice.store()
        cid, duration = query.get("collectible_id", ""), query.get("duration", "")
        pickup = query.get("pickup_date", "") or None
        order = {"collectible_id": cid, "store_id": store["id"], "duration": duration}
        # The day shown is the day paid for. Without one in the link: the earliest day as
        # first quoted for this order, kept (were it booked meanwhile, the reason shows
        # beside Pay; the order does not move to another day unseen).
        same = all(self._order.get(key) == value for key, value in order.items())
        kept = None if pickup or not same else self._order.get("pickup_date")
        try:
            try:
                q = await quotes.get_quote(
                    cid, store["id"], duration, pickup or kept, uow=default_uow()
                )
            except InvalidInput:
                if kept is None:
                    raise
                kept = None  # that day has passed meanwhile: the earliest again
                q = await quotes.get_quote(cid, store["id"], duration, None, uow=default_uow())
        except (InvalidInput, NotFound) as error:
            self.problem = error.message
            return
        self.problem = ""
        day = pickup or kept or (q.pickup_date.isoformat() if q.pickup_date else None)
        if day:
            order["pickup_date"] = day
        if order != self._order:  # one idempotency key per order: a double submit holds once
            self._order, self._idempotency_key = order, uuid.uuid4().hex
            self.checkout_started = False
        self.summary = self._shown(order_summary_of(q, store))
        self.next_day_text, self.next_day_href = next_day(q)

    def _shown(self, summary: OrderSummary) -> OrderSummary:
        if self.checkout_started and not summary.available:
            return dataclasses.replace(summary, eta_text=STARTED)
        return summary

    @rx.event
    async def load(self):
        self.loading, self.form_error, self.errors = True, "", NO_ERRORS
        self.submitting = False
        query = self.router.url.query_parameters
        self._show_stock(
            str(query.get("collectible_id", "")) or None
        )  # before reading (state/live.py)
        choice = await self.get_state(StoreChoiceState)
        await choice.ensure_store()
        wanted = query.get("store_id", "")
        if choice.store(wanted)["id"]:
            choice.store_id = wanted  # the store chosen on the collectible page
        await self._summarise()
        self.loading = False

    @rx.event
    async def store_changed(self):
        self.form_error = ""
        await self._summarise()

    @rx.event
    async def follow_store(self):
        """The store choice changed, maybe in another tab: the order follows it."""
        choice = await self.get_state(StoreChoiceState)
        if self.loading or self.problem or not choice.store_id:
            return
        if self._order and choice.store_id != self._order.get("store_id"):
            await self._summarise()

    @rx.event
    def set_payment_method(self, value: str):
        if site.is_known(value):
            self.payment_method = value

    @rx.event
    def check_field(self, field: str, value: str):
        """Inline validation when a field loses focus (an untouched empty field stays quiet)."""
        if field not in FIELDS or (not value.strip() and not self.errors.get(field)):
            return
        self.errors = {**self.errors, field: customer_field_errors({field: value}).get(field, "")}

    @rx.event(background=True)
    async def submit(self, form: dict):
        async with self:
            if self.submitting or self.problem:
                return
            customer = {key: str(form.get(key, "")).strip() for key in FIELDS}
            errors = customer_field_errors(customer)
            self.errors, self.form_error = {**NO_ERRORS, **errors}, ""
            if errors:
                first = next(key for key in FIELDS if key in errors)
                return [rx.set_focus(f"field-{first}"), rx.toast.error("Please check the form.")]
            self.submitting = True
            data = {**self._order, "payment_method": self.payment_method, "customer": customer}
            key = self._idempotency_key
            client_ip = self.router.session.client_ip or None
        try:
            result = await checkout.start_checkout(
                data,
                gateway=get_gateway(),
                idempotency_key=key,
                client_ip=client_ip,
                uow=default_uow(),
            )
        except DomainError as error:  # out of stock, provider down, too many, a rule broken...
            async with self:
                self.submitting, self.form_error = False, error.message
                field = getattr(error, "field", None)
                if field in FIELDS:
                    self.errors = {**self.errors, field: error.message}
                if isinstance(error, Conflict):  # that checkout ended: the next try starts anew
                    self._idempotency_key = uuid.uuid4().hex
                    self.checkout_started = False
                if isinstance(error, OutOfStock):  # known now, whatever a cached read says
                    self.summary = dataclasses.replace(
                        self.summary, available=False, eta_text=SOLD_OUT
                    )
                    self.next_day_text = self.next_day_href = ""
                else:
                    await self._summarise()  # fresh price, stock and ETA
            return rx.toast.error(error.message, duration=8000)
        async with self:
            self.checkout_started = True
        # Keep `submitting`: the browser is leaving. A full page load, not a client-side route:
        # the payment page is not part of this app (even when the sandbox runs on this host).
        return rx.call_script(f"window.location.assign({json.dumps(result.payment_url)})")

    # Live stock (see state/live.py): pushed while the form is open, the pay button follows
    # whether the order's day can still be served (not while this tab's own submit is holding
    # a unit: that hold must not read as "sold out" on its way to the payment page).
    def _on_page(self) -> bool:
        return self.router.url.path.startswith("/checkout") and not self.problem

    async def _refresh_stock(self, shared: Shared) -> None:
        if self.submitting or not self._order:
            return
        choice = await self.get_state(StoreChoiceState)
        if choice.store_id and choice.store_id != self._order.get("store_id"):
            await self._summarise()  # another tab chose another store: follow it
            return
        order = self._order
        try:
            q = await quotes.get_quote(
                order["collectible_id"],
                order["store_id"],
                order["duration"],
                order.get("pickup_date"),
                uow=default_uow(),
            )
        except (InvalidInput, NotFound):
            return
        store_name = self.summary.store_name
        eta_text = eta_phrase(q.eta_days, store_name) if q.available else not_servable(q)
        fresh = self._shown(
            dataclasses.replace(self.summary, available=q.available, eta_text=eta_text)
        )
        if (fresh.available, fresh.eta_text) != (self.summary.available, self.summary.eta_text):
            self.summary = fresh
        next_text, next_href = next_day(q)
        if (self.next_day_text, self.next_day_href) != (next_text, next_href):
            self.next_day_text, self.next_day_href = next_text, next_href


def billing_form() -> rx.Component:
    S = CheckoutState
    return rx.form(
        rx.vstack(
            rx.heading("Billing details", size="4", as_="h2"),
            *billing_fields(S.errors, S.check_field),
            payment_methods(S.payment_method, S.set_payment_method),
            problem_callout(S.form_error, "checkout-error", width="100%"),
            rx.cond(
                S.checkout_started & ~S.summary.available & (S.form_error == ""),
                rx.text(S.summary.eta_text, size="2", id="pay-resume-note", role="status"),
            ),
            rx.cond(
                S.pay_blocked & (S.problem == "") & (S.form_error == ""),
                # Right above Pay (on a phone the summary is scrolled away by now): why it is
                # off, and the way on.
                rx.callout.root(
                    rx.callout.icon(rx.icon("calendar_x", size=16)),
                    rx.callout.text(S.summary.eta_text, role="status"),
                    rx.cond(
                        S.next_day_href != "",
                        rx.link(
                            S.next_day_text,
                            href=S.next_day_href,
                            size="2",
                            weight="bold",
                            id="pay-next-day",
                        ),
                    ),
                    color_scheme="red",
                    size="1",
                    id="pay-blocked-reason",
                    width="100%",
                ),
            ),
            rx.button(
                rx.icon("lock", size=16),
                rx.cond(S.submitting, "Holding your unit...", S.pay_label),
                type="submit",
                loading=S.submitting,
                disabled=S.submitting | S.pay_blocked,
                size="3",
                width="100%",
                id="pay-button",
            ),
            rx.text(
                "We hold one unit for you while you pay on PayMongo's secure page.",
                size="1",
                color=rx.color("gray", 11),
            ),
            spacing="4",
            width="100%",
        ),
        on_submit=S.submit,
        reset_on_submit=False,
        id="checkout-form",
        aria_label="Billing details and payment",
        width="100%",
    )


# Typed billing details survive a reload and Back from the payment page, for this tab only
# (sessionStorage; never sent anywhere until the customer presses Pay).
KEEP_TYPING = """
(() => {
  if (window.__mcKeepTyping) return; window.__mcKeepTyping = true;
  const key = (name) => 'mc_checkout_' + name;
  const inForm = (el) => el && el.name && el.closest && el.closest('#checkout-form');
  document.addEventListener('input', (e) => {
    if (inForm(e.target) && e.target.type !== 'radio') {
      try { sessionStorage.setItem(key(e.target.name), e.target.value); } catch (_) {}
    }
  }, true);
  const restore = () => {
    document.querySelectorAll('#checkout-form input[name]').forEach((el) => {
      if (el.type === 'radio' || el.value || el.dataset.mcRestored) return;
      el.dataset.mcRestored = '1';
      const saved = sessionStorage.getItem(key(el.name));
      if (saved) {
        const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
        setter.call(el, saved);
        el.dispatchEvent(new Event('input', { bubbles: true }));
      }
    });
  };
  new MutationObserver(restore).observe(document.body, { childList: true, subtree: true });
  restore();
})();
"""


def checkout_page() -> rx.Component:
    S = CheckoutState
    change = rx.link(
        "Change dates, duration or store",
        href="/collectibles/" + S.summary.collectible_id,
        size="2",
    )
    return page_layout(
        rx.heading("Checkout", size="7", as_="h1", margin_bottom="16px"),
        rx.cond(
            S.loading,
            rx.center(rx.spinner(size="3"), padding="64px"),
            rx.cond(
                S.problem != "",
                rx.callout(
                    S.problem, icon="circle_alert", color_scheme="red", id="checkout-problem"
                ),
                rx.flex(
                    rx.card(billing_form(), flex="3", width="100%"),
                    rx.box(order_summary(S.summary, extra=change), flex="2", width="100%"),
                    direction=rx.breakpoints(initial="column-reverse", md="row"),
                    align="start",
                    spacing="5",
                    width="100%",
                ),
            ),
        ),
        rx.script(KEEP_TYPING),
        on_store_change=S.store_changed,
        on_store_synced=S.follow_store,
    )


def register(app: rx.App) -> None:
    app.add_page(
        checkout_page,
        route="/checkout",
        title="Checkout - MongoCollectibles",
        on_load=CheckoutState.load,
    )
