"""Out of stock is not a dead end: other stores that have it sooner, when a unit is due back,
and "email me when it is back" (shown on the collectible page when nothing is free)."""

from __future__ import annotations

import reflex as rx

from mongocollectibles.components.price import eta_phrase
from mongocollectibles.domain.errors import DomainError
from mongocollectibles.services import stock_alerts
from mongocollectibles.state.store_choice import StoreChoiceState
from mongocollectibles.wiring import default_uow


class OutOfStockState(rx.State):
    other_stores: list[str] = []
    back_text: str = ""
    subscribed: str = ""
    problem: str = ""

    def _collectible_id(self) -> str:
        parts = self.router.url.path.strip("/").split("/")
        return parts[1] if len(parts) >= 2 and parts[0] == "collectibles" else ""

    @rx.event
    async def load(self):
        self.subscribed, self.problem = "", ""
        choice = await self.get_state(StoreChoiceState)
        store_id = await choice.ensure_store()
        try:
            found = await stock_alerts.out_of_stock_help(
                self._collectible_id(), store_id, uow=default_uow()
            )
        except DomainError:
            self.other_stores, self.back_text = [], ""
            return
        self.other_stores = [eta_phrase(o.eta_days, o.store_name) for o in found.other_stores]
        self.back_text = stock_alerts.expected_back_text(found)

    @rx.event
    async def subscribe(self, form: dict):
        self.problem = ""
        choice = await self.get_state(StoreChoiceState)
        session = self.router.session
        try:
            self.subscribed = await stock_alerts.subscribe(
                form.get("email", ""),
                self._collectible_id(),
                await choice.ensure_store(),
                client=session.client_ip or session.client_token,
                uow=default_uow(),
            )
        except DomainError as error:
            self.problem = error.message


def out_of_stock_help() -> rx.Component:
    S = OutOfStockState
    return rx.vstack(
        rx.cond(
            S.other_stores.length() > 0,
            rx.vstack(
                rx.text("Other stores have it:", size="2", weight="medium"),
                rx.el.ul(
                    rx.foreach(S.other_stores, lambda line: rx.el.li(rx.text(line, size="2"))),
                    style={"padding_left": "18px", "margin": "0"},
                ),
                rx.text(
                    "Choose the store at the top of the page.", size="1", color=rx.color("gray", 11)
                ),
                spacing="1",
            ),
        ),
        rx.cond(S.back_text != "", rx.text(S.back_text, size="2", id="expected-back")),
        rx.cond(
            S.subscribed != "",
            rx.callout(
                S.subscribed,
                icon="mail",
                color_scheme="grass",
                role="status",
                size="1",
                id="alert-subscribed",
            ),
            rx.form(
                rx.vstack(
                    rx.el.label(
                        "Email me when it is back",
                        html_for="alert-email",
                        style={"font_weight": "500", "font_size": "var(--font-size-2)"},
                    ),
                    rx.hstack(
                        rx.input(
                            id="alert-email",
                            name="email",
                            type="email",
                            auto_complete="email",
                            placeholder="you@example.com",
                            required=True,
                            size="2",
                            flex="1",
                        ),
                        rx.button("Notify me", type="submit", size="2", variant="soft"),
                        width="100%",
                    ),
                    rx.cond(
                        S.problem != "",
                        rx.text(S.problem, color=rx.color("red", 11), size="2", role="alert"),
                    ),
                    spacing="1",
                    width="100%",
                ),
                on_submit=S.subscribe,
                reset_on_submit=False,
                aria_label="Email me when it is back",
                width="100%",
            ),
        ),
        on_mount=S.load,
        spacing="2",
        width="100%",
        id="out-of-stock-help",
    )
