"""The owner's catalog pages: /admin/catalog, /admin/catalog/[collectible_id],
/admin/prices, /admin/network. They call the services (services/*_admin.py) only."""

import reflex as rx

from mongocollectibles.pages.admin import catalog, collectible, network, prices


def register(app: rx.App) -> None:
    collectible.register(app)  # the dynamic route first
    catalog.register(app)
    prices.register(app)
    network.register(app)
