"""One module per page, each with its own state."""

import reflex as rx

from mongocollectibles.pages import (
    admin,
    catalog,
    checkout,
    collectible,
    find_order,
    order,
    payment_result,
    policies,
)


def register_pages(app: rx.App) -> None:
    # Dynamic routes first (Reflex's advice for add_page).
    collectible.register(app)
    admin.register(app)  # the owner console, /admin
    order.register(app)
    catalog.register(app)
    checkout.register(app)
    payment_result.register(app)
    find_order.register(app)
    policies.register(app)
