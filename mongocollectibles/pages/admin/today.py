"""`/admin/today`: what needs doing now, money this month (owner), how busy each collectible
is, and new paid rentals as they come (the page polls a cheap marker every few seconds)."""

from __future__ import annotations

import reflex as rx

from mongocollectibles.components.admin_layout import (
    admin_layout,
    money,
    scroll_table,
    status_badge,
    status_label,
    when,
)
from mongocollectibles.domain import admin
from mongocollectibles.pages.admin.frame import add_admin_page
from mongocollectibles.services import owner_dashboard
from mongocollectibles.services.owner_dashboard import WorkItem
from mongocollectibles.state.admin import AdminState, admin_event, admin_uow

POLL_MS = 4000
SECTIONS = (
    ("pickups_due", "Pickups due", "Paid rentals whose unit is at (or due at) the store."),
    ("returns_due", "Returns due today", "Picked up; due back before the day ends."),
    ("overdue", "Overdue", "Picked up and past their return date."),
    ("holds_expiring", "Holds about to expire", "Waiting for payment; the hold ends soon."),
    ("needs_refund", "Payments needing a refund", "Paid after the unit went to someone else."),
    ("flagged", "Flagged for you", "Holds that ended but were never released."),
    ("latest_paid", "Latest paid rentals", "Newest first."),
)


def _rows(items: list[WorkItem]) -> list[dict[str, str]]:
    return [
        {
            "id": i.rental_id,
            "customer": i.customer_name,
            "collectible": i.collectible_name,
            "store": i.store_id,
            "status": i.status,
            "status_label": status_label(i.status),
            "when": when(i.when),
            "note": i.note,
        }
        for i in items
    ]


class AdminTodayState(AdminState):
    pickups_due: list[dict[str, str]] = []
    returns_due: list[dict[str, str]] = []
    overdue: list[dict[str, str]] = []
    holds_expiring: list[dict[str, str]] = []
    needs_refund: list[dict[str, str]] = []
    flagged: list[dict[str, str]] = []
    latest_paid: list[dict[str, str]] = []
    revenue_month: str = ""
    revenue_chart: list[dict[str, int | str]] = []
    rentals_chart: list[dict[str, int | str]] = []
    utilisation: list[dict[str, str]] = []
    updated_at: str = ""
    failed_sign_ins: int = 0
    _marker: str = ""

    def _clear_page(self) -> None:
        for key, _, _ in SECTIONS:
            setattr(self, key, [])
        self.utilisation = []
        self.revenue_month, self.revenue_chart, self.rentals_chart = "", [], []
        self._marker = ""

    async def _read(self) -> None:
        uow = admin_uow()
        self._marker = await owner_dashboard.paid_marker(uow=uow)
        today = await owner_dashboard.today(self.principal, uow=uow)
        for key, _, _ in SECTIONS:
            setattr(self, key, _rows(getattr(today, key)))
        self.revenue_month = money(today.revenue_month_centavos)
        self.revenue_chart = [
            {"day": day[5:], "pesos": centavos // 100}
            for day, centavos in (today.revenue_per_day or [])
        ]
        self.rentals_chart = [
            {"collectible": name, "rentals": count} for name, count in today.rentals_per_collectible
        ]
        self.utilisation = [
            {
                "id": u.collectible_id,
                "name": u.name,
                "text": f"{u.out} of {u.units} out",
                "percent": str(u.percent),
            }
            for u in today.utilisation
        ]
        self.updated_at = when(today.now, "%H:%M:%S")
        self.failed_sign_ins = today.failed_sign_ins_24h or 0

    @admin_event(admin.STAFF)
    async def load(self):
        await self._read()

    @admin_event(admin.STAFF, passive=True)
    async def poll(self, _tick: str = ""):
        """Every few seconds: re-read only when a rental was paid since the last read."""
        marker = await owner_dashboard.paid_marker(uow=admin_uow())
        if marker == self._marker:
            return None
        first = not self._marker
        await self._read()
        return None if first else rx.toast.info("New paid rental.", id="new-paid-rental")


def _work_list(key: str, title: str, hint: str) -> rx.Component:
    S = AdminTodayState
    rows = getattr(S, key)
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(title, size="3", as_="h2"),
                rx.badge(rows.length(), id=f"count-{key}"),
                justify="between",
                width="100%",
            ),
            rx.text(hint, size="1", color=rx.color("gray", 10)),
            rx.cond(
                rows.length() == 0,
                rx.text("Nothing here.", size="2", color=rx.color("gray", 10)),
                rx.vstack(
                    rx.foreach(
                        rows,
                        lambda row: rx.link(
                            rx.flex(
                                rx.text(row["customer"], weight="medium", size="2"),
                                rx.text(row["collectible"], size="2", color=rx.color("gray", 11)),
                                status_badge(row["status"], row["status_label"]),
                                rx.text(row["when"], size="1", color=rx.color("gray", 10)),
                                rx.text(row["note"], size="1", color=rx.color("amber", 11)),
                                wrap="wrap",
                                gap="4px 10px",
                                align="center",
                            ),
                            href="/admin/rentals/" + row["id"],
                            underline="none",
                            color=rx.color("gray", 12),
                            width="100%",
                            padding="6px 0",
                            border_top=f"1px solid {rx.color('gray', 4)}",
                        ),
                    ),
                    spacing="0",
                    width="100%",
                    id=f"list-{key}",
                ),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )


