"""`/`: the catalog: every collectible with stock and ETA for the chosen store, search, size."""

from __future__ import annotations

import reflex as rx

from mongocollectibles.components.alerts import problem_callout
from mongocollectibles.components.collectible_card import CardItem, collectible_card
from mongocollectibles.components.layout import page_layout
from mongocollectibles.components.price import eta_phrase
from mongocollectibles.domain.price_text import short_rate_name
from mongocollectibles.domain.pricing import SIZE_LABELS, PricingRules, format_php
from mongocollectibles.services import catalog
from mongocollectibles.state.live import LiveStockMixin, Shared
from mongocollectibles.state.store_choice import StoreChoiceState
from mongocollectibles.wiring import default_uow

SIZE_FILTERS = [("all", "All sizes"), *SIZE_LABELS.items()]


def rate_note_for(rules: PricingRules) -> str:
    """The cards' note under the rate: "Short-rental rate, x2 under 7 days"."""
    name = short_rate_name(rules.special_threshold_days, rules.special_multiplier_percent)
    return name[0].upper() + name[1:]


async def rate_note() -> str:
    return rate_note_for(await catalog.pricing_rules(uow=default_uow()))


def _card(
    item: catalog.CollectibleView | catalog.PreviewItem, rate_note: str, **stock: object
) -> CardItem:
    """A card: what the collectible is and costs, plus its stock fields (live or a preview's)."""
    return CardItem(
        id=item.id,
        name=item.name,
        size=item.size,
        size_label=SIZE_LABELS.get(item.size, item.size),
        image_url=item.image_url,
        rate_text=f"{format_php(item.daily_rate_centavos)} / day",
        rate_note=rate_note,
        **stock,
    )


def cards(views: list[catalog.CollectibleView], store_name: str, note: str = "") -> list[CardItem]:
    return [
        _card(
            v,
            note,
            stock=v.stock,
            available=v.available,
            stock_text=f"{v.stock} in stock" if v.available else "Out of stock",
            eta_text=eta_phrase(v.eta_days, store_name)
            if v.available
            else "Other stores or a reminder: see details",
        )
        for v in views
    ]


PREVIEW_STOCK_TEXT = "Checking stock"
HERO_IMAGES = 3  # the first row of cards on a laptop: fetched first, not lazily


def preview_cards() -> list[CardItem]:
    """The cards as of the app's build (services/catalog_preview.py): compiled into the page,
    so its HTML shows them before any script runs; the live list replaces them."""
    preview = catalog.catalog_preview(uow=default_uow())
    note = rate_note_for(preview.rules)
    return [
        _card(item, note, available=True, stock_text=PREVIEW_STOCK_TEXT) for item in preview.items
    ]


class CatalogState(LiveStockMixin, rx.State):
    items: list[CardItem] = []
    loading: bool = True
    error: str = ""
    query: str = ""
    size: str = "all"
    _store_shown: str = ""  # the store whose stock and ETAs the cards show

    @rx.var
    def visible(self) -> list[CardItem]:
        words = self.query.lower().split()
        return [
            item
            for item in self.items
            if (self.size == "all" or item.size == self.size)
            and all(word in item.name.lower() for word in words)
        ]

    async def _read(self) -> tuple[str, str]:
        choice = await self.get_state(StoreChoiceState)
        store_id = await choice.ensure_store()
        return store_id, choice.store(store_id)["name"]

    @rx.event
    async def load(self):
        self.error = ""
        self._show_stock(None)  # before reading (state/live.py)
        try:
            store_id, store_name = await self._read()
            views = await catalog.list_collectibles(store_id or None, uow=default_uow())
        except Exception:  # noqa: BLE001 - show a message, keep the page usable
            self.error = "We could not load the collectibles. Please try again in a moment."
            self.loading = False
            return
        self.items = cards(views, store_name, await rate_note())
        self.loading = False
        self._store_shown = store_id

    @rx.event
    async def follow_store(self):
        """The store choice changed, maybe in another tab: show that store's stock."""
        choice = await self.get_state(StoreChoiceState)
        if not self.loading and choice.store_id and choice.store_id != self._store_shown:
            return CatalogState.load

    @rx.event
    def set_query(self, value: str):
        self.query = value[:100]

    @rx.event
    def set_size(self, value: str | list[str]):
        value = value if isinstance(value, str) else (value[0] if value else "all")
        self.size = value if value in SIZE_LABELS else "all"

    @rx.event
    def clear_filters(self):
        self.query, self.size = "", "all"

    # Live stock (see state/live.py): pushed while this tab shows the catalog; the cards of
    # a store are made once per push for all its tabs.
    def _on_page(self) -> bool:
        return self.router.url.path in ("/", "")

    async def _refresh_stock(self, shared: Shared) -> None:
        store_id, store_name = await self._read()

        async def store_cards() -> list[CardItem]:
            views = await catalog.list_collectibles(store_id or None, uow=default_uow())
            return cards(views, store_name, await rate_note())

        fresh = await shared.once(("catalog", store_id, store_name), store_cards)
        if fresh != self.items:
            self.items = fresh


