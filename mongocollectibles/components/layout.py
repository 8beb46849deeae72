"""The shared page frame: test-mode banner, header (logo, store picker), content, footer."""

from __future__ import annotations

import reflex as rx
from reflex.event import EventType

from mongocollectibles.components.store_select import store_select
from mongocollectibles.state.site import SiteState

# For pages whose URL carries a rental's token (the server adds the header in production).
NO_REFERRER = [{"name": "referrer", "content": "no-referrer"}]


def test_mode_banner() -> rx.Component:
    return rx.cond(
        SiteState.test_mode,
        rx.box(
            rx.hstack(
                rx.icon("flask-conical", size=16, aria_hidden="true"),
                rx.text(
                    rx.text.strong("TEST MODE: "),
                    "payments run in PayMongo's test mode. No real money is charged.",
                    size="2",
                ),
                align="center",
                justify="center",
                spacing="2",
            ),
            id="test-mode-banner",
            role="status",
            aria_label="Test mode",
            background_color=rx.color("amber", 4),
            color=rx.color("amber", 12),
            border_bottom=f"1px solid {rx.color('amber', 7)}",
            padding="6px 12px",
            text_align="center",
        ),
    )


def header(on_store_change: EventType | None, show_store: bool) -> rx.Component:
    brand = rx.link(
        rx.hstack(
            rx.image(src="/logo.svg", width="32px", height="32px", alt=""),
            rx.text("MongoCollectibles", weight="bold", size="4", white_space="nowrap"),
            align="center",
            spacing="2",
        ),
        href="/",
        underline="none",
        color=rx.color("gray", 12),
        aria_label="MongoCollectibles: all collectibles",
    )
    picker = rx.hstack(
        rx.text("Pickup at", size="2", color=rx.color("gray", 11), display=["none", "block"]),
        store_select(on_store_change),
        align="center",
        spacing="2",
    )
    return rx.box(
        rx.flex(
            brand,
            picker if show_store else rx.fragment(),
            justify="between",
            align="center",
            wrap="wrap",
            spacing="2",
            max_width="1100px",
            margin="0 auto",
        ),
        as_="header",
        padding="10px 16px",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        background_color=rx.color("gray", 1),
    )


def footer() -> rx.Component:
    return rx.box(
        rx.text(
            "MongoCollectibles: rent figures, models and arcade cabinets; pick them up at our "
            "Metro Manila stores. Payments by PayMongo.",
            size="1",
            color=rx.color("gray", 10),
        ),
        as_="footer",
        padding="24px 16px",
        text_align="center",
        border_top=f"1px solid {rx.color('gray', 4)}",
        margin_top="48px",
    )


def page_layout(
    *children: rx.Component,
    on_store_change: EventType | None = None,
    show_store: bool = True,
) -> rx.Component:
    """Every page: banner, header, a centred main column, footer."""
    return rx.box(
        test_mode_banner(),
        header(on_store_change, show_store),
        rx.box(
            *children,
            as_="main",
            id="main",
            max_width="1100px",
            margin="0 auto",
            padding=["16px 12px", "24px 16px"],
        ),
        footer(),
        min_height="100vh",
        background_color=rx.color("gray", 2),
    )
