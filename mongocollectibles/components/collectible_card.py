"""A catalog card: image, name, size, daily rate, stock and ETA (out of stock shown as such)."""

from __future__ import annotations

import dataclasses

import reflex as rx

IMAGE_WIDTH, IMAGE_HEIGHT = 400, 300  # the drawings are 4:3


@dataclasses.dataclass
class CardItem:
    """What a card shows, already formatted (the page state builds these)."""

    id: str = ""
    name: str = ""
    size: str = ""
    size_label: str = ""
    image_url: str = ""
    rate_text: str = ""
    rate_note: str = ""  # "short-rental rate, x2 under 7 days"
    stock: int = 0
    available: bool = False
    stock_text: str = ""
    eta_text: str = ""


def collectible_image(src, alt, *, eager: bool = False, **props) -> rx.Component:
    """A sized 4:3 image (no layout shift), lazy and async-decoded unless `eager` (then the
    prerendered page preloads it from its head: React does so for eager images)."""
    return rx.el.img(
        src=src,
        alt=alt,
        # Real attributes (Reflex would turn width=/height= into CSS): no layout shift.
        custom_attrs={"width": str(IMAGE_WIDTH), "height": str(IMAGE_HEIGHT)},
        loading="eager" if eager else "lazy",
        decoding="async",
        style={"width": "100%", "height": "auto", "aspect_ratio": "4 / 3", "display": "block"},
        **props,
    )


def stock_badge(available, stock_text) -> rx.Component:
    return rx.badge(
        stock_text,
        color_scheme=rx.cond(available, "grass", "red"),
        # "surface" red text on a light red ground: contrast above 4.5:1 (solid red was 3.9).
        variant=rx.cond(available, "soft", "surface"),
        high_contrast=True,
        size="2",
    )


def collectible_card(item: CardItem, *, eager: bool = False) -> rx.Component:
    return rx.link(
        rx.box(
            # Decorative here: the heading names the item (read once, not twice).
            collectible_image(item.image_url, "", eager=eager),
            opacity=rx.cond(item.available, "1", "0.55"),
            filter=rx.cond(item.available, "none", "grayscale(0.8)"),
        ),
        rx.vstack(
            rx.hstack(
                rx.badge(item.size_label, variant="outline", color_scheme="gray"),
                stock_badge(item.available, item.stock_text),
                justify="between",
                width="100%",
            ),
            rx.heading(item.name, size="4", as_="h2"),
            rx.text(item.rate_text, weight="bold", size="3", class_name="rate"),
            rx.cond(
                item.rate_note != "",
                rx.text(item.rate_note, size="1", color=rx.color("gray", 11)),
            ),
            rx.text(item.eta_text, size="2", color=rx.color("gray", 11)),
            spacing="2",
            align="start",
            padding="12px 14px 16px",
        ),
        href="/collectibles/" + item.id,
        underline="none",
        color="inherit",
        id="card-" + item.id,
        data_testid="collectible-card",
        data_available=rx.cond(item.available, "true", "false"),
        display="block",
        height="100%",
        overflow="hidden",
        border_radius="var(--radius-4)",
        border=f"1px solid {rx.color('gray', 5)}",
        background_color=rx.color("gray", 1),
        box_shadow="0 1px 2px rgba(0, 0, 0, 0.06)",
        transition="box-shadow 0.15s, transform 0.15s",
        _hover={"box_shadow": "0 6px 18px rgba(0, 0, 0, 0.12)", "transform": "translateY(-2px)"},
    )
