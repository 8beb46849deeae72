"""/admin/catalog/[collectible_id]: edit a collectible, upload its image, manage its units
(add, retire, put back in stock, block for maintenance and remove a block)."""

from __future__ import annotations

import dataclasses
from datetime import date

import reflex as rx

from mongocollectibles.components.admin_layout import status_badge, visually_hidden
from mongocollectibles.domain import admin
from mongocollectibles.domain.errors import DomainError
from mongocollectibles.domain.pricing import SIZE_LABELS, SIZES
from mongocollectibles.domain.problems import ProblemsFound
from mongocollectibles.domain.units import FREE, HELD, MAINTENANCE, RENTED, RETIRED
from mongocollectibles.pages.admin.frame import (
    add_admin_page,
    admin_frame,
    field,
    form_row,
    named_upload,
    native_select,
    problem_list,
    row_field,
)
from mongocollectibles.services import catalog_admin, images, network_admin, units_admin
from mongocollectibles.settings import get_settings
from mongocollectibles.state.admin import AdminState, admin_event, admin_uow

UPLOAD_ID = "collectible-image"
TEXT_WIDTH = "40rem"  # the Details card's text fields: the card's width up to this
# Each unit state has its colour; the badge still says the state's word.
UNIT_STATE_COLORS = {
    FREE: "green",
    HELD: "amber",
    RENTED: "blue",
    MAINTENANCE: "orange",
    RETIRED: "gray",
}


@dataclasses.dataclass
class BlockItem:
    id: int = 0
    days: str = ""  # "2026-12-01 to 2026-12-03"
    reason: str = ""  # "(repaint)", or "" for none


@dataclasses.dataclass
class UnitItem:
    id: str = ""
    warehouse_id: str = ""
    state: str = ""
    blocks: list[BlockItem] = dataclasses.field(default_factory=list)  # current and future


def _block_item(block: units_admin.BlockView) -> BlockItem:
    days = f"{block.starts_on} to {block.ends_on}"
    reason = f"({block.reason})" if block.reason else ""
    return BlockItem(block.id, days, reason)


