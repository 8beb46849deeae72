import pytest

from mongocollectibles.settings import DEV_WEBHOOK_SECRET, Settings, SettingsError


def test_development_defaults_use_sqlite_and_the_sandbox():
    settings = Settings(_env_file=None)
    assert settings.database_url.startswith("sqlite")
    assert settings.uses_sandbox and not settings.livemode
    assert settings.gateway_base_url == "http://localhost:8000/paymongo-sandbox"
    assert settings.webhook_secret == DEV_WEBHOOK_SECRET


def test_production_refuses_default_secrets_and_names_them():
    with pytest.raises(SettingsError) as caught:
        Settings(_env_file=None, environment="production")
    message = str(caught.value)
    for name in (
        "PAYMONGO_SECRET_KEY",
        "PAYMONGO_WEBHOOK_SECRET",
        "DATABASE_URL",
    ):
        assert name in message


def test_production_with_real_settings_loads():
    settings = Settings(
        _env_file=None,
        environment="production",
        database_url="postgresql+psycopg://shop@db/shop",
        paymongo_secret_key="sk_live_abc",
        paymongo_webhook_secret="whsk_real",
    )
    assert settings.livemode and not settings.uses_sandbox
    assert settings.gateway_base_url == "https://api.paymongo.com"


def test_unknown_database_scheme_is_refused():
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        Settings(_env_file=None, database_url="mysql://x")


def test_settings_read_the_environment(monkeypatch):
    monkeypatch.setenv("HOLD_MINUTES", "5")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://shop.example.ph")
    settings = Settings(_env_file=None)
    assert settings.hold_minutes == 5 and settings.public_base_url == "https://shop.example.ph"


def test_embedded_database_is_outside_reflexs_dev_reload_paths():
    # Reflex's dev reloader watches every top-level entry except hidden folders; SQLite's
    # -wal/-shm files there restarted the backend on each write (and wiped the sandbox).
    from pathlib import PurePosixPath

    from sqlalchemy.engine import make_url

    path = PurePosixPath(make_url(Settings(_env_file=None).database_url).database)
    assert path.parts[0].startswith(".") and len(path.parts) > 1


REFLEX_URL_VARIABLES = ("PUBLIC_BASE_URL", "API_BASE_URL", "REFLEX_DEPLOY_URL", "REFLEX_API_URL")


def test_base_urls_follow_the_ports_reflex_run_uses(monkeypatch):
    # `reflex run --frontend-port 3300 --backend-port 8300` exports these to its processes.
    for name in REFLEX_URL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REFLEX_FRONTEND_PORT", "3300")
    monkeypatch.setenv("REFLEX_BACKEND_PORT", "8300")
    settings = Settings(_env_file=None)
    assert settings.public_base_url == "http://localhost:3300"
    assert settings.api_base_url == "http://localhost:8300"
    assert settings.gateway_base_url == "http://localhost:8300/paymongo-sandbox"
    assert settings.webhook_url == "http://localhost:8300/api/webhooks/paymongo"


def test_reflex_public_urls_and_explicit_settings_take_precedence(monkeypatch):
    monkeypatch.setenv("REFLEX_FRONTEND_PORT", "3300")
    monkeypatch.setenv("REFLEX_BACKEND_PORT", "8300")
    monkeypatch.setenv("REFLEX_DEPLOY_URL", "https://shop.example.ph")
    monkeypatch.setenv("REFLEX_API_URL", "https://api.example.ph")
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    monkeypatch.delenv("API_BASE_URL", raising=False)
    settings = Settings(_env_file=None)
    assert (settings.public_base_url, settings.api_base_url) == (
        "https://shop.example.ph",
        "https://api.example.ph",
    )
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://www.example.ph")
    monkeypatch.setenv("API_BASE_URL", "https://www.example.ph")
    settings = Settings(_env_file=None)
    assert settings.public_base_url == settings.api_base_url == "https://www.example.ph"


def test_database_urls_as_digitalocean_gives_them_use_psycopg():
    settings = Settings(
        _env_file=None,
        database_url="postgresql://shop:pw@db.example:25060/shop?sslmode=require",
        migrate_database_url="postgres://shop:pw@db.example:25060/shop",
    )
    assert settings.database_url == (
        "postgresql+psycopg://shop:pw@db.example:25060/shop?sslmode=require"
    )
    assert settings.migrate_database_url.startswith("postgresql+psycopg://")
    assert Settings(_env_file=None, database_url="sqlite:///x.db").database_url == "sqlite:///x.db"


def test_there_is_no_admin_password_setting():
    # Owner console accounts live in the database (python -m mongocollectibles.manage
    # create-admin); a password in the environment would be a second, weaker way in.
    fields = set(Settings.model_fields)
    assert not {"admin_username", "admin_password"} & fields


def test_checkout_limit_settings_are_checked(monkeypatch):
    monkeypatch.setenv("CHECKOUT_RATE_PER_IP", "lots")
    with pytest.raises(SettingsError, match="CHECKOUT_RATE_PER_IP"):
        Settings(_env_file=None)
    monkeypatch.setenv("CHECKOUT_RATE_PER_IP", "10/10 minutes")
    monkeypatch.setenv("REDIS_URL", "localhost:6379")
    with pytest.raises(SettingsError, match="REDIS_URL"):
        Settings(_env_file=None)


def test_checkout_limits_share_reflexs_redis_unless_told_otherwise(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("REFLEX_REDIS_URL", "redis://cache.internal:6379/0")
    assert Settings(_env_file=None).redis_url == "redis://cache.internal:6379/0"
    monkeypatch.setenv("REDIS_URL", "redis://limits.internal:6379/3")
    assert Settings(_env_file=None).redis_url == "redis://limits.internal:6379/3"
