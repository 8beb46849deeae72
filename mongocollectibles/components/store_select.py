"""The pickup-store picker, bound to the shared store choice (kept in localStorage)."""

from __future__ import annotations

import reflex as rx
from reflex.event import EventType

from mongocollectibles.state.store_choice import StoreChoiceState


def store_select(
    on_change: EventType | None = None,
    *,
    select_id: str = "store-select",
    label: str = "Pickup store",
    size: str = "2",
) -> rx.Component:
    """A select of the active stores; `on_change` (a page's handler) runs after the choice."""
    handlers = [StoreChoiceState.choose]
    if on_change is not None:
        handlers.append(on_change)
    return rx.select.root(
        rx.select.trigger(
            placeholder="Choose a pickup store",
            aria_label=label,
            id=select_id,
            max_width="100%",
        ),
        rx.select.content(
            rx.foreach(
                StoreChoiceState.stores,
                lambda store: rx.select.item(store["name"], value=store["id"]),
            ),
            position="popper",
        ),
        value=StoreChoiceState.store_id,
        on_change=handlers,
        size=size,
    )
