"""`/admin/audit`: every owner-console action and sign-in attempt (owner only), filterable;
failed sign-ins have a filter of their own."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import reflex as rx

from mongocollectibles.components.admin_layout import admin_layout, pager, when
from mongocollectibles.domain import admin
from mongocollectibles.pages.admin.frame import add_admin_page
from mongocollectibles.services import audit
from mongocollectibles.state.admin import AdminState, admin_event, admin_uow

ANY = "any"
TZ = ZoneInfo(admin.SHOP_TIMEZONE)


def _day(text: str, plus_days: int = 0) -> datetime | None:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return datetime.combine(day + timedelta(days=plus_days), time.min, tzinfo=TZ)


class AdminAuditState(AdminState):
    action: str = ANY
    actor: str = ""
    date_from: str = ""
    date_to: str = ""
    page: int = 1
    pages: int = 1
    total: int = 0
    rows: list[dict[str, str]] = []
    actions: list[str] = []

    def _clear_page(self) -> None:
        self.rows, self.total, self.pages, self.page, self.actions = [], 0, 1, 1, []

    async def _read(self) -> None:
        uow = admin_uow()
        result = await audit.list_events(
            action="" if self.action == ANY else self.action,
            actor=self.actor,
            since=_day(self.date_from),
            until=_day(self.date_to, 1),
            page=self.page,
            uow=uow,
        )
        self.actions = await audit.known_actions(uow=uow)
        self.page, self.pages, self.total = result.page, result.pages, result.total
        self.rows = [
            {
                "when": when(r.created_at, "%d %b %Y %H:%M:%S"),
                "actor": r.actor,
                "action": r.action,
                "target": r.target,
                "detail": r.detail,
                "ip": r.ip,
            }
            for r in result.rows
        ]

    @admin_event(admin.OWNER)
    async def load(self):
        wanted = self.router.url.query_parameters.get("action", "")
        if wanted == "sign_in_failures":  # the link from Today
            self.action, self.page = wanted, 1
        await self._read()

    @admin_event(admin.OWNER)
    async def choose_action(self, value: str):
        known = {ANY, "sign_in_failures", *self.actions}
        self.action = value if value in known else ANY
        self.page = 1
        await self._read()

    @admin_event(admin.OWNER)
    async def search(self, form_data: dict):
        self.actor = str(form_data.get("actor", ""))[:60]
        self.date_from = str(form_data.get("date_from", ""))[:10]
        self.date_to = str(form_data.get("date_to", ""))[:10]
        self.page = 1
        await self._read()

    @admin_event(admin.OWNER)
    async def go_to_page(self, page: int):
        try:
            self.page = max(1, int(page))
        except (TypeError, ValueError):
            self.page = 1
        await self._read()


def audit_page() -> rx.Component:
    S = AdminAuditState
    return admin_layout(
        rx.vstack(
            rx.form(
                rx.flex(
                    rx.input(
                        name="actor",
                        placeholder="Who (username)",
                        aria_label="Who",
                        default_value=S.actor,
                        id="audit-actor",
                        size="2",
                    ),
                    rx.input(name="date_from", type="date", aria_label="From", size="2"),
                    rx.input(name="date_to", type="date", aria_label="Until", size="2"),
                    rx.button("Filter", type="submit", size="2", id="audit-filter"),
                    wrap="wrap",
                    gap="8px",
                ),
                on_submit=S.search,
                reset_on_submit=False,
            ),
            rx.select.root(
                rx.select.trigger(id="audit-action", aria_label="What"),
                rx.select.content(
                    rx.select.item("Everything", value=ANY),
                    rx.select.item("Failed sign-ins", value="sign_in_failures"),
                    rx.foreach(S.actions, lambda a: rx.select.item(a, value=a)),
                ),
                value=S.action,
                on_change=S.choose_action,
            ),
            rx.card(
                rx.vstack(
                    rx.foreach(
                        S.rows,
                        lambda r: rx.flex(
                            rx.text(r["when"], size="1", color=rx.color("gray", 10)),
                            rx.text(r["actor"], size="2", weight="medium"),
                            rx.badge(r["action"], variant="soft"),
                            rx.text(r["target"], size="1", font_family="monospace"),
                            rx.text(r["detail"], size="1", color=rx.color("gray", 11)),
                            rx.text(r["ip"], size="1", color=rx.color("gray", 10)),
                            gap="2px 10px",
                            wrap="wrap",
                            align="center",
                            width="100%",
                            padding="6px 0",
                            border_top=f"1px solid {rx.color('gray', 4)}",
                            class_name="audit-row",
                        ),
                    ),
                    spacing="0",
                    width="100%",
                    id="audit-table",
                ),
                width="100%",
            ),
            pager(S.page, S.pages, S.total, "entries", S.go_to_page, "audit"),
            spacing="3",
            width="100%",
        ),
        title="Audit log",
    )


def register(app: rx.App) -> None:
    add_admin_page(app, audit_page, "/admin/audit", "Audit log", AdminAuditState.load)
