"""/admin/network: stores (shown to customers), warehouses, and the distance matrix editor.
Every cell is checked; a wrong or missing one is named next to it and nothing is saved."""

from __future__ import annotations

import dataclasses

import reflex as rx

from mongocollectibles.components.admin_layout import visually_hidden
from mongocollectibles.domain import admin
from mongocollectibles.domain.errors import DomainError
from mongocollectibles.domain.problems import ProblemsFound
from mongocollectibles.pages.admin.frame import (
    active_toggle,
    add_admin_page,
    admin_frame,
    field,
    problem_list,
)
from mongocollectibles.services import network_admin
from mongocollectibles.state.admin import AdminState, admin_event, admin_uow


@dataclasses.dataclass
class StoreItem:
    id: str = ""
    name: str = ""
    address: str = ""
    opening_hours: str = ""
    active: bool = True


@dataclasses.dataclass
class Cell:
    store_id: str = ""
    value: str = ""
    error: str = ""


@dataclasses.dataclass
class MatrixRow:
    warehouse_id: str = ""
    name: str = ""
    active: bool = True
    cells: list[Cell] = dataclasses.field(default_factory=list)


class NetworkAdminState(AdminState):
    stores: list[StoreItem] = []
    store_ids: list[str] = []  # active stores: the matrix columns
    rows: list[MatrixRow] = []
    problems: list[str] = []
    message: str = ""

    async def _read(self) -> None:
        network = await network_admin.get_network(uow=admin_uow())
        self.stores = [
            StoreItem(s.id, s.name, s.address, s.opening_hours, s.active) for s in network.stores
        ]
        self.store_ids = [s.id for s in network.stores if s.active]
        self.rows = [
            MatrixRow(
                w.id,
                w.name,
                w.active,
                [
                    Cell(s, str(network.distances.get(w.id, {}).get(s, "")), "")
                    for s in self.store_ids
                ],
            )
            for w in network.warehouses
            if w.active
        ]

    @admin_event(admin.OWNER)
    async def load(self):
        self.problems, self.message = [], ""
        await self._read()

    @admin_event(admin.OWNER)
    async def set_cell(self, row: int, column: int, value: str):
        # Indexes come from the client: anything outside the matrix shown is ignored.
        if not (isinstance(row, int) and 0 <= row < len(self.rows)):
            return
        cells = self.rows[row].cells
        if isinstance(column, int) and 0 <= column < len(cells):
            cells[column].value = str(value)[:12]

    def _show(self, error: ProblemsFound) -> None:
        by_cell = {p.where: p.message for p in error.problems}
        for row in self.rows:
            for cell in row.cells:
                cell.error = by_cell.get(f"distances.{row.warehouse_id}.{cell.store_id}", "")
        self.problems = [str(p) for p in error.problems]

    @admin_event(admin.OWNER)
    async def save_matrix(self):
        self.problems, self.message = [], ""
        matrix = {
            row.warehouse_id: {c.store_id: c.value for c in row.cells if c.value.strip() != ""}
            for row in self.rows
        }
        try:
            await network_admin.save_distance_matrix(matrix, uow=admin_uow())
        except ProblemsFound as error:
            self._show(error)
            return
        self.message = "Distances saved; ETAs on the storefront use them now."
        await self._read()

    @admin_event(admin.OWNER)
    async def save_store(self, form: dict):
        self.problems, self.message = [], ""
        distances = {
            key[3:]: value for key, value in form.items() if key.startswith("km_") and value != ""
        }
        try:
            await network_admin.save_store(
                str(form.get("id", "")).strip(),
                name=str(form.get("name", "")),
                address=str(form.get("address", "")),
                opening_hours=str(form.get("opening_hours", "")),
                distances=distances,
                uow=admin_uow(),
            )
        except ProblemsFound as error:
            self._show(error)
            return
        self.message = "Store saved."
        await self._read()

    @admin_event(admin.OWNER)
    async def save_warehouse(self, form: dict):
        self.problems, self.message = [], ""
        distances = {
            key[3:]: value for key, value in form.items() if key.startswith("km_") and value != ""
        }
        try:
            await network_admin.save_warehouse(
                str(form.get("id", "")).strip(),
                name=str(form.get("name", "")),
                distances=distances,
                uow=admin_uow(),
            )
        except ProblemsFound as error:
            self._show(error)
            return
        self.message = "Warehouse saved."
        await self._read()

    @admin_event(admin.OWNER)
    async def set_store_active(self, store_id: str, active: bool):
        self.problems, self.message = [], ""
        store = next((s for s in self.stores if s.id == store_id), None)
        if store is None:
            return
        try:
            await network_admin.save_store(
                store.id,
                name=store.name,
                address=store.address,
                opening_hours=store.opening_hours,
                active=active,
                uow=admin_uow(),
            )
        except ProblemsFound as error:
            self._show(error)
            return
        except DomainError as error:
            self.problems = [error.message]
            return
        self.message = f"Store {store_id} {'opened' if active else 'closed'}."
        await self._read()


