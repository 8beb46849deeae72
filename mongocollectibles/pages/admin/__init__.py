"""The owner console (/admin): sign-in, Today, rentals, one rental, audit log, accounts."""

import reflex as rx

from mongocollectibles.pages.admin import accounts, audit, login, rental, rentals, today


def register(app: rx.App) -> None:
    rental.register(app)  # dynamic route first
    for module in (login, today, rentals, audit, accounts):
        module.register(app)
