"""/admin/catalog: every collectible (archived too), a form for a new one, archive/restore."""

from __future__ import annotations

import dataclasses

import reflex as rx

from mongocollectibles.components.admin_layout import visually_hidden
from mongocollectibles.domain import admin
from mongocollectibles.domain.errors import DomainError
from mongocollectibles.domain.pricing import SIZE_LABELS, SIZES
from mongocollectibles.domain.problems import ProblemsFound
from mongocollectibles.pages.admin.frame import (
    active_toggle,
    add_admin_page,
    admin_frame,
    field,
    problem_list,
)
from mongocollectibles.services import catalog_admin
from mongocollectibles.state.admin import AdminState, admin_event, admin_uow


@dataclasses.dataclass
class CollectibleItem:
    id: str = ""
    name: str = ""
    size: str = ""
    active: bool = True
    units: int = 0
    rentals: int = 0


class CatalogAdminState(AdminState):
    rows: list[CollectibleItem] = []
    problems: list[str] = []
    message: str = ""

    async def _read(self) -> None:
        self.rows = [
            CollectibleItem(r.id, r.name, r.size, r.active, r.units, r.rentals)
            for r in await catalog_admin.list_collectibles(uow=admin_uow())
        ]

    @admin_event(admin.OWNER)
    async def load(self):
        self.problems, self.message = [], ""
        await self._read()

    @admin_event(admin.OWNER)
    async def create(self, form: dict):
        self.problems, self.message = [], ""
        collectible_id = str(form.get("id", "")).strip()
        try:
            await catalog_admin.create_collectible(
                collectible_id,
                name=str(form.get("name", "")),
                size=str(form.get("size", "")),
                description=str(form.get("description", "")),
                uow=admin_uow(),
            )
        except ProblemsFound as error:
            self.problems = [str(p) for p in error.problems]
            return
        return rx.redirect(f"/admin/catalog/{collectible_id}")

    @admin_event(admin.OWNER)
    async def set_active(self, collectible_id: str, active: bool):
        self.problems, self.message = [], ""
        try:
            if active:
                await catalog_admin.restore_collectible(collectible_id, uow=admin_uow())
            else:
                await catalog_admin.archive_collectible(collectible_id, uow=admin_uow())
        except DomainError as error:
            self.problems = [error.message]
            return
        self.message = f"{collectible_id} {'restored' if active else 'archived'}."
        await self._read()


def _row(item: CollectibleItem) -> rx.Component:
    S = CatalogAdminState
    return rx.table.row(
        rx.table.cell(rx.link(item.id, href="/admin/catalog/" + item.id)),
        rx.table.cell(item.name),
        rx.table.cell(item.size),
        rx.table.cell(item.units),
        rx.table.cell(item.rentals),
        rx.table.cell(
            active_toggle(item.active, "Archive", "Restore", lambda on: S.set_active(item.id, on))
        ),
    )


def catalog_admin_page() -> rx.Component:
    S = CatalogAdminState
    size_options = [rx.select.item(f"{s} ({SIZE_LABELS[s]})", value=s) for s in SIZES]
    return admin_frame(
        "Catalog",
        problem_list(S.problems, S.message),
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[
                        rx.table.column_header_cell(h)
                        for h in ("Id", "Name", "Size", "Units", "Rentals")
                    ],
                    # The buttons' column: named for screen readers, no visible heading.
                    rx.table.column_header_cell(visually_hidden("Actions")),
                )
            ),
            rx.table.body(rx.foreach(S.rows, _row)),
            width="100%",
        ),
        rx.card(
            rx.form(
                rx.vstack(
                    rx.heading("New collectible", size="4", as_="h2"),
                    field("Id", rx.input(name="id", placeholder="col-007", required=True)),
                    field("Name", rx.input(name="name", required=True)),
                    field(
                        "Size",
                        rx.select.root(
                            rx.select.trigger(aria_label="Size"),
                            rx.select.content(*size_options),
                            name="size",
                            default_value="M",
                        ),
                    ),
                    field("Description", rx.text_area(name="description")),
                    rx.button("Create", type="submit"),
                    spacing="3",
                ),
                on_submit=S.create,
            ),
            width="100%",
        ),
    )


def register(app: rx.App) -> None:
    add_admin_page(app, catalog_admin_page, "/admin/catalog", "Catalog", CatalogAdminState.load)