def _charts() -> rx.Component:
    S = AdminTodayState
    return rx.grid(
        rx.cond(
            S.is_owner,
            rx.card(
                rx.heading("Revenue per day (PHP, last 30 days)", size="3", as_="h2"),
                rx.recharts.bar_chart(
                    rx.recharts.cartesian_grid(stroke_dasharray="3 3"),
                    rx.recharts.x_axis(data_key="day"),
                    rx.recharts.y_axis(),
                    rx.recharts.graphing_tooltip(),
                    rx.recharts.bar(data_key="pesos", fill="#3e63dd", is_animation_active=False),
                    data=S.revenue_chart,
                    width="100%",
                    height=240,
                ),
                id="chart-revenue",
            ),
        ),
        rx.card(
            rx.heading("Paid rentals per collectible (last 30 days)", size="3", as_="h2"),
            rx.recharts.bar_chart(
                rx.recharts.cartesian_grid(stroke_dasharray="3 3"),
                rx.recharts.x_axis(data_key="collectible", hide=True),
                rx.recharts.y_axis(allow_decimals=False),
                rx.recharts.graphing_tooltip(),
                rx.recharts.bar(data_key="rentals", fill="#46a758", is_animation_active=False),
                data=S.rentals_chart,
                width="100%",
                height=240,
            ),
            id="chart-rentals",
        ),
        columns=rx.breakpoints(initial="1", md="2"),
        spacing="3",
        width="100%",
    )


def _utilisation() -> rx.Component:
    S = AdminTodayState
    return rx.card(
        rx.heading("Utilisation per collectible", size="3", as_="h2", margin_bottom="8px"),
        scroll_table(
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Collectible"),
                        rx.table.column_header_cell("Units"),
                        rx.table.column_header_cell("Out"),
                    )
                ),
                rx.table.body(
                    rx.foreach(
                        S.utilisation,
                        lambda u: rx.table.row(
                            rx.table.cell(u["name"]),
                            rx.table.cell(u["text"], white_space="nowrap"),
                            rx.table.cell(
                                rx.hstack(
                                    rx.box(
                                        rx.box(
                                            width=u["percent"] + "%",
                                            height="100%",
                                            background_color=rx.color("indigo", 9),
                                        ),
                                        width="80px",
                                        height="8px",
                                        border_radius="4px",
                                        overflow="hidden",
                                        background_color=rx.color("gray", 4),
                                        role="presentation",
                                    ),
                                    rx.text(u["percent"], "%", size="1"),
                                    align="center",
                                )
                            ),
                            id="util-" + u["id"],
                        ),
                    )
                ),
                size="1",
                width="100%",
            )
        ),
        width="100%",
    )


def today_page() -> rx.Component:
    S = AdminTodayState
    return admin_layout(
        rx.moment(interval=POLL_MS, on_change=S.poll, display="none"),
        rx.vstack(
            rx.flex(
                rx.cond(
                    S.is_owner,
                    rx.card(
                        rx.text("Revenue this month (paid minus refunded)", size="2"),
                        rx.text(S.revenue_month, size="6", weight="bold", id="revenue-month"),
                    ),
                ),
                rx.cond(
                    S.is_owner,
                    rx.card(
                        rx.text("Failed sign-ins, last 24 hours", size="2"),
                        rx.link(
                            S.failed_sign_ins,
                            href="/admin/audit?action=sign_in_failures",
                            size="6",
                            weight="bold",
                            id="failed-sign-ins",
                        ),
                    ),
                ),
                # gray 11: 4.5:1 or better on the page's ground (gray 10 was 3.6:1)
                rx.text("Updated ", S.updated_at, size="1", color=rx.color("gray", 11)),
                justify="start",
                align="end",
                wrap="wrap",
                gap="8px",
                width="100%",
            ),
            rx.grid(
                *[_work_list(key, title, hint) for key, title, hint in SECTIONS],
                columns=rx.breakpoints(initial="1", md="2", lg="3"),
                spacing="3",
                width="100%",
            ),
            _charts(),
            _utilisation(),
            spacing="4",
            width="100%",
        ),
        title="Today",
    )


def register(app: rx.App) -> None:
    add_admin_page(app, today_page, "/admin/today", "Today", AdminTodayState.load)
