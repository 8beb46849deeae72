"""The owner console (/admin): sign-in, Today, rentals, one rental, the audit log."""

import reflex as rx

from mongocollectibles.pages.admin import audit, login, rental, rentals, today

ADMIN_STATES_MODULES = (login, today, rentals, rental, audit)


def register(app: rx.App) -> None:
    rental.register(app)  # dynamic route first
    for module in (login, today, rentals, audit):
        module.register(app)
