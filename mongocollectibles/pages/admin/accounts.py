"""`/admin/accounts`: who may sign in (owner only): add an owner or staff account, disable
one (its sessions end at once) or enable it again."""

from __future__ import annotations

import reflex as rx

from mongocollectibles.components.admin_layout import admin_layout, when
from mongocollectibles.components.alerts import problem_callout
from mongocollectibles.domain import admin
from mongocollectibles.domain.errors import DomainError
from mongocollectibles.pages.admin.frame import add_admin_page
from mongocollectibles.services import admin_accounts
from mongocollectibles.state.admin import AdminState, admin_event, admin_uow


class AdminAccountsState(AdminState):
    accounts: list[dict[str, str]] = []
    error: str = ""

    def _clear_page(self) -> None:
        self.accounts = []

    async def _read(self) -> None:
        rows = await admin_accounts.list_accounts(uow=admin_uow())
        self.accounts = [
            {
                "username": a.username,
                "role": a.role,
                "active": "yes" if a.active else "",
                "created": when(a.created_at),
                "last_sign_in": when(a.last_sign_in) or "never",
            }
            for a in rows
        ]

    @admin_event(admin.OWNER)
    async def load(self):
        self.error = ""
        await self._read()

    @admin_event(admin.OWNER)
    async def create(self, form_data: dict):
        username = str(form_data.get("username", ""))[:60]
        role = str(form_data.get("role", admin.STAFF))
        try:
            account = await admin_accounts.create_account(
                username,
                str(form_data.get("password", ""))[:1000],
                role,
                actor=self.principal.username,
                ip=self.client_ip,
                uow=admin_uow(),
            )
        except DomainError as error:
            self.error = error.message
            return None
        self.error = ""
        await self._read()
        return [
            rx.set_value("new-username", ""),
            rx.set_value("new-password", ""),
            rx.toast.success(f"Account {account.username} ({account.role}) created."),
        ]

    @admin_event(admin.OWNER)
    async def set_active(self, username: str, active: bool):
        try:
            changed = await admin_accounts.set_active(
                str(username)[:60],
                bool(active),
                actor=self.principal.username,
                ip=self.client_ip,
                uow=admin_uow(),
            )
        except DomainError as error:
            return rx.toast.error(error.message)
        await self._read()
        if not changed:
            return rx.toast.info("Nothing changed.")
        return rx.toast.success("Enabled." if active else "Disabled; its sessions have ended.")


def _row(account) -> rx.Component:  # noqa: ANN001
    S = AdminAccountsState
    return rx.flex(
        rx.text(account["username"], weight="medium", size="2"),
        rx.badge(account["role"], variant="soft"),
        rx.cond(
            account["active"] != "",
            rx.badge("active", color_scheme="grass"),
            rx.badge("disabled", color_scheme="gray"),
        ),
        rx.text("last sign-in ", account["last_sign_in"], size="1", color=rx.color("gray", 10)),
        rx.cond(
            account["username"] != S.admin_name,
            rx.cond(
                account["active"] != "",
                rx.button(
                    "Disable",
                    on_click=S.set_active(account["username"], False),
                    size="1",
                    variant="soft",
                    color_scheme="red",
                ),
                rx.button(
                    "Enable",
                    on_click=S.set_active(account["username"], True),
                    size="1",
                    variant="soft",
                ),
            ),
        ),
        gap="4px 10px",
        wrap="wrap",
        align="center",
        width="100%",
        padding="6px 0",
        border_top=f"1px solid {rx.color('gray', 4)}",
        class_name="account-row",
    )


def accounts_page() -> rx.Component:
    S = AdminAccountsState
    return admin_layout(
        rx.vstack(
            rx.card(
                rx.vstack(rx.foreach(S.accounts, _row), spacing="0", width="100%"), width="100%"
            ),
            rx.card(
                rx.heading("Add an account", size="3", as_="h2", margin_bottom="8px"),
                rx.form(
                    rx.flex(
                        rx.input(
                            name="username",
                            id="new-username",
                            placeholder="username",
                            aria_label="Username",
                            auto_complete="off",
                            size="2",
                        ),
                        rx.input(
                            name="password",
                            id="new-password",
                            type="password",
                            placeholder="password (12+ characters)",
                            aria_label="Password",
                            auto_complete="new-password",
                            size="2",
                        ),
                        rx.el.select(
                            rx.el.option("staff", value=admin.STAFF),
                            rx.el.option("owner", value=admin.OWNER),
                            name="role",
                            aria_label="Role",
                            default_value=admin.STAFF,
                            style={"padding": "4px"},
                        ),
                        rx.button("Add", type="submit", size="2", id="add-account"),
                        wrap="wrap",
                        gap="8px",
                    ),
                    on_submit=S.create,
                    reset_on_submit=False,
                ),
                problem_callout(S.error, "account-error", margin_top="8px"),
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        title="Accounts",
    )


def register(app: rx.App) -> None:
    add_admin_page(app, accounts_page, "/admin/accounts", "Accounts", AdminAccountsState.load)
