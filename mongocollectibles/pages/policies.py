"""`/policies`: rental terms, cancellation and refunds, late returns, damage, and contact."""

from __future__ import annotations

import reflex as rx

from mongocollectibles.components.layout import CONTACT_EMAIL, CONTACT_PHONE, page_layout
from mongocollectibles.state.store_choice import StoreChoiceState

SECTIONS = [
    (
        "rental-terms",
        "Rental terms",
        [
            "You rent a collectible for a whole number of days, picked up at the store you chose. "
            "The rental starts on the day you pick it up.",
            "Prices are per day by size. Rentals under 7 days pay the short-rental rate, x2 "
            "under 7 days (twice the daily rate); 7 days or more pay the daily rate. All prices "
            "include 12% VAT.",
            "Checkout holds a unit for you for a few minutes while you pay. If no payment "
            "arrives in time the hold ends and the unit goes back on sale.",
            "Bring a valid ID and your order code (e.g. MC-7K3Q9P) when you pick it up.",
        ],
    ),
    (
        "cancellation",
        "Cancellation and refunds",
        [
            "Before paying you can cancel at any time from your order page; nothing is charged.",
            "A declined payment does not cancel your order: the unit stays held until the hold "
            "ends, and you can try again or pay another way.",
            "After paying, and before pickup, ask us for a cancellation: we refund the whole "
            "amount to your original payment method. Refunds take 5 to 10 banking days to show.",
            "Once picked up, a rental is not refunded.",
        ],
    ),
    (
        "late-returns",
        "Late returns",
        [
            "Return the collectible to the same store by the date on your receipt. We email you "
            "the day before it is due.",
            "Each day late is charged at the daily rate of your rental. Tell us early if you "
            "need more days: extending is cheaper than paying late.",
        ],
    ),
    (
        "damage",
        "Damage",
        [
            "We check every collectible with you at pickup and at return.",
            "Normal wear is fine. Damage or missing parts are charged at the repair cost, up to "
            "the replacement value; we show you the estimate before charging anything.",
        ],
    ),
]


def policies_page() -> rx.Component:
    return page_layout(
        rx.heading("Policies", size="7", as_="h1", margin_bottom="16px"),
        rx.vstack(
            *(
                rx.card(
                    rx.heading(title, as_="h2", size="5", margin_bottom="8px"),
                    *(rx.text(p, as_="p", size="3", margin_bottom="8px") for p in paragraphs),
                    id=anchor,
                    width="100%",
                )
                for anchor, title, paragraphs in SECTIONS
            ),
            rx.card(
                rx.heading("Contact", as_="h2", size="5", margin_bottom="8px"),
                rx.text(
                    "Email ",
                    rx.link(CONTACT_EMAIL, href=f"mailto:{CONTACT_EMAIL}", underline="always"),
                    " or call ",
                    rx.link(CONTACT_PHONE, href="tel:+63281234567", underline="always"),
                    ". Stores and opening hours are listed at the bottom of every page.",
                    as_="p",
                ),
                id="contact",
                width="100%",
            ),
            spacing="4",
            width="100%",
        ),
        show_store=False,
    )


def register(app: rx.App) -> None:
    app.add_page(
        policies_page,
        route="/policies",
        title="Policies - MongoCollectibles",
        on_load=StoreChoiceState.load,
    )
