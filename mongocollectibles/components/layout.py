"""The shared page frame: test-mode banner, header (logo, store picker), content, footer."""

from __future__ import annotations

import reflex as rx
from reflex.event import EventType

from mongocollectibles.components.store_select import store_select
from mongocollectibles.state.site import SiteState
from mongocollectibles.state.store_choice import StoreChoiceState

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


def skip_link() -> rx.Component:
    """The first thing a keyboard reaches: straight to the page's content."""
    return rx.el.a(
        "Skip to main content",
        href="#main",
        class_name="skip-link",
        style={
            "position": "absolute",
            "left": "-10000px",
            "top": "8px",
            "z_index": "100",
            "padding": "8px 12px",
            "background": "#ffffff",
            "color": "#1a1a1a",
            "border": "2px solid #3e63dd",
            "border_radius": "6px",
            "&:focus": {"left": "8px"},
        },
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
    picker = rx.vstack(
        rx.hstack(
            # Shown on phones too: the select alone does not say what the store is for.
            rx.text("Pickup at", size="2", color=rx.color("gray", 11), as_="span"),
            store_select(on_store_change),
            align="center",
            spacing="2",
        ),
        rx.text(
            StoreChoiceState.chosen_details,
            size="1",
            color=rx.color("gray", 11),
            id="store-details",
        ),
        align="end",
        spacing="1",
        max_width="100%",
    )
    return rx.el.header(
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
        padding="10px 16px",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        background_color=rx.color("gray", 1),
    )


POLICY_LINKS = [
    ("Rental terms", "/policies#rental-terms"),
    ("Cancellation and refunds", "/policies#cancellation"),
    ("Late returns", "/policies#late-returns"),
    ("Damage", "/policies#damage"),
    ("Find my order", "/orders"),
]


def _footer_heading(text: str) -> rx.Component:
    return rx.heading(text, as_="h2", size="2", color=rx.color("gray", 12), margin_bottom="6px")


def footer() -> rx.Component:
    muted = rx.color("gray", 11)  # 4.5:1 or better on the page background
    S = SiteState
    return rx.el.footer(
        rx.grid(
            rx.el.nav(
                _footer_heading("Policies and help"),
                rx.vstack(
                    *(rx.link(label, href=href, size="2") for label, href in POLICY_LINKS),
                    spacing="1",
                ),
                aria_label="Policies and help",
            ),
            rx.box(
                _footer_heading("Contact"),
                rx.text(
                    "Email ",
                    rx.link(S.contact_email, href="mailto:" + S.contact_email, underline="always"),
                    size="2",
                    color=muted,
                ),
                rx.text(
                    "Phone ",
                    rx.link(S.contact_phone, href=S.contact_phone_href, underline="always"),
                    size="2",
                    color=muted,
                ),
                rx.text("Payments by PayMongo.", size="2", color=muted),
            ),
            rx.box(
                _footer_heading("Our stores"),
                rx.vstack(
                    rx.foreach(
                        StoreChoiceState.stores,
                        lambda store: rx.box(
                            rx.text(store["name"], size="2", weight="medium"),
                            rx.text(store["address"], size="2", color=muted),
                            rx.text(store["hours"], size="2", color=muted),
                        ),
                    ),
                    spacing="2",
                ),
                id="footer-stores",
            ),
            columns=rx.breakpoints(initial="1", sm="3"),
            spacing="5",
            max_width="1100px",
            margin="0 auto",
        ),
        padding="24px 16px",
        border_top=f"1px solid {rx.color('gray', 5)}",
        margin_top="48px",
        background_color=rx.color("gray", 1),
    )


def store_follower(on_store_synced: EventType) -> rx.Component:
    """Runs `on_store_synced` whenever the shared store choice changes, also when another tab
    of the browser changed it (localStorage): React mounts the inner box afresh whenever the
    outer one's key, the store id, changes. The handler must do nothing when its page already
    shows that store."""
    return rx.box(rx.box(on_mount=on_store_synced), key=StoreChoiceState.store_id, display="none")


def page_layout(
    *children: rx.Component,
    on_store_change: EventType | None = None,
    on_store_synced: EventType | None = None,
    show_store: bool = True,
) -> rx.Component:
    """Every page: skip link, banner, header, a centred main column, footer (landmarks).
    `on_store_change`: after this tab's choice; `on_store_synced`: see `store_follower`."""
    return rx.box(
        *([store_follower(on_store_synced)] if on_store_synced is not None else []),
        skip_link(),
        test_mode_banner(),
        header(on_store_change, show_store),
        rx.el.main(
            rx.box(
                *children,
                max_width="1100px",
                margin="0 auto",
                padding=["16px 12px", "24px 16px"],
            ),
            id="main",
            tab_index=-1,
        ),
        footer(),
        min_height="100vh",
        background_color=rx.color("gray", 2),
    )