class CollectibleAdminState(AdminState):
    found: bool = False
    name: str = ""
    description: str = ""
    size: str = "M"
    image_url: str = ""
    active: bool = True
    units: list[UnitItem] = []
    warehouses: list[str] = []
    problems: list[str] = []
    message: str = ""
    uploading: bool = False

    @rx.var
    def blockable_units(self) -> list[str]:
        # A retired unit is out for good: no days to block.
        return [u.id for u in self.units if u.state != RETIRED]

    @rx.var
    def cid(self) -> str:
        # The route's dynamic argument, a var Reflex adds to every state.
        return str(self.collectible_id or "")

    async def _read(self) -> None:
        try:
            row = await catalog_admin.get_collectible(self.cid, uow=admin_uow())
        except DomainError as error:
            self.found, self.problems = False, [error.message]
            return
        self.found = True
        self.name, self.description, self.size = row.name, row.description, row.size
        self.image_url, self.active = row.image_url, row.active
        self.units = [
            UnitItem(u.id, u.warehouse_id, u.state, [_block_item(b) for b in u.blocks])
            for u in await units_admin.list_units(self.cid, uow=admin_uow())
        ]
        network = await network_admin.get_network(uow=admin_uow())
        self.warehouses = [w.id for w in network.warehouses if w.active]

    async def _run(self, action, done: str) -> None:  # noqa: ANN001 - an awaitable
        self.problems, self.message = [], ""
        try:
            await action
        except ProblemsFound as error:
            self.problems = [str(p) for p in error.problems]
            return
        except DomainError as error:
            self.problems = [error.message]
            return
        self.message = done
        await self._read()

    @admin_event(admin.OWNER)
    async def set_size(self, value: str):
        self.size = value

    @admin_event(admin.OWNER)
    async def load(self):
        self.problems, self.message = [], ""
        await self._read()

    @admin_event(admin.OWNER)
    async def save(self, form: dict):
        await self._run(
            catalog_admin.edit_collectible(
                self.cid,
                name=str(form.get("name", "")),
                description=str(form.get("description", "")),
                size=str(form.get("size", self.size)),
                uow=admin_uow(),
            ),
            "Saved; the storefront shows it now.",
        )

    @admin_event(admin.OWNER)
    async def upload(self, files: list[rx.UploadFile]):
        # Reachable by name from any client: @admin_event checks the owner here.
        if not isinstance(files, list) or not files or not hasattr(files[0], "read"):
            self.problems = ["Choose an image first."]
            return
        self.uploading = True
        yield
        limit = get_settings().max_image_bytes
        upload = files[0]
        try:
            images.check_size(upload.size or 0, filename=upload.name or "")
        except DomainError as error:
            self.problems, self.uploading = [error.message], False
            return
        data = await upload.read(limit + 1)  # never more than the limit + 1 byte in memory
        await self._run(
            images.upload_collectible_image(
                self.cid, data, filename=upload.name or "", uow=admin_uow()
            ),
            "Image uploaded; the storefront shows it now.",
        )
        self.uploading = False

    @admin_event(admin.OWNER)
    async def add_units(self, form: dict):
        actor = self.principal.username  # the audit log names accounts, as for rentals
        try:
            count = int(str(form.get("count", "")).strip())
        except ValueError:
            self.problems, self.message = ["The number of units must be a whole number."], ""
            return
        await self._run(
            units_admin.add_units(
                self.cid, str(form.get("warehouse", "")), count, actor=actor, uow=admin_uow()
            ),
            f"{count} unit(s) added.",
        )

    @admin_event(admin.OWNER)
    async def retire(self, unit_id: str):
        actor = self.principal.username
        await self._run(
            units_admin.retire_unit(unit_id, actor=actor, uow=admin_uow()), f"{unit_id} retired."
        )

    @admin_event(admin.OWNER)
    async def restore(self, unit_id: str):
        # Undoes a retirement made by mistake.
        actor = self.principal.username
        await self._run(
            units_admin.restore_unit(unit_id, actor=actor, uow=admin_uow()),
            f"{unit_id} is back in stock.",
        )

    @admin_event(admin.OWNER)
    async def block(self, form: dict):
        # Also the block's created_by: one name for who did it, the block and its log row.
        actor = self.principal.username
        try:
            starts = date.fromisoformat(str(form.get("starts_on", "")))
            ends = date.fromisoformat(str(form.get("ends_on", "")))
        except ValueError:
            self.problems, self.message = ["Give the first and last day as dates."], ""
            return
        await self._run(
            units_admin.block_unit(
                str(form.get("unit_id", "")),
                starts,
                ends,
                reason=str(form.get("reason", "")),
                actor=actor,
                uow=admin_uow(),
            ),
            "Maintenance block saved.",
        )

    @admin_event(admin.OWNER)
    async def unblock(self, block_id: int):
        # The unit can be booked on those days again; the log names who removed the block.
        actor = self.principal.username
        removed = next(
            (
                f"{u.id}, {b.days} {b.reason}".rstrip()
                for u in self.units
                for b in u.blocks
                if b.id == block_id
            ),
            "",
        )
        await self._run(
            units_admin.unblock_unit(block_id, actor=actor, uow=admin_uow()),
            f"Maintenance block removed: {removed}." if removed else "Maintenance block removed.",
        )


def _block_line(unit_id, block: BlockItem) -> rx.Component:  # noqa: ANN001 - a Var
    return rx.hstack(
        # The days on one line (a phone would break them at every hyphen), then the reason.
        rx.text(rx.el.span(block.days, white_space="nowrap"), " ", block.reason, size="2"),
        rx.button(
            "Remove",
            size="1",
            variant="soft",
            aria_label="Remove block of " + unit_id + ": " + block.days,
            on_click=CollectibleAdminState.unblock(block.id),
        ),
        align="center",
        spacing="2",
        wrap="wrap",
    )


def _unit_row(unit: UnitItem) -> rx.Component:
    S = CollectibleAdminState
    return rx.table.row(
        # Ids on one line ("col-006-wh-east", not a word a line); on a phone the table
        # scrolls sideways inside its card instead (a Radix table scrolls in its own area).
        rx.table.cell(unit.id, white_space="nowrap"),
        rx.table.cell(unit.warehouse_id, white_space="nowrap"),
        rx.table.cell(status_badge(unit.state, unit.state, UNIT_STATE_COLORS)),
        rx.table.cell(
            rx.vstack(rx.foreach(unit.blocks, lambda b: _block_line(unit.id, b)), spacing="1")
        ),
        # Accessible names start with the visible label (voice control) and name the unit, so
        # a screen reader's list of buttons tells the rows apart.
        rx.table.cell(
            rx.cond(
                (unit.state == FREE) | (unit.state == MAINTENANCE),
                rx.button(
                    "Retire",
                    size="1",
                    variant="soft",
                    aria_label="Retire " + unit.id,
                    on_click=S.retire(unit.id),
                ),
            ),
            rx.cond(
                unit.state == RETIRED,
                rx.button(
                    "Put back in stock",
                    size="1",
                    variant="soft",
                    aria_label="Put back in stock: " + unit.id,
                    on_click=S.restore(unit.id),
                ),
            ),
        ),
    )


