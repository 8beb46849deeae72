"""`/admin/rentals/[rental_id]`: one rental's customer, unit, warehouse, money and full history,
with the actions its status allows (each idempotent, recorded with who did it)."""

from __future__ import annotations

import reflex as rx

from mongocollectibles.components.admin_layout import (
    admin_layout,
    money,
    status_badge,
    status_label,
    when,
)
from mongocollectibles.domain import admin
from mongocollectibles.domain.errors import DomainError
from mongocollectibles.pages.admin.frame import add_admin_page
from mongocollectibles.services import owner_rentals, refunds
from mongocollectibles.services.payment_gateway import get_gateway
from mongocollectibles.state.admin import AdminState, admin_event, admin_uow

STEP_LABELS = {
    "ready_for_pickup": "Mark ready for pickup",
    "picked_up": "Mark picked up",
    "returned": "Mark returned (back in stock)",
}
DONE = {
    "ready_for_pickup": "Ready for pickup.",
    "picked_up": "Picked up.",
    "returned": "Returned: the unit is back in stock.",
}


def _parse_pesos(text: str) -> int | None:
    """'1,250.50' -> 125050 centavos; '' -> None (the whole amount). ValueError when bad."""
    text = (text or "").replace(",", "").replace("PHP", "").strip()
    if not text:
        return None
    pesos, _, cents = text.partition(".")
    if not pesos.isdigit() or (cents and (not cents.isdigit() or len(cents) > 2)):
        raise ValueError(text)
    return int(pesos) * 100 + int((cents or "0").ljust(2, "0"))


class AdminRentalState(AdminState):
    found: bool = False
    missing: str = ""
    rental: dict[str, str] = {}
    events: list[dict[str, str]] = []
    actions: list[str] = []
    refund_open: bool = False
    refund_error: str = ""
    busy: bool = False

    def _clear_page(self) -> None:
        self.found, self.rental, self.events, self.actions = False, {}, [], []
        self.refund_open = False

    @property
    def _rental_id(self) -> str:
        # The route's dynamic argument, a var Reflex adds to every state.
        return str(getattr(self, "rental_id", "") or "")[:40]

    async def _read(self) -> None:
        try:
            detail = await owner_rentals.rental_detail(
                self._rental_id, self.principal, uow=admin_uow()
            )
        except DomainError as error:
            self._clear_page()
            self.missing = error.message
            return
        self.found, self.missing = True, ""
        self.rental = {
            "id": detail.id,
            "status": detail.status,
            "status_label": status_label(detail.status),
            "created": when(detail.created_at),
            "paid": when(detail.paid_at),
            "hold_expires": when(detail.hold_expires_at),
            "customer_name": detail.customer_name,
            "customer_email": detail.customer_email,
            "customer_phone": detail.customer_phone,
            "customer_address": f"{detail.customer_address}, {detail.customer_city} "
            f"{detail.customer_postal_code}",
            "collectible": f"{detail.collectible_name} ({detail.collectible_id})",
            "unit": detail.unit_id + ("" if detail.unit_held else " (released)"),
            "warehouse": f"{detail.warehouse_name} ({detail.warehouse_id})",
            "store": f"{detail.store_name} ({detail.store_id})",
            "eta": f"{detail.eta_days} day(s) from payment",
            "duration": f"{detail.duration_days} day(s)",
            "payment_method": detail.payment_method,
            "payment_id": detail.payment_id or "",
            "needs_refund": "yes" if detail.needs_refund else "",
            "daily_rate": money(detail.daily_rate_centavos),
            "total": money(detail.total_centavos),
            "total_plain": ""
            if detail.total_centavos is None
            else f"{detail.total_centavos // 100}.{detail.total_centavos % 100:02d}",
            "refunded": money(detail.refunded_centavos) if detail.refunded_centavos else "",
            "refund_id": detail.refund_id or "",
        }
        self.events = [
            {
                "when": when(e.created_at, "%d %b %Y %H:%M:%S"),
                "actor": e.actor,
                "from": status_label(e.from_status) if e.from_status else "(new)",
                "to": status_label(e.to_status),
                "note": e.note,
            }
            for e in detail.events
        ]
        self.actions = detail.actions

    @admin_event(admin.STAFF)
    async def load(self):
        self.refund_open, self.refund_error = False, ""
        await self._read()

    @admin_event(admin.STAFF)
    async def step(self, step: str):
        """ready_for_pickup / picked_up / returned."""
        try:
            changed = await owner_rentals.advance(
                self._rental_id, step, self.principal, ip=self.client_ip, uow=admin_uow()
            )
        except DomainError as error:
            await self._read()
            return rx.toast.error(error.message)
        await self._read()
        if not changed:
            return rx.toast.info("Already done; nothing changed.")
        return rx.toast.success(DONE.get(step, "Done."))

    @admin_event(admin.STAFF)
    async def release_hold(self):
        try:
            changed = await owner_rentals.release_hold(
                self._rental_id, self.principal, ip=self.client_ip, uow=admin_uow()
            )
        except DomainError as error:
            return rx.toast.error(error.message)
        finally:
            await self._read()
        return rx.toast.success("Hold released." if changed else "Already released.")

    @admin_event(admin.OWNER)
    async def open_refund(self, open_: bool):
        self.refund_open, self.refund_error = bool(open_), ""

    @admin_event(admin.OWNER)
    async def refund(self, form_data: dict):
        try:
            amount = _parse_pesos(str(form_data.get("amount", ""))[:20])
        except ValueError:
            self.refund_error = "Amount: pesos, like 1500 or 1500.50 (empty: the whole payment)."
            return
        reason = str(form_data.get("reason", ""))
        note = str(form_data.get("note", ""))[:300]
        self.busy, self.refund_error = True, ""
        yield
        try:
            await owner_rentals.refund(
                self._rental_id,
                self.principal,
                gateway=get_gateway(),
                amount_centavos=amount,
                reason=reason,
                note=note,
                ip=self.client_ip,
                uow=admin_uow(),
            )
        except DomainError as error:
            self.busy, self.refund_error = False, error.message
            await self._read()
            return
        self.busy, self.refund_open = False, False
        await self._read()
        yield rx.toast.success("Refunded. The rental is cancelled and its unit freed.")

    @admin_event(admin.OWNER)
    async def resolve_flag(self, form_data: dict):
        try:
            changed = await owner_rentals.resolve_refund_flag(
                self._rental_id,
                str(form_data.get("note", ""))[:300],
                self.principal,
                ip=self.client_ip,
                uow=admin_uow(),
            )
        except DomainError as error:
            return rx.toast.error(error.message)
        await self._read()
        return rx.toast.success("Flag resolved." if changed else "It was not flagged.")


