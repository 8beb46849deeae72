"""`/collectibles/[collectible_id]`: details and a live quote (store, duration, pickup date ->
price, dates, ETA), with an availability calendar for the pickup date."""

from __future__ import annotations

import json
from datetime import date, timedelta
from urllib.parse import urlencode

import reflex as rx

from mongocollectibles.components.calendar import (
    GRID_DAYS,
    CalendarDay,
    calendar_days,
    grid_start,
    pickup_calendar,
    range_title,
)
from mongocollectibles.components.collectible_card import collectible_image, stock_badge
from mongocollectibles.components.layout import page_layout
from mongocollectibles.components.out_of_stock import out_of_stock_help
from mongocollectibles.components.price import (
    dates_phrase,
    day_text,
    eta_phrase,
    price_row,
    special_rate_message,
    special_rate_warning,
)
from mongocollectibles.components.store_select import store_select
from mongocollectibles.domain.errors import InvalidInput, NotFound
from mongocollectibles.domain.pricing import SIZE_LABELS, format_php
from mongocollectibles.domain.reservations import parse_pickup_date, shop_today
from mongocollectibles.services import catalog, quotes, reservations, site
from mongocollectibles.state.live import LiveStockMixin, Shared
from mongocollectibles.state.store_choice import StoreChoiceState
from mongocollectibles.wiring import default_uow

DEFAULT_DAYS = "7"
DURATION_DEBOUNCE_MS = 30  # typing -> the quote's event (bench/live_quote.py)