def filters() -> rx.Component:
    return rx.flex(
        rx.input(
            rx.input.slot(rx.icon("search", size=16)),
            placeholder="Search collectibles",
            value=CatalogState.query,
            on_change=CatalogState.set_query,
            id="search",
            type="search",
            aria_label="Search collectibles by name",
            size="3",
            flex="1",
            min_width="220px",
        ),
        rx.segmented_control.root(
            *[rx.segmented_control.item(label, value=code) for code, label in SIZE_FILTERS],
            value=CatalogState.size,
            on_change=CatalogState.set_size,
            id="size-filter",
            aria_label="Filter by size",
            size="2",
        ),
        spacing="3",
        wrap="wrap",
        align="center",
        width="100%",
    )


def preview_grid(items: list[CardItem]) -> rx.Component:
    """Until the live list arrives: the build's cards (stock being checked), else skeletons."""
    if not items:
        return rx.grid(
            *[rx.skeleton(rx.box(height="320px"), loading=True) for _ in range(6)],
            columns=rx.breakpoints(initial="1", sm="2", md="3"),
            spacing="4",
            aria_busy="true",
        )
    return rx.grid(
        *[
            rx.box(collectible_card(item, eager=index < HERO_IMAGES), data_preview="true")
            for index, item in enumerate(items)
        ],
        columns=rx.breakpoints(initial="1", sm="2", md="3"),
        spacing="4",
        id="catalog-preview",
        aria_busy="true",
    )


def grid(preview: list[CardItem]) -> rx.Component:
    return rx.cond(
        CatalogState.loading,
        preview_grid(preview),
        rx.cond(
            CatalogState.visible.length() > 0,
            rx.grid(
                rx.foreach(
                    CatalogState.visible,
                    lambda item: rx.box(collectible_card(item), role="listitem"),
                ),
                columns=rx.breakpoints(initial="1", sm="2", md="3"),
                spacing="4",
                id="catalog-grid",
                role="list",
                aria_label="Collectibles",
            ),
            rx.vstack(
                rx.text("No collectibles match your search.", id="no-results"),
                rx.button("Clear filters", on_click=CatalogState.clear_filters, variant="soft"),
                align="center",
                padding="32px",
            ),
        ),
    )


def index() -> rx.Component:
    preview = preview_cards()
    return page_layout(
        rx.vstack(
            rx.heading("Rent a legend", size="8", as_="h1"),
            rx.text(
                "Figures, models and arcade cabinets for a day, a week or longer. Pick a store; "
                "we ship the nearest unit there for pickup.",
                color=rx.color("gray", 11),
            ),
            filters(),
            problem_callout(CatalogState.error, "catalog-error"),
            rx.text(
                rx.cond(
                    CatalogState.loading,
                    f"{len(preview)} collectibles" if preview else "",
                    rx.fragment(
                        "Showing ",
                        CatalogState.visible.length(),
                        " of ",
                        CatalogState.items.length(),
                        " collectibles",
                    ),
                ),
                size="2",
                color=rx.color("gray", 11),
                aria_live="polite",
                id="result-count",
            ),
            grid(preview),
            spacing="4",
            width="100%",
        ),
        on_store_change=CatalogState.load,
        on_store_synced=CatalogState.follow_store,
    )


def register(app: rx.App) -> None:
    app.add_page(
        index,
        route="/",
        title="MongoCollectibles: rent collectibles in Metro Manila",
        description="Rent collectibles for pickup at our Metro Manila stores.",
        on_load=CatalogState.load,
    )
