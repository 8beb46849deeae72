"""`/collectibles/[collectible_id]`: details and a live quote (store, duration -> price, ETA)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import reflex as rx

from mongocollectibles.components.collectible_card import collectible_image, stock_badge
from mongocollectibles.components.layout import page_layout
from mongocollectibles.components.out_of_stock import out_of_stock_help
from mongocollectibles.components.price import (
    eta_phrase,
    price_row,
    special_rate_message,
    special_rate_warning,
)
from mongocollectibles.components.store_select import store_select
from mongocollectibles.domain.errors import InvalidInput, NotFound
from mongocollectibles.domain.pricing import SIZE_LABELS, format_php
from mongocollectibles.services import catalog, quotes, site
from mongocollectibles.state.live import LiveStockMixin
from mongocollectibles.state.store_choice import StoreChoiceState

DEFAULT_DAYS = "7"


class CollectibleState(LiveStockMixin, rx.State):
    loading: bool = True
    not_found: str = ""
    name: str = ""
    description: str = ""
    size_label: str = ""
    image_url: str = ""
    base_rate_text: str = ""

    duration: str = DEFAULT_DAYS
    quote_error: str = ""
    daily_rate_text: str = ""
    total_text: str = ""
    is_special: bool = False
    special_text: str = ""
    stock: int = 0
    available: bool = False
    stock_text: str = ""
    eta_text: str = ""

    async def _store(self) -> tuple[str, str]:
        choice = await self.get_state(StoreChoiceState)
        store_id = await choice.ensure_store()
        return store_id, choice.store(store_id)["name"]

    def _apply_stock(
        self, stock: int, eta_days: int | None, available: bool, store_name: str
    ) -> None:
        self.stock = stock
        self.available = available
        self.stock_text = f"{stock} in stock" if self.available else "Out of stock"
        self.eta_text = (
            eta_phrase(eta_days, store_name)
            if self.available
            else "Out of stock here for now: every unit is rented or on hold."
        )

    async def _requote(self) -> None:
        store_id, store_name = await self._store()
        try:
            q = await quotes.get_quote(self.collectible_id, store_id, self.duration)
        except (InvalidInput, NotFound) as error:
            self.quote_error = error.message
            return
        self.quote_error = ""
        self.daily_rate_text = format_php(q.daily_rate_centavos)
        self.total_text = format_php(q.total_centavos)
        self.is_special = q.is_special_rate
        self.special_text = special_rate_message(
            q.special_threshold_days,
            self.daily_rate_text,
            format_php(q.base_daily_rate_centavos),
            multiplier_percent=q.special_multiplier_percent,
            days=q.duration_days,
            total_centavos=q.total_centavos,
            base_daily_centavos=q.base_daily_rate_centavos,
        )
        self._apply_stock(q.stock, q.eta_days, q.available, store_name)

    @rx.event
    async def load(self):
        self.loading, self.not_found = True, ""
        days = self.router.url.query_parameters.get("duration", DEFAULT_DAYS)
        self.duration = str(days)[:6]
        try:
            item = await catalog.get_collectible(self.collectible_id)
        except NotFound as error:
            self.not_found, self.loading = error.message, False
            return
        self.name, self.description, self.image_url = item.name, item.description, item.image_url
        self.size_label = SIZE_LABELS.get(item.size, item.size)
        self.base_rate_text = f"{format_php(item.daily_rate_centavos)} / day"
        await self._requote()
        self.loading = False
        return CollectibleState.watch_stock

    @rx.event
    async def set_duration(self, value: str):
        self.duration = str(value).strip()[:6]
        await self._requote()

    @rx.event
    async def store_changed(self):
        await self._requote()

    @rx.event
    async def rent(self):
        await self._requote()
        if self.quote_error or not self.available:
            return rx.toast.error(self.quote_error or "This collectible is out of stock.")
        store_id, _ = await self._store()
        query = urlencode(
            {"collectible_id": self.collectible_id, "store_id": store_id, "duration": self.duration}
        )
        # Back from checkout comes here with the chosen duration, not the default.
        keep = json.dumps(f"?{urlencode({'duration': self.duration})}")
        return [
            rx.call_script(f"window.history.replaceState(window.history.state, '', {keep})"),
            rx.redirect(f"/checkout?{query}"),
        ]

    # Live stock (see state/live.py): while this tab shows this collectible.
    async def _poll_args(self) -> tuple | None:
        if not self.router.url.path.startswith("/collectibles/") or self.not_found:
            return None
        return (self.collectible_id, *await self._store())

    @staticmethod
    async def _poll_read(collectible_id: str, store_id: str, store_name: str):
        view = await catalog.get_collectible(collectible_id, store_id)
        return collectible_id, view.stock, view.eta_days, view.available, store_name

    def _poll_apply(self, fresh) -> None:
        collectible_id, stock, eta_days, available, store_name = fresh
        if collectible_id == self.collectible_id:
            self._apply_stock(stock, eta_days, available, store_name)


def quote_panel() -> rx.Component:
    S = CollectibleState
    return rx.card(
        rx.vstack(
            rx.heading("Your rental", size="4", as_="h2"),
            rx.text("Pickup store", size="2", weight="medium"),
            store_select(
                S.store_changed,
                select_id="quote-store",
                label="Pickup store for this rental",
                size="3",
            ),
            rx.el.label(
                "Duration (days)",
                html_for="duration",
                style={"font_weight": "500", "font_size": "var(--font-size-2)"},
            ),
            rx.input(
                value=S.duration,
                on_change=S.set_duration,
                debounce_timeout=100,  # Reflex's 300 ms default made the quote feel slow
                id="duration",
                type="number",
                min=1,
                max=site.max_duration_days(),
                step=1,
                input_mode="numeric",
                size="3",
                width="100%",
                aria_describedby="quote-error",
                aria_invalid=rx.cond(S.quote_error != "", "true", "false"),
            ),
            rx.cond(
                S.quote_error != "",
                rx.text(
                    S.quote_error,
                    color=rx.color("red", 11),
                    size="2",
                    id="quote-error",
                    role="alert",
                ),
                rx.vstack(
                    price_row("Daily rate", S.daily_rate_text, value_id="quote-daily-rate"),
                    price_row("Days", S.duration, value_id="quote-days"),
                    rx.separator(),
                    price_row("Total", S.total_text, value_id="quote-total", strong=True),
                    rx.cond(S.is_special, special_rate_warning(S.special_text)),
                    width="100%",
                    spacing="2",
                    id="quote",
                ),
            ),
            rx.hstack(
                stock_badge(S.available, S.stock_text),
                id="quote-stock",
                role="status",
                aria_label="Stock",
            ),
            rx.text(
                S.eta_text,
                size="2",
                id="quote-eta",
                role="status",
                aria_label="Pickup estimate",
                color=rx.color("gray", 11),
            ),
            rx.button(
                rx.icon("shopping-bag", size=18),
                "Rent this",
                on_click=S.rent,
                disabled=(S.quote_error != "") | ~S.available,
                size="3",
                width="100%",
                id="rent-button",
            ),
            rx.cond(~S.available & ~S.loading, out_of_stock_help()),
            spacing="3",
            width="100%",
        ),
        role="region",
        aria_label="Your rental",
        width="100%",
    )


def details() -> rx.Component:
    S = CollectibleState
    return rx.grid(
        rx.vstack(
            rx.box(
                collectible_image(S.image_url, S.name, eager=True),
                border_radius="12px",
                overflow="hidden",
                width="100%",
            ),
            rx.hstack(rx.badge(S.size_label, variant="outline"), rx.badge(S.base_rate_text)),
            rx.heading(S.name, size="7", as_="h1", id="collectible-name"),
            rx.text(S.description, color=rx.color("gray", 11)),
            spacing="3",
            width="100%",
        ),
        quote_panel(),
        columns=rx.breakpoints(initial="1", md="2"),
        spacing="6",
        align="start",
        width="100%",
    )


def collectible_page() -> rx.Component:
    S = CollectibleState
    return page_layout(
        rx.link("< All collectibles", href="/", size="2"),
        rx.box(height="12px"),
        rx.cond(
            S.not_found != "",
            rx.callout(
                S.not_found, icon="circle_alert", color_scheme="red", id="not-found", role="alert"
            ),
            rx.cond(S.loading, rx.center(rx.spinner(size="3"), padding="64px"), details()),
        ),
        on_store_change=S.store_changed,
    )


def register(app: rx.App) -> None:
    app.add_page(
        collectible_page,
        route="/collectibles/[collectible_id]",
        title="Rent a collectible - MongoCollectibles",
        on_load=CollectibleState.load,
    )