class CollectibleState(LiveStockMixin, rx.State):
    loading: bool = True
    not_found: str = ""
    name: str = ""
    description: str = ""
    size_label: str = ""
    image_url: str = ""
    base_rate_text: str = ""

    duration: str = DEFAULT_DAYS
    _quoted_store: str = ""  # the store the quote shown is for
    quote_error: str = ""
    daily_rate_text: str = ""
    total_text: str = ""
    is_special: bool = False
    special_text: str = ""
    stock: int = 0
    available: bool = False
    stock_text: str = ""
    eta_text: str = ""

    # The pickup date: "" = the earliest possible (the quote says which day that is).
    pickup: str = ""
    shown_pickup: str = ""  # the quote's pickup day (the earliest when none is chosen)
    pickup_text: str = ""
    return_text: str = ""
    dates_text: str = ""
    date_problem: str = ""  # the chosen day cannot be served: the nearest day, other stores
    nearest_pickup: str = ""
    cal_from: str = ""  # first day of the grid (a Monday)
    cal_days: list[CalendarDay] = []
    cal_title: str = ""
    cal_hint: str = ""
    cal_can_go_back: bool = False
    min_pickup: str = ""
    max_pickup: str = ""

    async def _store(self) -> tuple[str, str]:
        choice = await self.get_state(StoreChoiceState)
        store_id = await choice.ensure_store()
        return store_id, choice.store(store_id)["name"]

    def _apply_stock(
        self, stock: int, eta_days: int | None, available: bool, store_name: str
    ) -> None:
        """`stock`: units free today; `available`: the quote's day can be served."""
        self.stock = stock
        self.available = available
        if available:
            self.stock_text = f"{stock} in stock" if stock else "Available on your dates"
        else:
            self.stock_text = (
                f"{stock} in stock today; not on your day" if stock else "Out of stock"
            )
        self.eta_text = (
            eta_phrase(eta_days, store_name)
            if self.available
            else ("Not available for the day and duration you chose. See the calendar.")
        )

    async def _requote(self, *, calendar: bool = True) -> None:
        """The quote for the chosen store, duration and day (and, with `calendar`, the
        calendar's availability for that duration)."""
        store_id, store_name = await self._store()
        self._quoted_store = store_id
        try:
            q = await quotes.get_quote(
                self.collectible_id, store_id, self.duration, self.pickup or None, uow=default_uow()
            )
        except (InvalidInput, NotFound) as error:
            self.quote_error = error.message
            if getattr(error, "field", None) == "pickup_date":
                self.date_problem = error.message
            return
        self.quote_error = ""
        self._apply_price(q)
        self._apply_stock(q.stock, q.eta_days, q.available, store_name)
        self._apply_dates(q, store_name)
        if calendar:
            await self._load_calendar(store_id)

    def _apply_price(self, q: quotes.Quote) -> None:
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

    async def _reprice(self) -> bool:
        """The price alone (from the snapshot: no query); False when the quote would fail
        (`_requote` then says why)."""
        store_id, _ = await self._store()
        try:
            q = await quotes.get_price(
                self.collectible_id, store_id, self.duration, uow=default_uow()
            )
        except (InvalidInput, NotFound):
            return False
        self.quote_error = ""
        self._apply_price(q)
        return True

    def _apply_dates(self, q: quotes.Quote, store_name: str) -> None:
        self.shown_pickup = q.pickup_date.isoformat() if q.pickup_date else ""
        self.pickup_text = day_text(q.pickup_date)
        self.return_text = day_text(q.return_date)
        self.dates_text = dates_phrase(q.pickup_date, q.return_date)
        self.min_pickup = shop_today().isoformat()
        self.max_pickup = q.latest_pickup_date.isoformat() if q.latest_pickup_date else ""
        self.nearest_pickup = q.nearest_pickup_date.isoformat() if q.nearest_pickup_date else ""
        self.date_problem = ""
        if q.pickup_date is None:
            self.date_problem = (
                "Fully booked at this store for the rental you chose. Try a shorter rental or "
                "another store."
            )
        elif not q.available:
            nearest = (
                f" The nearest day that can be served here is {day_text(q.nearest_pickup_date)}."
                if q.nearest_pickup_date
                else ""
            )
            others = [
                f"{a.store_name.removeprefix('MongoCollectibles ')} "
                + (
                    "can serve your day"
                    if a.serves_pickup_date
                    else f"from {day_text(a.earliest_pickup_date)}"
                )
                for a in q.alternatives
            ]
            elsewhere = f" Other stores: {'; '.join(others)}." if others else ""
            self.date_problem = (
                f"{day_text(q.pickup_date)} cannot be served at "
                f"{store_name.removeprefix('MongoCollectibles ')}: every unit is booked."
                + nearest
                + elsewhere
            )
        if q.available and q.eta_days is not None:
            self.eta_text = f"{self.dates_text}. " + eta_phrase(q.eta_days, store_name) + "."

    async def _load_calendar(self, store_id: str) -> None:
        today = shop_today()
        if not self.cal_from:
            anchor = parse_pickup_date(self.pickup) if self.pickup else today
            self.cal_from = grid_start(anchor or today).isoformat()
        first = date.fromisoformat(self.cal_from)
        try:
            found = await reservations.get_availability(
                self.collectible_id,
                store_id,
                self.duration,
                first.isoformat(),
                GRID_DAYS,
                uow=default_uow(),
            )
        except (InvalidInput, NotFound):
            self.cal_days = []
            return
        self.cal_days = calendar_days(found, today)
        self.cal_title = range_title(first, first + timedelta(days=GRID_DAYS - 1))
        self.cal_can_go_back = first > today

    @rx.event
    async def load(self):
        self.loading, self.not_found = True, ""
        query = self.router.url.query_parameters
        self.duration = str(query.get("duration", DEFAULT_DAYS))[:6]
        self.pickup = str(query.get("pickup_date", ""))[:10]
        self.cal_from, self.cal_hint = "", ""
        self._show_stock(self.collectible_id)  # before reading (state/live.py)
        try:
            item = await catalog.get_collectible(self.collectible_id, uow=default_uow())
        except NotFound as error:
            self.not_found, self.loading = error.message, False
            return
        self.name, self.description, self.image_url = item.name, item.description, item.image_url
        self.size_label = SIZE_LABELS.get(item.size, item.size)
        self.base_rate_text = f"{format_php(item.daily_rate_centavos)} / day"
        await self._requote()
        self.loading = False

    @rx.event
    async def set_duration(self, value: str):
        self.duration = str(value).strip()[:6]
        # The new total at once, then the dates and stock, then the calendar for the new
        # length (each sent as it is ready).
        if await self._reprice():
            yield
        await self._requote(calendar=False)
        yield
        if not self.quote_error:
            await self._load_calendar((await self._store())[0])

    @rx.event
    async def store_changed(self):
        await self._requote()

    @rx.event
    async def follow_store(self):
        """The store choice changed, maybe in another tab: quote for that store."""
        choice = await self.get_state(StoreChoiceState)
        if self.loading or self.not_found or not choice.store_id:
            return
        if choice.store_id != self._quoted_store:
            await self._requote()

    @rx.event
    async def pick_day(self, iso: str):
        """A tap or Enter on a calendar day: choose it, or say why it cannot be chosen."""
        day = next((d for d in self.cal_days if d.iso == iso), None)
        if day is None:
            return
        if not day.available:
            self.cal_hint = f"{day_text(date.fromisoformat(iso))}: {day.reason}"
            return
        self.cal_hint = ""
        self.pickup = iso
        await self._requote()

    @rx.event
    async def set_pickup_input(self, value: str):
        """The typed (or natively picked) date; the quote explains a day that cannot start."""
        await self._set_pickup(value)

    async def _set_pickup(self, value: str) -> None:
        self.pickup = str(value).strip()[:10]
        self.cal_hint = ""
        self.cal_from = ""  # show the weeks around the chosen day
        await self._requote()

    @rx.event
    async def use_nearest(self):
        if self.nearest_pickup:
            await self._set_pickup(self.nearest_pickup)

    @rx.event
    async def earlier_weeks(self):
        first = date.fromisoformat(self.cal_from) - timedelta(days=28)
        self.cal_from = max(first, grid_start(shop_today())).isoformat()
        await self._load_calendar((await self._store())[0])

    @rx.event
    async def later_weeks(self):
        first = date.fromisoformat(self.cal_from) + timedelta(days=28)
        if self.max_pickup and first > date.fromisoformat(self.max_pickup):
            return
        self.cal_from = first.isoformat()
        await self._load_calendar((await self._store())[0])

    @rx.event
    async def rent(self):
        await self._requote()
        if self.quote_error or not self.available:
            return rx.toast.error(self.quote_error or "This collectible is out of stock.")
        store_id, _ = await self._store()
        q = await quotes.get_quote(
            self.collectible_id, store_id, self.duration, self.pickup or None, uow=default_uow()
        )
        query = urlencode(
            {
                "collectible_id": self.collectible_id,
                "store_id": store_id,
                "duration": self.duration,
                "pickup_date": q.pickup_date.isoformat() if q.pickup_date else "",
            }
        )
        # Back from checkout comes here with the chosen duration, not the default.
        keep = json.dumps(f"?{urlencode({'duration': self.duration})}")
        return [
            rx.call_script(f"window.history.replaceState(window.history.state, '', {keep})"),
            rx.redirect(f"/checkout?{query}"),
        ]

    # Live stock (see state/live.py): pushed while this tab shows this collectible: the quote
    # for the chosen store, duration and day is re-read (from the snapshot).
    def _on_page(self) -> bool:
        return self.router.url.path.startswith("/collectibles/") and not self.not_found

    async def _refresh_stock(self, shared: Shared) -> None:
        store_id, store_name = await self._store()
        try:
            q = await quotes.get_quote(
                self.collectible_id, store_id, self.duration, self.pickup or None, uow=default_uow()
            )
        except (InvalidInput, NotFound):
            return
        self._apply_stock(q.stock, q.eta_days, q.available, store_name)
        self._apply_dates(q, store_name)


