"""`/admin/rentals`: every rental, searched, filtered, sorted and paged on the server; CSV."""

from __future__ import annotations

from urllib.parse import urlencode

import reflex as rx

from mongocollectibles.components.admin_layout import (
    admin_layout,
    money,
    pager,
    scroll_table,
    status_badge,
    status_label,
    when,
)
from mongocollectibles.components.alerts import problem_callout
from mongocollectibles.domain import admin, status
from mongocollectibles.domain.errors import DomainError
from mongocollectibles.pages.admin.frame import add_admin_page
from mongocollectibles.services import owner_rentals
from mongocollectibles.services.owner_rentals import RentalFilters
from mongocollectibles.settings import get_settings
from mongocollectibles.state.admin import AdminState, admin_event, admin_uow

ANY = "any"  # Radix select items cannot have an empty value
STATUS_OPTIONS = [(ANY, "Any status")] + list(status.STATUS_LABELS.items())
SORT_OPTIONS = [
    ("newest", "Newest first"),
    ("oldest", "Oldest first"),
    ("customer", "Customer A-Z"),
    ("total_high", "Total, highest first"),
    ("total_low", "Total, lowest first"),
]
EXPORT_ROUTE = "/api/admin/rentals.csv"


class AdminRentalsState(AdminState):
    query: str = ""
    status_filter: str = ANY
    store_filter: str = ANY
    date_from: str = ""
    date_to: str = ""
    sort: str = "newest"
    page: int = 1
    pages: int = 1
    total: int = 0
    rows: list[dict[str, str]] = []
    stores: list[list[str]] = []
    error: str = ""

    def _clear_page(self) -> None:
        self.rows, self.total, self.pages, self.page = [], 0, 1, 1

    def _filters(self) -> RentalFilters:
        return RentalFilters.parse(
            self.query,
            "" if self.status_filter == ANY else self.status_filter,
            "" if self.store_filter == ANY else self.store_filter,
            self.date_from,
            self.date_to,
            self.sort,
        )

    async def _search(self) -> None:
        try:
            result = await owner_rentals.search_rentals(
                self._filters(), self.principal, page=self.page, uow=admin_uow()
            )
        except DomainError as error:
            self.error, self.rows, self.total = error.message, [], 0
            return
        self.error = ""
        self.page, self.pages, self.total = result.page, result.pages, result.total
        self.rows = [
            {
                "id": r.id,
                "short": r.id[:8],
                "created": when(r.created_at),
                "status": r.status,
                "status_label": status_label(r.status),
                "customer": r.customer_name,
                "email": r.customer_email,
                "phone": r.customer_phone,
                "collectible": r.collectible_name,
                "store": r.store_id,
                "days": str(r.duration_days),
                "total": money(r.total_centavos),
            }
            for r in result.rows
        ]

    @rx.var
    def export_href(self) -> str:
        params = {
            "q": self.query,
            "status": "" if self.status_filter == ANY else self.status_filter,
            "store_id": "" if self.store_filter == ANY else self.store_filter,
            "date_from": self.date_from,
            "date_to": self.date_to,
            "sort": self.sort,
        }
        return EXPORT_ROUTE + "?" + urlencode({k: v for k, v in params.items() if v})

    @admin_event(admin.OWNER)
    async def export_csv(self):
        """The browser downloads the CSV from the API route, which checks the session again."""
        self._filters()  # bad filters are refused here, with the page's message
        # The API's own address (in development it is not the page's); a Var, as rx.download
        # takes only paths as plain strings.
        url = get_settings().api_base_url.rstrip("/") + self.export_href
        return rx.download(url=rx.Var.create(url), filename="rentals.csv")

    @admin_event(admin.STAFF)
    async def load(self):
        self.stores = [
            [store_id, name]
            for store_id, name in await owner_rentals.store_choices(uow=admin_uow())
        ]
        await self._search()

    @admin_event(admin.STAFF)
    async def search(self, form_data: dict):
        self.query = str(form_data.get("query", ""))[:100]
        self.date_from = str(form_data.get("date_from", ""))[:10]
        self.date_to = str(form_data.get("date_to", ""))[:10]
        self.page = 1
        await self._search()

    @admin_event(admin.STAFF)
    async def choose_status(self, value: str):
        self.status_filter = value if value in status.STATUS_LABELS else ANY
        self.page = 1
        await self._search()

    @admin_event(admin.STAFF)
    async def choose_store(self, value: str):
        self.store_filter = value if any(value == s[0] for s in self.stores) else ANY
        self.page = 1
        await self._search()

    @admin_event(admin.STAFF)
    async def choose_sort(self, value: str):
        self.sort = value if value in owner_rentals.SORTS else "newest"
        self.page = 1
        await self._search()

    @admin_event(admin.STAFF)
    async def go_to_page(self, page: int):
        try:
            self.page = max(1, int(page))
        except (TypeError, ValueError):
            self.page = 1
        await self._search()