def _cell(row: MatrixRow, cell: Cell, i, j) -> rx.Component:  # noqa: ANN001 - Vars
    S = NetworkAdminState
    return rx.table.cell(
        rx.vstack(
            rx.input(
                value=cell.value,
                on_change=lambda v: S.set_cell(i, j, v),
                aria_label="km from " + row.warehouse_id + " to " + cell.store_id,
                inputmode="numeric",
                width="80px",
                color_scheme=rx.cond(cell.error != "", "red", "gray"),
            ),
            rx.cond(
                cell.error != "",
                # red 11, not the CSS "red": 4.5:1 or more on the page
                rx.text(cell.error, size="1", color=rx.color("red", 11), role="alert"),
            ),
            spacing="1",
        )
    )


def _matrix() -> rx.Component:
    S = NetworkAdminState
    return rx.card(
        rx.vstack(
            rx.heading("Distances (km = days of delivery)", size="4", as_="h2"),
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Warehouse"),
                        rx.foreach(S.store_ids, lambda s: rx.table.column_header_cell(s)),
                    )
                ),
                rx.table.body(
                    rx.foreach(
                        S.rows,
                        lambda row, i: rx.table.row(
                            rx.table.row_header_cell(row.name),
                            rx.foreach(row.cells, lambda cell, j: _cell(row, cell, i, j)),
                        ),
                    )
                ),
                width="100%",
                id="distance-matrix",
            ),
            rx.button("Save distances", on_click=S.save_matrix),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _store_row(store: StoreItem) -> rx.Component:
    S = NetworkAdminState
    return rx.table.row(
        rx.table.cell(store.id),
        rx.table.cell(store.name),
        rx.table.cell(store.address),
        rx.table.cell(store.opening_hours),
        rx.table.cell(
            active_toggle(
                store.active, "Close", "Open", lambda on: S.set_store_active(store.id, on)
            )
        ),
    )


def network_admin_page() -> rx.Component:
    S = NetworkAdminState
    store_form = rx.form(
        rx.vstack(
            rx.heading("Add or change a store", size="4", as_="h2"),
            field("Id", rx.input(name="id", required=True)),
            field("Name", rx.input(name="name", required=True)),
            field("Address", rx.input(name="address", required=True)),
            field("Opening hours", rx.input(name="opening_hours")),
            rx.text("km from each warehouse (needed for a new store):", size="2"),
            rx.hstack(
                rx.foreach(
                    S.rows,
                    lambda row: field(
                        row.warehouse_id, rx.input(name="km_" + row.warehouse_id, width="80px")
                    ),
                ),
                wrap="wrap",
            ),
            rx.button("Save store", type="submit"),
            spacing="3",
        ),
        on_submit=S.save_store,
    )
    warehouse_form = rx.form(
        rx.vstack(
            rx.heading("Add or change a warehouse", size="4", as_="h2"),
            field("Id", rx.input(name="id", required=True)),
            field("Name", rx.input(name="name", required=True)),
            rx.text("km to each store (needed for a new warehouse):", size="2"),
            rx.hstack(
                rx.foreach(S.store_ids, lambda s: field(s, rx.input(name="km_" + s, width="80px"))),
                wrap="wrap",
            ),
            rx.button("Save warehouse", type="submit"),
            spacing="3",
        ),
        on_submit=S.save_warehouse,
    )
    return admin_frame(
        "Stores & warehouses",
        problem_list(S.problems, S.message),
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[
                        rx.table.column_header_cell(h)
                        for h in ("Store", "Name", "Address", "Opening hours")
                    ],
                    # The buttons' column: named for screen readers, no visible heading.
                    rx.table.column_header_cell(visually_hidden("Actions")),
                )
            ),
            rx.table.body(rx.foreach(S.stores, _store_row)),
            width="100%",
        ),
        _matrix(),
        rx.card(store_form, width="100%"),
        rx.card(warehouse_form, width="100%"),
    )


def register(app: rx.App) -> None:
    add_admin_page(app, network_admin_page, "/admin/network", "Network", NetworkAdminState.load)
