"""One module per page, each with its own state."""

import reflex as rx

from mongocollectibles.pages import catalog


def register_pages(app: rx.App) -> None:
    catalog.register(app)
