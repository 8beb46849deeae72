"""One validated settings object, fed by the environment and `.env` (python-dotenv).

In development (the default) everything has a working default: SQLite, the local PayMongo
sandbox mounted in the app, local image storage. Outside development the settings refuse to
load with default or missing secrets.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Defaults that are only acceptable in development and tests.
DEV_SECRET_KEY = "sk_test_sandbox_mongocollectibles"
DEV_PUBLIC_KEY = "pk_test_sandbox_mongocollectibles"
DEV_WEBHOOK_SECRET = "whsk_sandbox_mongocollectibles"
DEV_ADMIN_PASSWORD = "changethis"
SANDBOX_PREFIX = "/paymongo-sandbox"
DEFAULT_SQLITE_URL = "sqlite:///.data/mongocollectibles.db"


class SettingsError(Exception):
    """The configuration is unusable; the message says what to change."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    # In a hidden folder: Reflex's dev reloader watches every other top-level file, and
    # SQLite's -wal/-shm files would restart the backend on each write.
    database_url: str = DEFAULT_SQLITE_URL
    # Where customers reach the storefront (success/cancel URLs are built from it).
    public_base_url: str = "http://localhost:3000"
    # Where the backend (API, webhooks, embedded sandbox) is reachable.
    api_base_url: str = "http://localhost:8000"
    hold_minutes: int = Field(default=15, ge=1, le=24 * 60)
    max_duration_days: int = Field(default=365, ge=1, le=3650)
    sweep_interval_seconds: float = Field(default=30.0, gt=0)

    paymongo_secret_key: str = ""
    paymongo_public_key: str = ""
    paymongo_webhook_secret: str = ""
    paymongo_api_base: str = ""
    paymongo_timeout_seconds: float = Field(default=10.0, gt=0)

    admin_username: str = "admin"
    admin_password: str = DEV_ADMIN_PASSWORD
    cors_allowed_origins: str = ""
    seed_demo_data: bool = True

    @model_validator(mode="after")
    def _check(self) -> Settings:
        check_settings(self)
        return self

    @property
    def uses_sandbox(self) -> bool:
        """No PayMongo keys configured: payments go to the embedded local sandbox."""
        return not self.paymongo_secret_key

    @property
    def secret_key(self) -> str:
        return self.paymongo_secret_key or DEV_SECRET_KEY

    @property
    def webhook_secret(self) -> str:
        return self.paymongo_webhook_secret or DEV_WEBHOOK_SECRET

    @property
    def livemode(self) -> bool:
        return self.secret_key.startswith("sk_live_")

    @property
    def gateway_base_url(self) -> str:
        if self.paymongo_api_base:
            return self.paymongo_api_base.rstrip("/")
        if self.uses_sandbox:
            return self.api_base_url.rstrip("/") + SANDBOX_PREFIX
        return "https://api.paymongo.com"

    @property
    def webhook_url(self) -> str:
        return self.api_base_url.rstrip("/") + "/api/webhooks/paymongo"


def check_settings(settings: Settings) -> None:
    """Raise SettingsError when the settings are unusable (outside development: when a secret
    is missing or still the development default). A plain function, not only the validator,
    so that mutation testing (which skips decorated functions) reaches these rules."""
    if not settings.database_url.startswith(("sqlite", "postgresql")):
        raise SettingsError("DATABASE_URL must be sqlite:///... or postgresql+psycopg://...")
    if settings.environment != "production":
        return
    problems = []
    if not settings.paymongo_secret_key or settings.paymongo_secret_key == DEV_SECRET_KEY:
        problems.append("PAYMONGO_SECRET_KEY (a real sk_live_/sk_test_ key)")
    secret = settings.paymongo_webhook_secret
    if not secret or secret == DEV_WEBHOOK_SECRET:
        problems.append("PAYMONGO_WEBHOOK_SECRET (the whsk_ secret of your webhook)")
    if settings.admin_password in ("", DEV_ADMIN_PASSWORD) or len(settings.admin_password) < 12:
        problems.append("ADMIN_PASSWORD (at least 12 characters, not the default)")
    if settings.database_url.startswith("sqlite"):
        problems.append("DATABASE_URL (PostgreSQL in production)")
    if problems:
        raise SettingsError(
            "Refusing to start in production with default or missing settings: "
            + "; ".join(problems)
        )


@lru_cache
def get_settings() -> Settings:
    return Settings()
