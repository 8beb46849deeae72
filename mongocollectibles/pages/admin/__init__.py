"""The owner console (/admin): sign-in, Today, rentals, one rental, audit log, accounts, and
the catalog pages (collectibles, prices, network). They call the services only."""

import reflex as rx

from mongocollectibles.pages.admin import (
    accounts,
    audit,
    catalog,
    collectible,
    login,
    network,
    prices,
    rental,
    rentals,
    today,
)


def register(app: rx.App) -> None:
    rental.register(app)  # dynamic routes first
    collectible.register(app)
    for module in (login, today, rentals, audit, accounts, catalog, prices, network):
        module.register(app)