def _select(value, options, on_change, select_id: str, label: str) -> rx.Component:  # noqa: ANN001
    return rx.select.root(
        rx.select.trigger(id=select_id, aria_label=label),
        rx.select.content(*[rx.select.item(text, value=key) for key, text in options]),
        value=value,
        on_change=on_change,
        size="2",
    )


def _filters() -> rx.Component:
    S = AdminRentalsState
    return rx.vstack(
        rx.form(
            rx.flex(
                rx.input(
                    name="query",
                    default_value=S.query,
                    placeholder="Search: id, name, email, phone",
                    id="rental-search",
                    aria_label="Search rentals",
                    flex="1 1 220px",
                    size="2",
                ),
                rx.input(
                    name="date_from",
                    type="date",
                    default_value=S.date_from,
                    aria_label="Created from",
                    id="date-from",
                    size="2",
                ),
                rx.input(
                    name="date_to",
                    type="date",
                    default_value=S.date_to,
                    aria_label="Created until",
                    id="date-to",
                    size="2",
                ),
                rx.button("Search", type="submit", id="search-button", size="2"),
                wrap="wrap",
                gap="8px",
                width="100%",
            ),
            on_submit=S.search,
            reset_on_submit=False,
            width="100%",
        ),
        rx.flex(
            _select(S.status_filter, STATUS_OPTIONS, S.choose_status, "status-filter", "Status"),
            rx.select.root(
                rx.select.trigger(id="store-filter", aria_label="Store"),
                rx.select.content(
                    rx.select.item("Any store", value=ANY),
                    rx.foreach(S.stores, lambda s: rx.select.item(s[1], value=s[0])),
                ),
                value=S.store_filter,
                on_change=S.choose_store,
                size="2",
            ),
            _select(S.sort, SORT_OPTIONS, S.choose_sort, "sort", "Sort"),
            rx.cond(
                S.is_owner,
                rx.button(
                    rx.icon("download", size=14),
                    "Export CSV",
                    on_click=S.export_csv,
                    variant="soft",
                    size="2",
                    id="export-csv",
                ),
            ),
            wrap="wrap",
            gap="8px",
            align="center",
            width="100%",
        ),
        spacing="2",
        width="100%",
    )


def _table() -> rx.Component:
    S = AdminRentalsState
    return scroll_table(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell("Rental"),
                    rx.table.column_header_cell("Customer"),
                    rx.table.column_header_cell("Collectible"),
                    rx.table.column_header_cell("Status"),
                    rx.table.column_header_cell("Store"),
                    rx.cond(S.is_owner, rx.table.column_header_cell("Total")),
                    rx.table.column_header_cell("Created"),
                )
            ),
            rx.table.body(
                rx.foreach(
                    S.rows,
                    lambda r: rx.table.row(
                        rx.table.cell(
                            rx.link(
                                r["short"],
                                href="/admin/rentals/" + r["id"],
                                class_name="rental-link",
                                title=r["id"],
                                font_family="monospace",
                            )
                        ),
                        rx.table.cell(
                            rx.vstack(
                                rx.text(r["customer"], weight="medium", class_name="customer-name"),
                                rx.text(r["email"], size="1", color=rx.color("gray", 11)),
                                rx.text(r["phone"], size="1", color=rx.color("gray", 11)),
                                spacing="0",
                            )
                        ),
                        rx.table.cell(r["collectible"]),
                        rx.table.cell(status_badge(r["status"], r["status_label"])),
                        rx.table.cell(r["store"]),
                        rx.cond(S.is_owner, rx.table.cell(r["total"], white_space="nowrap")),
                        rx.table.cell(r["created"], white_space="nowrap"),
                        class_name="rental-row",
                    ),
                )
            ),
            size="1",
            width="100%",
            id="rentals-table",
        )
    )


def rentals_page() -> rx.Component:
    S = AdminRentalsState
    return admin_layout(
        rx.vstack(
            _filters(),
            problem_callout(S.error, "rentals-error"),
            rx.card(_table(), width="100%", padding="8px"),
            pager(S.page, S.pages, S.total, "rentals", S.go_to_page, "rentals"),
            spacing="3",
            width="100%",
        ),
        title="Rentals",
    )


def register(app: rx.App) -> None:
    add_admin_page(app, rentals_page, "/admin/rentals", "Rentals", AdminRentalsState.load)