def collectible_admin_page() -> rx.Component:
    S = CollectibleAdminState
    size_options = [rx.select.item(f"{s} ({SIZE_LABELS[s]})", value=s) for s in SIZES]
    details = rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Details", size="4", as_="h2"),
                # The card's width, up to a comfortable line: a long name is seen whole.
                field(
                    "Name",
                    rx.input(
                        name="name",
                        default_value=S.name,
                        key=S.name,
                        width="100%",
                        max_width=TEXT_WIDTH,
                    ),
                ),
                field(
                    "Size",
                    rx.select.root(
                        rx.select.trigger(aria_label="Size"),
                        rx.select.content(*size_options),
                        name="size",
                        value=S.size,
                        on_change=S.set_size,
                    ),
                ),
                field(
                    "Description",
                    rx.text_area(
                        name="description",
                        default_value=S.description,
                        key=S.description,
                        rows="6",
                        resize="vertical",
                        width="100%",
                        max_width=TEXT_WIDTH,
                    ),
                ),
                rx.button("Save", type="submit"),
                spacing="3",
            ),
            on_submit=S.save,
        ),
        width="100%",
    )
    image = rx.card(
        rx.vstack(
            rx.heading("Image", size="4", as_="h2"),
            rx.cond(
                S.image_url != "",
                rx.image(src=S.image_url, max_width="240px", alt=S.name, id="current-image"),
            ),
            named_upload(
                "Image file",
                rx.text("Drop a PNG, JPEG, WebP or GIF here, or click to choose one."),
                id=UPLOAD_ID,
                max_files=1,
                border="1px dashed",
                padding="16px",
            ),
            rx.text(rx.selected_files(UPLOAD_ID), size="2"),
            rx.button(
                "Upload image",
                on_click=S.upload(rx.upload_files(upload_id=UPLOAD_ID)),
                loading=S.uploading,
            ),
            spacing="3",
        ),
        width="100%",
    )
    units = rx.card(
        rx.vstack(
            rx.heading("Units", size="4", as_="h2"),
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        *[
                            rx.table.column_header_cell(h)
                            for h in ("Unit", "Warehouse", "State", "Maintenance")
                        ],
                        # The buttons' column: named for screen readers, no visible heading.
                        rx.table.column_header_cell(visually_hidden("Actions")),
                    )
                ),
                rx.table.body(rx.foreach(S.units, _unit_row)),
                width="100%",
            ),
            rx.form(
                rx.heading(
                    "Add units",
                    size="3",
                    as_="h3",
                    id="add-units-heading",
                    margin_bottom="var(--space-2)",
                ),
                form_row(
                    row_field(
                        "Warehouse",
                        native_select(
                            rx.foreach(S.warehouses, lambda w: rx.el.option(w, value=w)),
                            name="warehouse",
                        ),
                        max_width="320px",
                    ),
                    row_field(
                        "How many",
                        rx.input(name="count", type="number", min=1, default_value="1"),
                        basis="100px",
                        max_width="160px",
                    ),
                    rx.button("Add units", type="submit"),
                ),
                on_submit=S.add_units,
                aria_labelledby="add-units-heading",
                width="100%",
                margin_top="var(--space-3)",
            ),
            rx.cond(
                S.blockable_units.length() > 0,
                rx.form(
                    rx.heading(
                        "Block a unit for maintenance",
                        size="3",
                        as_="h3",
                        id="block-heading",
                        margin_bottom="var(--space-2)",
                    ),
                    form_row(
                        row_field(
                            "Unit",
                            native_select(
                                rx.foreach(S.blockable_units, lambda u: rx.el.option(u, value=u)),
                                name="unit_id",
                            ),
                            basis="200px",
                            max_width="320px",
                        ),
                        row_field(
                            "First day",
                            rx.input(name="starts_on", type="date"),
                            basis="150px",
                            max_width="200px",
                        ),
                        row_field(
                            "Last day",
                            rx.input(name="ends_on", type="date"),
                            basis="150px",
                            max_width="200px",
                        ),
                        row_field("Reason", rx.input(name="reason", max_length=300), basis="220px"),
                        rx.button("Block for maintenance", type="submit"),
                    ),
                    on_submit=S.block,
                    aria_labelledby="block-heading",
                    width="100%",
                    margin_top="var(--space-3)",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )
    return admin_frame(
        "Collectible",
        rx.heading(S.cid, size="4"),
        problem_list(S.problems, S.message),
        rx.cond(S.found, rx.vstack(details, image, units, spacing="4", width="100%")),
    )


def register(app: rx.App) -> None:
    add_admin_page(
        app,
        collectible_admin_page,
        "/admin/catalog/[collectible_id]",
        "Collectible",
        CollectibleAdminState.load,
    )
