"""The owner console's frame: a compact header with the sections, who is signed in, sign-out.
Made for a phone at the counter first: the nav wraps, tables scroll sideways."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import reflex as rx

from mongocollectibles.components.layout import skip_link
from mongocollectibles.components.rental_status import MANILA, STATUS_COLORS
from mongocollectibles.domain import status
from mongocollectibles.domain.pricing import format_php
from mongocollectibles.state.admin import AdminState


def when(moment: datetime | None, fmt: str = "%d %b %Y %H:%M") -> str:
    """Shop time (Manila) for a stored moment; "" for none."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(MANILA).strftime(fmt)


def money(centavos: int | None) -> str:
    return "" if centavos is None else format_php(centavos)


def status_label(value: str | None) -> str:
    return status.STATUS_LABELS.get(value or "", value or "")


def status_badge(
    value,  # noqa: ANN001 - a state var
    label,  # noqa: ANN001
    colors: Mapping[str, str] = STATUS_COLORS,
) -> rx.Component:
    """A badge for a state var: `label` in the colour `colors` gives `value` (gray otherwise).
    Rental statuses by default; a page passes its own mapping for other states."""
    return rx.badge(
        label,
        color_scheme=rx.match(value, *[(k, v) for k, v in colors.items()], "gray"),
        variant="soft",
        high_contrast=True,  # text at 4.5:1 or more on the tinted ground (grass was 4.48:1)
        white_space="nowrap",
    )


def _nav_link(label: str, href: str, link_id: str) -> rx.Component:
    return rx.link(label, href=href, id=link_id, size="2", weight="medium")


def visually_hidden(text: str) -> rx.Component:
    """Text for screen readers only (e.g. the name of a table's button column)."""
    return rx.el.span(
        text,
        position="absolute",
        width="1px",
        height="1px",
        padding="0",
        margin="-1px",
        overflow="hidden",
        clip="rect(0, 0, 0, 0)",
        white_space="nowrap",
        border="0",
    )


def admin_layout(*children: rx.Component, title: str) -> rx.Component:
    # Landmarks (header, nav, main) and the skip link, as on the storefront: a screen reader
    # or keyboard user goes straight to the sections or to the page's content.
    nav = rx.el.nav(
        rx.hstack(
            _nav_link("Today", "/admin/today", "nav-today"),
            _nav_link("Rentals", "/admin/rentals", "nav-rentals"),
            rx.cond(AdminState.is_owner, _nav_link("Catalog", "/admin/catalog", "nav-catalog")),
            rx.cond(AdminState.is_owner, _nav_link("Prices", "/admin/prices", "nav-prices")),
            rx.cond(
                AdminState.is_owner,
                _nav_link("Stores & warehouses", "/admin/network", "nav-network"),
            ),
            rx.cond(AdminState.is_owner, _nav_link("Audit log", "/admin/audit", "nav-audit")),
            rx.cond(AdminState.is_owner, _nav_link("Accounts", "/admin/accounts", "nav-accounts")),
            spacing="4",
            align="center",
            wrap="wrap",
        ),
        aria_label="Console sections",
    )
    header = rx.el.header(
        rx.flex(
            rx.hstack(
                rx.image(src="/logo.svg", width="28px", height="28px", alt=""),
                rx.text("Owner console", weight="bold", size="3", white_space="nowrap"),
                align="center",
                spacing="2",
            ),
            nav,
            rx.hstack(
                rx.text(
                    AdminState.admin_name,
                    " (",
                    AdminState.admin_role,
                    ")",
                    size="1",
                    color=rx.color("gray", 11),
                    id="admin-who",
                ),
                rx.button(
                    "Sign out",
                    on_click=AdminState.sign_out,
                    size="1",
                    variant="soft",
                    id="sign-out",
                ),
                align="center",
                spacing="2",
            ),
            justify="between",
            align="center",
            wrap="wrap",
            gap="8px 16px",
            max_width="1200px",
            margin="0 auto",
        ),
        padding="10px 12px",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        background_color=rx.color("gray", 1),
    )
    return rx.box(
        skip_link(),
        header,
        rx.el.main(
            rx.box(
                rx.heading(title, size="6", as_="h1", margin_bottom="12px"),
                rx.cond(
                    AdminState.admin_name != "",
                    rx.fragment(*children),
                    rx.center(rx.spinner(size="3"), padding="48px"),
                ),
                max_width="1200px",
                margin="0 auto",
                padding=["12px 10px", "20px 16px"],
            ),
            id="main",
            tab_index=-1,
        ),
        min_height="100vh",
        background_color=rx.color("gray", 2),
    )


def scroll_table(table: rx.Component) -> rx.Component:
    """Wide tables scroll inside their card on a phone instead of widening the page."""
    return rx.box(table, overflow_x="auto", width="100%")


def pager(page, pages, total, noun: str, go_to_page, id_prefix: str) -> rx.Component:  # noqa: ANN001
    """Previous / "Page p of n (t <noun>)" / Next under a paged table; `go_to_page` is the
    page state's handler taking the wanted page number."""
    return rx.hstack(
        rx.button(
            "Previous",
            on_click=go_to_page(page - 1),
            disabled=page <= 1,
            variant="soft",
            size="2",
            id=f"{id_prefix}-prev-page",
        ),
        rx.text(
            "Page ",
            page,
            " of ",
            pages,
            " (",
            total,
            f" {noun})",
            size="2",
            id=f"{id_prefix}-count",
        ),
        rx.button(
            "Next",
            on_click=go_to_page(page + 1),
            disabled=page >= pages,
            variant="soft",
            size="2",
            id=f"{id_prefix}-next-page",
        ),
        align="center",
        justify="center",
        width="100%",
        wrap="wrap",
    )
