"""The placeholder guard of the owner's catalog pages: closed in production until the
console's sign-in replaces it."""

from mongocollectibles.settings import Settings
from mongocollectibles.state import admin_guard

PRODUCTION = {
    "environment": "production",
    "paymongo_secret_key": "sk_live_x",
    "paymongo_webhook_secret": "whsk_x",
    "admin_password": "a-long-owner-password",
    "database_url": "postgresql+psycopg://shop@db/shop",
}


def test_closed_in_production(monkeypatch):
    monkeypatch.setattr(admin_guard, "get_settings", lambda: Settings(_env_file=None, **PRODUCTION))
    assert admin_guard.AdminGuard._actor(object()) is None


def test_open_in_development_as_the_configured_owner(monkeypatch):
    settings = Settings(_env_file=None, admin_username="maria")
    monkeypatch.setattr(admin_guard, "get_settings", lambda: settings)
    assert admin_guard.AdminGuard._actor(object()) == "owner:maria"
