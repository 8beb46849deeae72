"""Production refuses to start with a development secret, one setting at a time.

An owner who forgets one secret must see the shop refuse to start, with that setting named
(and only the settings that are actually wrong)."""

from __future__ import annotations

import pytest

from mongocollectibles.settings import (
    DEV_SECRET_KEY,
    DEV_WEBHOOK_SECRET,
    Settings,
    SettingsError,
)

REAL = {
    "environment": "production",
    "database_url": "postgresql+psycopg://shop@db/shop",
    "paymongo_secret_key": "sk_live_abc",
    "paymongo_webhook_secret": "whsk_real",
}
PREFIX = "Refusing to start in production with default or missing settings: "


def production(**changes: object) -> Settings:
    return Settings(_env_file=None, **{**REAL, **changes})


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        (
            {"paymongo_secret_key": DEV_SECRET_KEY},
            "PAYMONGO_SECRET_KEY (a real sk_live_/sk_test_ key)",
        ),
        ({"paymongo_secret_key": ""}, "PAYMONGO_SECRET_KEY (a real sk_live_/sk_test_ key)"),
        (
            {"paymongo_webhook_secret": DEV_WEBHOOK_SECRET},
            "PAYMONGO_WEBHOOK_SECRET (the whsk_ secret of your webhook)",
        ),
        (
            {"paymongo_webhook_secret": ""},
            "PAYMONGO_WEBHOOK_SECRET (the whsk_ secret of your webhook)",
        ),
        ({"database_url": "sqlite:///shop.db"}, "DATABASE_URL (PostgreSQL in production)"),
    ],
)
def test_one_development_setting_is_refused_and_named_alone(changes, named):
    with pytest.raises(SettingsError) as caught:
        production(**changes)
    assert str(caught.value) == PREFIX + named


def test_every_problem_is_named_at_once_in_a_fixed_order():
    with pytest.raises(SettingsError) as caught:
        Settings(_env_file=None, environment="production")
    assert str(caught.value) == PREFIX + "; ".join(
        [
            "PAYMONGO_SECRET_KEY (a real sk_live_/sk_test_ key)",
            "PAYMONGO_WEBHOOK_SECRET (the whsk_ secret of your webhook)",
            "DATABASE_URL (PostgreSQL in production)",
        ]
    )


def test_a_test_key_is_enough():
    settings = production(paymongo_secret_key="sk_test_real")
    assert not settings.livemode  # a test key talks to PayMongo in test mode


@pytest.mark.parametrize("environment", ["development", "test"])
def test_development_and_test_accept_the_defaults(environment):
    settings = Settings(_env_file=None, environment=environment)
    assert settings.secret_key == DEV_SECRET_KEY and settings.uses_sandbox


@pytest.mark.parametrize("url", ["mysql://x", "", "SQLITE:///x"])
def test_database_url_scheme_is_checked_in_every_environment(url):
    with pytest.raises(SettingsError) as caught:
        Settings(_env_file=None, database_url=url)
    assert str(caught.value) == "DATABASE_URL must be sqlite:///... or postgresql+psycopg://..."


def test_urls_paymongo_is_reached_at_and_calls_back():
    settings = Settings(
        _env_file=None,
        api_base_url="https://shop.example.ph/",
        paymongo_secret_key="sk_test_x",
        paymongo_api_base="http://127.0.0.1:9/v/",
    )
    assert settings.webhook_url == "https://shop.example.ph/api/webhooks/paymongo"
    assert settings.gateway_base_url == "http://127.0.0.1:9/v"
    sandbox = Settings(_env_file=None, api_base_url="https://shop.example.ph/")
    assert sandbox.gateway_base_url == "https://shop.example.ph/paymongo-sandbox"
