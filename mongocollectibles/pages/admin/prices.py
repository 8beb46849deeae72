"""/admin/prices: base daily rates per size (pesos), the special rate, the turnaround
buffer, and the history of changes. A change applies to new quotes at once, never to
existing rentals."""

from __future__ import annotations

import dataclasses
from decimal import Decimal, InvalidOperation

import reflex as rx

from mongocollectibles.domain import admin
from mongocollectibles.domain.pricing import format_php
from mongocollectibles.domain.problems import ProblemsFound
from mongocollectibles.pages.admin.frame import add_admin_page, admin_frame, field, problem_list
from mongocollectibles.services import pricing_admin
from mongocollectibles.state.admin import AdminState, admin_event, admin_uow

RATES = (("rate_s_centavos", "S"), ("rate_m_centavos", "M"), ("rate_l_centavos", "L"))
WHOLE = ("special_threshold_days", "special_multiplier_percent", "turnaround_days")


@dataclasses.dataclass
class HistoryItem:
    when: str = ""
    who: str = ""
    setting: str = ""
    old: str = ""
    new: str = ""


def _shown(setting: str, value: int) -> str:
    return format_php(value) if setting.startswith("rate_") else str(value)


def pesos_to_centavos(text: str) -> int | None:
    try:
        amount = Decimal(text.replace(",", "").strip())
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        return None
    return int(amount * 100)


class PricesAdminState(AdminState):
    rate_s: str = ""
    rate_m: str = ""
    rate_l: str = ""
    special_threshold_days: str = ""
    special_multiplier_percent: str = ""
    turnaround_days: str = ""
    history: list[HistoryItem] = []
    problems: list[str] = []
    message: str = ""

    async def _read(self) -> None:
        p = await pricing_admin.get_pricing(uow=admin_uow())
        self.rate_s = f"{Decimal(p.rate_s_centavos) / 100:.2f}"
        self.rate_m = f"{Decimal(p.rate_m_centavos) / 100:.2f}"
        self.rate_l = f"{Decimal(p.rate_l_centavos) / 100:.2f}"
        self.special_threshold_days = str(p.special_threshold_days)
        self.special_multiplier_percent = str(p.special_multiplier_percent)
        self.turnaround_days = str(p.turnaround_days)
        self.history = [
            HistoryItem(
                h.changed_at.strftime("%Y-%m-%d %H:%M UTC"),
                h.changed_by,
                pricing_admin.SETTINGS[h.setting][0],
                _shown(h.setting, h.old_value),
                _shown(h.setting, h.new_value),
            )
            for h in await pricing_admin.price_history(limit=50, uow=admin_uow())
        ]

    @admin_event(admin.OWNER)
    async def load(self):
        self.problems, self.message = [], ""
        await self._read()

    @admin_event(admin.OWNER)
    async def save(self, form: dict):
        actor = self.principal.actor
        self.problems, self.message = [], ""
        values: dict[str, object] = {}
        for setting, size in RATES:
            centavos = pesos_to_centavos(str(form.get(f"rate_{size.lower()}", "")))
            if centavos is None:
                self.problems.append(
                    f"Daily rate, size {size}: give an amount in pesos, e.g. 5000.00."
                )
            values[setting] = centavos
        for setting in WHOLE:
            values[setting] = str(form.get(setting, ""))
        if self.problems:
            return
        try:
            changes = await pricing_admin.update_pricing(values, actor=actor, uow=admin_uow())
        except ProblemsFound as error:
            self.problems = [p.message for p in error.problems]
            return
        self.message = (
            f"Saved {len(changes)} change(s); new quotes use them now, existing rentals keep "
            "their price."
            if changes
            else "Nothing changed."
        )
        await self._read()


def _history_row(item: HistoryItem) -> rx.Component:
    return rx.table.row(
        rx.table.cell(item.when),
        rx.table.cell(item.who),
        rx.table.cell(item.setting),
        rx.table.cell(item.old),
        rx.table.cell(item.new),
    )


def prices_admin_page() -> rx.Component:
    S = PricesAdminState

    def number(name: str, value) -> rx.Component:  # noqa: ANN001 - a Var
        return rx.input(name=name, default_value=value, key=value, inputmode="decimal")

    return admin_frame(
        "Prices",
        problem_list(S.problems, S.message),
        rx.card(
            rx.form(
                rx.vstack(
                    field("Daily rate, size S (PHP)", number("rate_s", S.rate_s)),
                    field("Daily rate, size M (PHP)", number("rate_m", S.rate_m)),
                    field("Daily rate, size L (PHP)", number("rate_l", S.rate_l)),
                    field(
                        "Special rate for rentals shorter than (days)",
                        number("special_threshold_days", S.special_threshold_days),
                    ),
                    field(
                        "Special rate multiplier (percent of the daily rate)",
                        number("special_multiplier_percent", S.special_multiplier_percent),
                    ),
                    field("Turnaround buffer (days)", number("turnaround_days", S.turnaround_days)),
                    rx.button("Save prices", type="submit"),
                    spacing="3",
                ),
                on_submit=S.save,
            ),
            width="100%",
        ),
        rx.heading("History", size="4", as_="h2"),
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[
                        rx.table.column_header_cell(h)
                        for h in ("When", "Who", "Setting", "Old", "New")
                    ]
                )
            ),
            rx.table.body(rx.foreach(S.history, _history_row)),
            width="100%",
            # Fits a phone's width (cells wrap) rather than scrolling: a scrolling region
            # with nothing to focus in it cannot be scrolled from the keyboard.
            style={
                "& table": {"table_layout": "fixed"},
                "& th, & td": {"overflow_wrap": "anywhere"},
            },
        ),
    )


def register(app: rx.App) -> None:
    add_admin_page(app, prices_admin_page, "/admin/prices", "Prices", PricesAdminState.load)
