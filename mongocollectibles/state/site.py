"""Site-wide facts the shared layout shows (test mode)."""

from __future__ import annotations

import reflex as rx

from mongocollectibles.settings import SettingsError, get_settings


def _test_mode() -> bool:
    """No real money moves: the local sandbox, or PayMongo with sk_test_ keys."""
    try:
        return not get_settings().livemode
    except SettingsError:  # a misconfigured build still compiles; the backend refuses to start
        return False


class SiteState(rx.State):
    # Read from the backend's settings: the banner follows the server's real configuration.
    test_mode: bool = _test_mode()
