"""PLACEHOLDER guard for the owner's catalog pages, until the owner console's sign-in
(`AdminState`, with server-side session checks) is merged: then the admin page states
inherit from that instead and `_actor` returns the signed-in owner.

Until then the pages refuse everything in production (no one can reach them there) and in
development/test act as the configured ADMIN_USERNAME. Every event handler calls
`_require()` itself: events can be sent to any handler by name, so a check in on_load alone
would protect nothing.
"""

from __future__ import annotations

import reflex as rx

from mongocollectibles.settings import get_settings

NOT_SIGNED_IN = "The owner console needs the owner to sign in, which is not available yet."


class AdminGuard(rx.State):
    denied: str = ""

    def _actor(self) -> str | None:
        """Who is acting (None: nobody allowed). PLACEHOLDER: see the module docstring."""
        settings = get_settings()
        if settings.environment == "production":
            return None
        return f"owner:{settings.admin_username}"

    def _require(self) -> str | None:
        actor = self._actor()
        self.denied = "" if actor else NOT_SIGNED_IN
        return actor
