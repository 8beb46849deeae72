"""`/orders`: "Find my order": email and order code open the order page; or the links to every
order of an email address are emailed to it."""

from __future__ import annotations

import reflex as rx

from mongocollectibles.components.alerts import problem_callout
from mongocollectibles.components.layout import page_layout
from mongocollectibles.domain.errors import DomainError
from mongocollectibles.services import order_lookup
from mongocollectibles.state.store_choice import StoreChoiceState
from mongocollectibles.wiring import default_uow


class FindOrderState(rx.State):
    problem: str = ""
    sent: str = ""
    busy: bool = False

    def _client(self) -> str:
        session = self.router.session
        return session.client_ip or session.client_token

    @rx.event
    async def find(self, form: dict):
        self.problem, self.busy = "", True
        yield
        try:
            found = await order_lookup.find_order(
                form.get("email", ""),
                form.get("code", ""),
                client=self._client(),
                uow=default_uow(),
            )
        except DomainError as error:
            self.problem, self.busy = error.message, False
            return
        self.busy = False
        yield rx.redirect(found.path)

    @rx.event
    async def email_links(self, form: dict):
        self.problem, self.sent = "", ""
        try:
            self.sent = await order_lookup.email_order_links(
                form.get("email", ""), client=self._client(), uow=default_uow()
            )
        except DomainError as error:
            self.problem = error.message


def _field(label: str, name: str, field_id: str, **props) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=field_id, font_weight="500"),
        rx.input(name=name, id=field_id, required=True, size="3", width="100%", **props),
        spacing="1",
        width="100%",
    )


def find_order_page() -> rx.Component:
    S = FindOrderState
    return page_layout(
        rx.heading("Find my order", size="7", as_="h1", margin_bottom="8px"),
        rx.text(
            "Your order code is in your confirmation email and on your receipt, e.g. MC-7K3Q9P.",
            as_="p",
            margin_bottom="16px",
        ),
        problem_callout(S.problem, "find-problem", margin_bottom="16px"),
        rx.grid(
            rx.card(
                rx.form(
                    rx.vstack(
                        rx.heading("Open your order", as_="h2", size="4"),
                        _field("Email", "email", "find-email", type="email", auto_complete="email"),
                        _field(
                            "Order code",
                            "code",
                            "find-code",
                            placeholder="MC-XXXXXX",
                            auto_complete="off",
                            auto_capitalize="characters",
                        ),
                        rx.button("Show my order", type="submit", size="3", loading=S.busy),
                        spacing="3",
                        width="100%",
                    ),
                    on_submit=S.find,
                    aria_label="Open your order",
                ),
            ),
            rx.card(
                rx.form(
                    rx.vstack(
                        rx.heading("Lost your code?", as_="h2", size="4"),
                        rx.text(
                            "We email the links to your orders to the address you used.", size="2"
                        ),
                        _field(
                            "Email", "email", "links-email", type="email", auto_complete="email"
                        ),
                        rx.button(
                            "Email me my order links", type="submit", size="3", variant="soft"
                        ),
                        rx.cond(
                            S.sent != "",
                            rx.callout(
                                S.sent,
                                icon="mail",
                                color_scheme="grass",
                                role="status",
                                id="links-sent",
                            ),
                        ),
                        spacing="3",
                        width="100%",
                    ),
                    on_submit=S.email_links,
                    aria_label="Email me my order links",
                ),
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="4",
            width="100%",
        ),
        show_store=False,
    )


def register(app: rx.App) -> None:
    app.add_page(
        find_order_page,
        route="/orders",
        title="Find my order - MongoCollectibles",
        on_load=StoreChoiceState.load,
    )
