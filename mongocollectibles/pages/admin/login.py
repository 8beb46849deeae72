"""`/admin/login`: sign in to the owner console (and `/admin`, which sends you on)."""

from __future__ import annotations

import reflex as rx

from mongocollectibles.components.alerts import problem_callout
from mongocollectibles.pages.admin.frame import add_admin_page
from mongocollectibles.services import admin_sessions
from mongocollectibles.services.admin_sessions import SignInRefused
from mongocollectibles.state.admin import AdminState, admin_uow, public_admin_event

HOME = "/admin/today"


class AdminLoginState(AdminState):
    error: str = ""
    busy: bool = False

    @public_admin_event
    async def load(self):
        """Already signed in: straight on to Today."""
        self.error = ""
        if await admin_sessions.validate(self.session_token, uow=admin_uow()):
            return rx.redirect(HOME)
        return None

    @public_admin_event
    async def sign_in(self, form_data: dict):
        username = str(form_data.get("username", ""))[:100]
        password = str(form_data.get("password", ""))[:1000]
        self.busy, self.error = True, ""
        yield
        try:
            token, principal = await admin_sessions.sign_in(
                username,
                password,
                ip=self.client_ip,
                previous_token=self.session_token,
                uow=admin_uow(),
            )
        except SignInRefused as refused:
            self.busy, self.error = False, refused.message
            return
        self.busy = False
        self.session_token = token  # a fresh token every sign-in (rotation)
        self.admin_name, self.admin_role = principal.username, principal.role
        yield rx.redirect(HOME)


def login_page() -> rx.Component:
    S = AdminLoginState
    # The sign-in card is the page's content: its main landmark (there is no header here).
    return rx.el.main(
        rx.center(
            rx.card(
                rx.form(
                    rx.vstack(
                        rx.hstack(
                            rx.image(src="/logo.svg", width="32px", height="32px", alt=""),
                            rx.heading("Owner console", size="5", as_="h1"),
                            align="center",
                            spacing="2",
                        ),
                        rx.text("Sign in to run the shop.", size="2", color=rx.color("gray", 11)),
                        rx.el.label("Username", html_for="admin-username", font_size="14px"),
                        rx.input(
                            name="username",
                            id="admin-username",
                            auto_complete="username",
                            auto_capitalize="none",
                            required=True,
                            width="100%",
                            size="3",
                        ),
                        rx.el.label("Password", html_for="admin-password", font_size="14px"),
                        rx.input(
                            name="password",
                            id="admin-password",
                            type="password",
                            auto_complete="current-password",
                            required=True,
                            width="100%",
                            size="3",
                        ),
                        problem_callout(S.error, "sign-in-error", width="100%"),
                        rx.button(
                            "Sign in",
                            type="submit",
                            loading=S.busy,
                            width="100%",
                            size="3",
                            id="sign-in",
                        ),
                        spacing="3",
                        width="100%",
                    ),
                    on_submit=S.sign_in,
                    reset_on_submit=False,
                ),
                width="100%",
                max_width="380px",
            ),
            min_height="100vh",
            padding="16px",
            background_color=rx.color("gray", 2),
        ),
        id="main",
    )


def register(app: rx.App) -> None:
    add_admin_page(app, login_page, "/admin/login", "Sign in", AdminLoginState.load)
    app.add_page(login_page, route="/admin", title="Owner console", on_load=AdminLoginState.load)
