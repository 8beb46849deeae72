"""The console pages' registration and frame (inside the console's layout), and the catalog
pages' form pieces (stacked fields, and rows of fields for short forms)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx

from mongocollectibles.components.admin_layout import admin_layout


def add_admin_page(
    app: rx.App, page: Callable[[], rx.Component], route: str, title: str, on_load: Any
) -> None:
    """Adds a console page; its browser title names the console after the page."""
    app.add_page(page, route=route, title=f"{title} - Owner console", on_load=on_load)


def admin_frame(title: str, *children: rx.Component) -> rx.Component:
    return admin_layout(rx.vstack(*children, spacing="4", width="100%"), title=title)


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
                high_contrast=True,  # 4.5:1 or more on the console's gray ground (was 4.41:1)
                role="alert",
                id="problems",
                width="100%",
            ),
        ),
        rx.cond(
            message != "",
            rx.callout(
                message,
                icon="check",
                color_scheme="grass",
                high_contrast=True,  # was 4.48:1
                role="status",
                id="saved",
            ),
        ),
    )


def field(label: str, control: rx.Component) -> rx.Component:
    return rx.el.label(
        rx.vstack(rx.text(label, size="2", weight="medium"), control, spacing="1"),
        width="100%",
    )


def form_row(*children: rx.Component) -> rx.Component:
    """A short form's fields side by side, its button level with their inputs; on a narrow
    screen the row wraps, each field onto a line of its own."""
    return rx.flex(*children, wrap="wrap", spacing="3", align="end", width="100%")


def row_field(
    label: str, control: rx.Component, basis: str = "160px", max_width: str = "none"
) -> rx.Component:
    """A field of a `form_row`: its label above its input, at least `basis` wide (less only on
    a screen narrower than that), growing into the row's spare room; up to `max_width` but on
    a phone, where a field alone on its line takes the whole line."""
    return rx.el.label(
        rx.vstack(rx.text(label, size="2", weight="medium"), control, spacing="1", align="stretch"),
        flex=f"1 1 {basis}",
        max_width=rx.breakpoints(initial="none", xs=max_width),
        min_width="0",
    )


def named_upload(name: str, *children: rx.Component, **props: Any) -> rx.Component:
    """`rx.upload` whose file input has an accessible name. The upload draws its own
    (visually hidden) `input[type=file]` and passes no props to it, so the name is set on
    that child here; react-dropzone's input props, spread after it, carry no name of their
    own to override it."""
    upload = rx.upload(*children, **props)
    zone = upload.children[0]
    file_input = zone.children[0]
    assert file_input.tag == "input", "rx.upload's layout changed: find its file input"
    file_input.custom_attrs["aria-label"] = name
    return upload


def native_select(*options: rx.Component, **props: object) -> rx.Component:
    """A browser select (keyboard, form data and phone pickers as the browser has them) drawn
    like the theme's text inputs beside it."""
    return rx.el.select(
        *options,
        height="var(--space-6)",
        padding="0 var(--space-2)",
        font_size="var(--font-size-2)",
        color="var(--gray-12)",
        background_color="var(--color-surface)",
        border="none",
        border_radius="var(--radius-2)",
        box_shadow="inset 0 0 0 1px var(--gray-a7)",
        **props,
    )


def active_toggle(active, deactivate: str, activate: str, set_active) -> rx.Component:  # noqa: ANN001
    """One button that switches a row off (`deactivate`, e.g. "Archive") or back on; the row's
    handler `set_active(value)` takes the wanted state."""
    return rx.cond(
        active,
        rx.button(deactivate, size="1", variant="soft", on_click=set_active(False)),
        rx.button(activate, size="1", on_click=set_active(True)),
    )
