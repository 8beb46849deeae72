"""Messages that tell a person something went wrong, announced to screen readers at once."""

from __future__ import annotations

from typing import Any

import reflex as rx


def problem_callout(message: rx.Var[str], callout_id: str, **props: Any) -> rx.Component:
    """A red callout with `message`, shown only while it is not empty; its text in the
    theme's high-contrast red (4.5:1 or more on the storefront's and the console's grounds)."""
    return rx.cond(
        message != "",
        rx.callout(
            message,
            icon="circle_alert",
            color_scheme="red",
            high_contrast=True,
            role="alert",
            id=callout_id,
            **props,
        ),
    )
