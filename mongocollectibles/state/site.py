"""Site-wide facts the shared layout shows (test mode, how to reach the shop)."""

from __future__ import annotations

import reflex as rx

from mongocollectibles.services import site


class SiteState(rx.State):
    @rx.var(cache=True)
    def test_mode(self) -> bool:
        """From the backend's settings: the banner follows the server's real configuration
        (the local sandbox, or PayMongo test keys)."""
        return site.test_mode()

    # From the backend's settings too (CONTACT_EMAIL, CONTACT_PHONE): the frontend is built
    # before the production settings are known.
    @rx.var(cache=True)
    def contact_email(self) -> str:
        return site.contact().email

    @rx.var(cache=True)
    def contact_phone(self) -> str:
        return site.contact().phone

    @rx.var(cache=True)
    def contact_phone_href(self) -> str:
        return site.contact().phone_href