def date_picker() -> rx.Component:
    S = CollectibleState
    return rx.vstack(
        rx.el.label(
            "Pickup date",
            html_for="pickup-date",
            style={"font_weight": "500", "font_size": "var(--font-size-2)"},
        ),
        rx.input(
            value=S.pickup,
            on_change=S.set_pickup_input,
            debounce_timeout=300,
            id="pickup-date",
            type="date",
            min=S.min_pickup,
            max=S.max_pickup,
            size="3",
            width="100%",
            aria_describedby="date-problem cal-hint",
        ),
        rx.text(
            "Leave it empty for the earliest possible day, or choose one below.",
            size="1",
            color=rx.color("gray", 10),
        ),
        pickup_calendar(
            days=S.cal_days,
            selected=S.shown_pickup,
            title=S.cal_title,
            hint=S.cal_hint,
            on_pick=S.pick_day,
            on_earlier=S.earlier_weeks,
            on_later=S.later_weeks,
            can_go_back=S.cal_can_go_back,
        ),
        rx.cond(
            S.date_problem != "",
            rx.callout(
                rx.vstack(
                    rx.text(S.date_problem),
                    rx.cond(
                        S.nearest_pickup != "",
                        rx.button(
                            "Use the nearest day",
                            on_click=S.use_nearest,
                            size="1",
                            variant="soft",
                            id="use-nearest-date",
                            type="button",
                        ),
                    ),
                    spacing="2",
                ),
                icon="calendar_x",
                color_scheme="amber",
                size="1",
                id="date-problem",
                role="status",
                width="100%",
            ),
        ),
        spacing="2",
        width="100%",
    )


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
                # Reflex's 300 ms default made the quote feel slow; each event is cheap.
                debounce_timeout=DURATION_DEBOUNCE_MS,
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
            date_picker(),
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
                    price_row("Pickup", S.pickup_text, value_id="quote-pickup-date"),
                    price_row("Return by", S.return_text, value_id="quote-return-date"),
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
        on_store_synced=S.follow_store,
    )


def register(app: rx.App) -> None:
    app.add_page(
        collectible_page,
        route="/collectibles/[collectible_id]",
        title="Rent a collectible - MongoCollectibles",
        on_load=CollectibleState.load,
    )