def _fact(label: str, value, fact_id: str) -> rx.Component:  # noqa: ANN001
    return rx.cond(
        value != "",
        rx.flex(
            rx.text(label, size="2", color=rx.color("gray", 11), min_width="120px"),
            rx.text(value, size="2", id=fact_id, word_break="break-word"),
            gap="8px",
            width="100%",
        ),
    )


def _refund_dialog() -> rx.Component:
    S = AdminRentalState
    R = S.rental
    return rx.dialog.root(
        rx.dialog.trigger(
            rx.button(
                "Cancel and refund...",
                color_scheme="red",
                variant="soft",
                high_contrast=True,  # red on the soft red ground was 4.41:1
                id="refund-open",
            )
        ),
        rx.dialog.content(
            rx.dialog.title("Cancel and refund"),
            rx.dialog.description(
                "Money goes back to the customer through PayMongo and the rental ends. Paid: ",
                R["total"],
                ".",
                size="2",
            ),
            rx.form(
                rx.vstack(
                    rx.el.label("Amount to refund (PHP; empty = all)", html_for="refund-amount"),
                    rx.input(
                        name="amount",
                        id="refund-amount",
                        placeholder=R["total_plain"],
                        input_mode="decimal",
                        width="100%",
                    ),
                    rx.el.label("Reason", html_for="refund-reason"),
                    rx.el.select(
                        *[rx.el.option(r.replace("_", " "), value=r) for r in refunds.REASONS],
                        name="reason",
                        id="refund-reason",
                        default_value="requested_by_customer",
                        style={"padding": "6px", "width": "100%"},
                    ),
                    rx.el.label("Note (kept in the history)", html_for="refund-note"),
                    rx.text_area(name="note", id="refund-note", width="100%"),
                    rx.cond(
                        S.refund_error != "",
                        rx.callout(
                            S.refund_error,
                            color_scheme="red",
                            high_contrast=True,
                            id="refund-error",
                        ),
                    ),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button("Keep the rental", variant="soft", type="button")
                        ),
                        rx.button(
                            "Refund now",
                            type="submit",
                            color_scheme="red",
                            loading=S.busy,
                            id="refund-confirm",
                        ),
                        justify="end",
                        width="100%",
                    ),
                    spacing="2",
                    width="100%",
                ),
                on_submit=S.refund,
                reset_on_submit=False,
            ),
            max_width="420px",
        ),
        open=S.refund_open,
        on_open_change=S.open_refund,
    )


def _resolve_dialog() -> rx.Component:
    S = AdminRentalState
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button("Resolve refund flag...", variant="soft", id="resolve-open")
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Resolve without refunding here"),
            rx.form(
                rx.vstack(
                    rx.el.label("How was it settled?", html_for="resolve-note"),
                    rx.text_area(name="note", id="resolve-note", required=True, width="100%"),
                    rx.hstack(
                        rx.alert_dialog.cancel(rx.button("Back", variant="soft", type="button")),
                        rx.alert_dialog.action(
                            rx.button("Resolve", type="submit", id="resolve-confirm")
                        ),
                        justify="end",
                        width="100%",
                    ),
                    width="100%",
                ),
                on_submit=S.resolve_flag,
            ),
            max_width="420px",
        ),
    )


