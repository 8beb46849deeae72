"""Site-wide facts the shared layout shows (test mode)."""

from __future__ import annotations

import reflex as rx

from mongocollectibles.settings import SettingsError, get_settings


def _uses_sandbox() -> bool:
    try:
        return get_settings().uses_sandbox
    except SettingsError:  # a misconfigured build still compiles; the backend refuses to start
        return False


class SiteState(rx.State):
    # Read from the backend's settings: the banner follows the server's real configuration.
    test_mode: bool = _uses_sandbox()
