"""Site-wide facts the shared layout shows (test mode)."""

from __future__ import annotations

import reflex as rx

from mongocollectibles.services import site


class SiteState(rx.State):
    @rx.var(cache=True)
    def test_mode(self) -> bool:
        """From the backend's settings: the banner follows the server's real configuration
        (the local sandbox, or PayMongo test keys)."""
        return site.test_mode()
