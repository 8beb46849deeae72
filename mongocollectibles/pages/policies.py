"""`/policies`: rental terms, cancellation and refunds, late returns, damage, and contact."""

from __future__ import annotations

import reflex as rx

from mongocollectibles.components.layout import page_layout
from mongocollectibles.state.site import SiteState
from mongocollectibles.state.store_choice import StoreChoiceState

SECTIONS = [
    (
        "rental-terms",
        "Rental terms",
        [
            "You choose a store, a pickup date and a number of days. Your rental runs from the "
            "pickup date to the return date on your receipt (pickup date plus the days you "
            "paid for); collecting later does not move the return date.",
            "Prices are per day by size. Rentals under 7 days pay the short-rental rate, x2 "
            "under 7 days (twice the daily rate); 7 days or more pay the daily rate. All prices "
            "are in Philippine pesos and include 12% VAT.",
            "Checkout holds a unit for you for a few minutes while you pay. If no payment "
            "arrives in time the hold ends and the unit goes back on sale.",
            "Bring a valid government ID and your order code (e.g. MC-7K3Q9P) to the store "
            "on or after your pickup date, during its opening hours.",
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
            "If your payment reaches us after your hold ended and the unit has gone to someone "
            "else, we refund it in full; you do not need to ask.",
            "Once picked up, a rental is not refunded.",
        ],
    ),
    (
        "late-returns",
        "Late returns",
        [
            "Return the collectible to the store you picked it up from by the return date on "
            "your receipt, during opening hours. We email you the day before it is due, and "
            "again if it is late.",
            "Each day late is charged at the daily rate of your rental. The unit may be booked "
            "by the next customer, so if you need more days, ask us before your return date: "
            "we extend when the unit is free.",
        ],
    ),
    (
        "damage",
        "Damage",
        [
            "We check every collectible with you at pickup and at return. Tell us about any "
            "mark or missing part before you leave the store with it.",
            "Normal wear is fine. Damage or missing parts are charged at the repair cost, up to "
            "the replacement value; we show you the estimate before charging anything.",
        ],
    ),
]


def policies_page() -> rx.Component:
    S = SiteState
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
                    rx.link(S.contact_email, href="mailto:" + S.contact_email, underline="always"),
                    " or call ",
                    rx.link(S.contact_phone, href=S.contact_phone_href, underline="always"),
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