def _actions() -> rx.Component:
    S = AdminRentalState
    return rx.flex(
        *[
            rx.cond(
                S.actions.contains(step),
                rx.button(label, on_click=S.step(step), id=f"action-{step}", size="2"),
            )
            for step, label in STEP_LABELS.items()
        ],
        rx.cond(
            S.actions.contains("release_hold"),
            rx.alert_dialog.root(
                rx.alert_dialog.trigger(
                    rx.button("Release hold...", variant="soft", id="release-open")
                ),
                rx.alert_dialog.content(
                    rx.alert_dialog.title("Release this hold?"),
                    rx.alert_dialog.description(
                        "The rental is cancelled and its unit goes back in stock."
                    ),
                    rx.hstack(
                        rx.alert_dialog.cancel(rx.button("Back", variant="soft")),
                        rx.alert_dialog.action(
                            rx.button("Release", on_click=S.release_hold, id="release-confirm")
                        ),
                        justify="end",
                    ),
                ),
            ),
        ),
        rx.cond(S.actions.contains("refund"), _refund_dialog()),
        rx.cond(S.actions.contains("resolve_flag"), _resolve_dialog()),
        wrap="wrap",
        gap="8px",
        id="rental-actions",
    )


def rental_page() -> rx.Component:
    S = AdminRentalState
    R = S.rental
    return admin_layout(
        rx.cond(
            S.missing != "",
            rx.callout(S.missing, color_scheme="red", high_contrast=True, id="rental-missing"),
            rx.vstack(
                rx.flex(
                    rx.text(R["id"], weight="bold", id="rental-id", word_break="break-all"),
                    rx.box(status_badge(R["status"], R["status_label"]), id="rental-status"),
                    rx.cond(
                        R["needs_refund"] != "",
                        rx.badge(
                            "Needs refund",
                            color_scheme="red",
                            high_contrast=True,
                            id="needs-refund",
                        ),
                    ),
                    gap="8px",
                    align="center",
                    wrap="wrap",
                ),
                _actions(),
                rx.grid(
                    rx.card(
                        rx.heading("Customer", size="3", as_="h2", margin_bottom="6px"),
                        _fact("Name", R["customer_name"], "customer-name"),
                        _fact("Email", R["customer_email"], "customer-email"),
                        _fact("Phone", R["customer_phone"], "customer-phone"),
                        _fact("Address", R["customer_address"], "customer-address"),
                    ),
                    rx.card(
                        rx.heading("Collectible", size="3", as_="h2", margin_bottom="6px"),
                        _fact("Collectible", R["collectible"], "rental-collectible"),
                        _fact("Unit", R["unit"], "rental-unit"),
                        _fact("Warehouse", R["warehouse"], "rental-warehouse"),
                        _fact("Pickup store", R["store"], "rental-store"),
                        _fact("Arrives", R["eta"], "rental-eta"),
                        _fact("Duration", R["duration"], "rental-duration"),
                    ),
                    rx.card(
                        rx.heading("Money", size="3", as_="h2", margin_bottom="6px"),
                        _fact("Method", R["payment_method"], "payment-method"),
                        _fact("Payment", R["payment_id"], "payment-id"),
                        _fact("Daily rate", R["daily_rate"], "daily-rate"),
                        _fact("Total", R["total"], "rental-total"),
                        _fact("Refunded", R["refunded"], "rental-refunded"),
                        _fact("Refund", R["refund_id"], "refund-id"),
                        _fact("Created", R["created"], "rental-created"),
                        _fact("Paid", R["paid"], "rental-paid"),
                        _fact("Hold ends", R["hold_expires"], "rental-hold"),
                    ),
                    columns=rx.breakpoints(initial="1", md="3"),
                    spacing="3",
                    width="100%",
                ),
                rx.card(
                    rx.heading("History", size="3", as_="h2", margin_bottom="6px"),
                    rx.vstack(
                        rx.foreach(
                            S.events,
                            lambda e: rx.flex(
                                rx.text(e["when"], size="1", color=rx.color("gray", 10)),
                                rx.text(e["from"], " -> ", e["to"], size="2", weight="medium"),
                                rx.text("by ", e["actor"], size="1"),
                                rx.text(e["note"], size="1", color=rx.color("gray", 11)),
                                gap="2px 10px",
                                wrap="wrap",
                                width="100%",
                                border_top=f"1px solid {rx.color('gray', 4)}",
                                padding_top="4px",
                                class_name="history-row",
                            ),
                        ),
                        spacing="1",
                        width="100%",
                        id="rental-history",
                    ),
                    width="100%",
                ),
                rx.link("All rentals", href="/admin/rentals", size="2"),
                spacing="3",
                width="100%",
            ),
        ),
        title="Rental",
    )


def register(app: rx.App) -> None:
    add_admin_page(app, rental_page, "/admin/rentals/[rental_id]", "Rental", AdminRentalState.load)
