"""The frame of the owner's pages: navigation, the refusal when not allowed, problem lists."""

from __future__ import annotations

import reflex as rx

from mongocollectibles.components.layout import page_layout
from mongocollectibles.state.admin_guard import AdminGuard

LINKS = [
    ("Catalog", "/admin/catalog"),
    ("Prices", "/admin/prices"),
    ("Stores & warehouses", "/admin/network"),
]


def admin_frame(title: str, *children: rx.Component) -> rx.Component:
    nav = rx.hstack(
        *[rx.link(label, href=href) for label, href in LINKS],
        spacing="4",
        margin_bottom="12px",
        as_="nav",
        aria_label="Owner console",
    )
    return page_layout(
        nav,
        rx.heading(title, size="6", as_="h1", margin_bottom="12px"),
        rx.cond(
            AdminGuard.denied != "",
            rx.callout(AdminGuard.denied, icon="lock", color_scheme="red", role="alert"),
            rx.vstack(*children, spacing="4", width="100%"),
        ),
        show_store=False,
    )


def problem_list(problems, message) -> rx.Component:  # noqa: ANN001 - Vars
    return rx.fragment(
        rx.cond(
            problems.length() > 0,
            rx.callout(
                rx.vstack(
                    rx.text("Nothing was saved:", weight="bold"),
                    rx.foreach(problems, lambda p: rx.text(p, size="2")),
                    spacing="1",
                ),
                icon="triangle-alert",
                color_scheme="red",
                role="alert",
                id="problems",
                width="100%",
            ),
        ),
        rx.cond(
            message != "",
            rx.callout(message, icon="check", color_scheme="grass", role="status", id="saved"),
        ),
    )


def field(label: str, control: rx.Component) -> rx.Component:
    return rx.el.label(
        rx.vstack(rx.text(label, size="2", weight="medium"), control, spacing="1"),
        width="100%",
    )
