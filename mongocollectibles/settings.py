"""One validated settings object, fed by the environment and `.env` (python-dotenv).

In development (the default) everything has a working default: SQLite, the local PayMongo
sandbox mounted in the app, local image storage. Outside development the settings refuse to
load with default or missing secrets.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Literal

from limits import parse as parse_rate
from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Defaults that are only acceptable in development and tests.
DEV_SECRET_KEY = "sk_test_sandbox_mongocollectibles"
DEV_WEBHOOK_SECRET = "whsk_sandbox_mongocollectibles"
SANDBOX_PREFIX = "/paymongo-sandbox"
DEFAULT_SQLITE_URL = "sqlite:///.data/mongocollectibles.db"


def reflex_frontend_url() -> str:
    """Where Reflex serves the storefront: REFLEX_DEPLOY_URL, else the frontend port that
    `reflex run` chose (it exports REFLEX_FRONTEND_PORT to its processes), else :3000."""
    port = os.getenv("REFLEX_FRONTEND_PORT") or "3000"
    return os.getenv("REFLEX_DEPLOY_URL") or f"http://localhost:{port}"


def reflex_backend_url() -> str:
    """Where Reflex serves the backend: REFLEX_API_URL, else the backend port that
    `reflex run` chose (REFLEX_BACKEND_PORT), else :8000."""
    port = os.getenv("REFLEX_BACKEND_PORT") or "8000"
    return os.getenv("REFLEX_API_URL") or f"http://localhost:{port}"


def sqlalchemy_database_url(url: str) -> str:
    """postgres:// and postgresql:// URLs (as DigitalOcean hands them out) use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


class SettingsError(Exception):
    """The configuration is unusable; the message says what to change."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    # In a hidden folder: Reflex's dev reloader watches every other top-level file, and
    # SQLite's -wal/-shm files would restart the backend on each write.
    database_url: str = DEFAULT_SQLITE_URL
    # Where customers reach the storefront (success/cancel URLs are built from it). Unset, it
    # follows the port `reflex run` serves the frontend on.
    public_base_url: str = Field(default_factory=reflex_frontend_url)
    # Where the backend (API, webhooks, embedded sandbox) is reachable. Unset, it follows the
    # port `reflex run` serves the backend on.
    api_base_url: str = Field(default_factory=reflex_backend_url)
    hold_minutes: int = Field(default=15, ge=1, le=24 * 60)
    max_duration_days: int = Field(default=365, ge=1, le=3650)
    sweep_interval_seconds: float = Field(default=30.0, gt=0)
    # A request body must arrive within this time (slow or stalled uploads get 408).
    body_read_timeout_seconds: float = Field(default=10.0, gt=0)
    # Reservations by date: how far ahead a pickup may be booked (the turnaround between
    # windows is a pricing rule the owner edits).
    max_ahead_days: int = Field(default=365, ge=1, le=3650)

    paymongo_secret_key: str = ""
    paymongo_webhook_secret: str = ""
    paymongo_api_base: str = ""
    paymongo_timeout_seconds: float = Field(default=10.0, gt=0)
    # Signed webhooks older than this are refused. PayMongo retries an event for up to ~136.5
    # minutes (maybe with its first timestamp): 3 hours lets every retry through. Within it,
    # a replayed event is a duplicate (event-id dedupe); a manual resend from PayMongo's
    # dashboard after it is refused, and the rental's status page confirms the payment with
    # PayMongo instead.
    webhook_tolerance_seconds: int = Field(default=3 * 3600, ge=9000)

    # Checkout limits (services/limits.py). Rates use the `limits` notation ("10/10 minutes");
    # empty turns one off. Counters are in memory (one worker) or in Redis when REDIS_URL is
    # set (several workers).
    checkout_limits_enabled: bool = True
    checkout_rate_per_ip: str = "10/10 minutes"
    checkout_rate_per_customer: str = "5/10 minutes"
    max_unpaid_holds_per_customer: int = Field(default=3, ge=0)
    max_unpaid_holds_per_ip: int = Field(default=6, ge=0)
    # REDIS_URL, else Reflex's REFLEX_REDIS_URL (several workers share state there anyway).
    redis_url: str = Field(
        default="", validation_alias=AliasChoices("redis_url", "reflex_redis_url")
    )
    rate_limit_prefix: str = "mongocollectibles"
    # Reverse proxies in front of the app that append to X-Forwarded-For (Caddy: 1). 0: the
    # peer's address is the client's. Set REFLEX_TRUSTED_PROXY_HOPS the same for the pages.
    trusted_proxy_hops: int = Field(default=0, ge=0, le=5)

    # Lets requests that do not come from this machine use the sandbox's test controls
    # (X-Sandbox-Secret header); empty: loopback only. The sandbox never runs in production.
    sandbox_controls_secret: str = ""

    cors_allowed_origins: str = ""
    # Production: the Host names the app answers (comma-separated); empty: the hosts of
    # PUBLIC_BASE_URL and API_BASE_URL. localhost/127.0.0.1/::1 are always accepted.
    allowed_hosts: str = ""
    seed_demo_data: bool = True

    # PostgreSQL connections per process: pool_size kept open + max_overflow on bursts. A
    # process is one backend worker (or prestart); see deploy/README.md for the arithmetic.
    db_pool_size: int = Field(default=3, ge=1, le=100)
    db_max_overflow: int = Field(default=2, ge=0, le=100)
    # false behind PgBouncer in transaction mode (DigitalOcean's pool on port 25061):
    # psycopg's prepared statements do not survive a change of server connection.
    db_prepared_statements: bool = True
    # The direct (not pooled) URL prestart migrates through; empty: DATABASE_URL. Needed
    # when DATABASE_URL is a transaction-mode pool (session advisory locks need a session).
    migrate_database_url: str = ""

    @field_validator("database_url", "migrate_database_url", mode="after")
    @classmethod
    def _driver(cls, url: str) -> str:
        return sqlalchemy_database_url(url)

    # Collectible images (mongocollectibles/storage). Local files under MEDIA_DIR, served at
    # MEDIA_PUBLIC_URL (default: {API_BASE_URL}/api/media), unless a Spaces bucket is set.
    media_dir: str = ".data/media"
    media_public_url: str = ""
    max_image_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    # DigitalOcean Spaces (any S3-compatible storage): e.g. SPACES_ENDPOINT=
    # https://sgp1.digitaloceanspaces.com, SPACES_REGION=sgp1, SPACES_CDN_URL=
    # https://BUCKET.sgp1.cdn.digitaloceanspaces.com (public URLs; default: the bucket URL).
    spaces_bucket: str = ""
    spaces_endpoint: str = ""
    spaces_region: str = ""
    spaces_key: str = ""
    spaces_secret: str = ""
    spaces_cdn_url: str = ""
    spaces_addressing_style: Literal["auto", "virtual", "path"] = "auto"

    # Email (docs/email.md). Nothing configured outside production: the embedded mail server
    # (aiosmtpd on 127.0.0.1:SMTP_PORT, default 8025) keeps every message in MAILBOX_DIR,
    # listed at /api/dev/mailbox. In production: an email API over HTTPS (EMAIL_API_URL +
    # EMAIL_API_KEY) or SMTP (SMTP_HOST, on a port the host allows).
    mail_from: str = "MongoCollectibles <orders@mongocollectibles.example>"
    owner_email: str = ""  # gets a copy of every new paid order
    # What customers see under Contact (footer, policies page); set when the app is built.
    contact_email: str = "hello@mongocollectibles.example"
    contact_phone: str = "+63 2 8123 4567"
    smtp_host: str = ""
    smtp_port: int = Field(default=0, ge=0, le=65535)  # 0: 8025 embedded, 587 otherwise
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    email_api_url: str = ""
    email_api_key: str = ""
    mailbox_dir: str = ".data/mailbox"
    outbox_interval_seconds: float = Field(default=5.0, gt=0)
    # "Your hold ends soon" goes out this many minutes before a hold ends.
    hold_reminder_minutes: int = Field(default=5, ge=1, le=24 * 60)

    @model_validator(mode="after")
    def _check(self) -> Settings:
        check_settings(self)
        return self

    @property
    def mail_mode(self) -> Literal["api", "smtp", "embedded", "none"]:
        """How email leaves: an HTTPS API, SMTP, the embedded dev server, or not yet (the
        outbox keeps every message until mail is configured)."""
        if self.email_api_url:
            return "api"
        if self.smtp_host:
            return "smtp"
        return "none" if self.environment == "production" else "embedded"

    @property
    def smtp_port_in_use(self) -> int:
        if self.smtp_port:
            return self.smtp_port
        return 8025 if self.mail_mode == "embedded" else 587

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
    def uses_spaces(self) -> bool:
        return bool(self.spaces_bucket)

    @property
    def media_url(self) -> str:
        return (self.media_public_url or self.api_base_url.rstrip("/") + "/api/media").rstrip("/")

    @property
    def webhook_url(self) -> str:
        return self.api_base_url.rstrip("/") + "/api/webhooks/paymongo"


def reads_dotenv() -> bool:
    """Production reads only its environment (/etc/shop/shop.env through systemd), never a
    `.env` left in the working directory."""
    return os.environ.get("ENVIRONMENT", "").strip().lower() != "production"


def check_settings(settings: Settings) -> None:
    """Raise SettingsError when the settings are unusable (outside development: when a secret
    is missing or still the development default). A plain function, not only the validator,
    so that mutation testing (which skips decorated functions) reaches these rules."""
    if not settings.database_url.startswith(("sqlite", "postgresql")):
        raise SettingsError("DATABASE_URL must be sqlite:///... or postgresql+psycopg://...")
    if settings.spaces_bucket and not (
        settings.spaces_endpoint and settings.spaces_key and settings.spaces_secret
    ):
        raise SettingsError(
            "Incomplete image storage settings: SPACES_ENDPOINT, SPACES_KEY and "
            "SPACES_SECRET are needed when SPACES_BUCKET is set."
        )
    for name in ("checkout_rate_per_ip", "checkout_rate_per_customer"):
        value = getattr(settings, name)
        try:
            if value:
                parse_rate(value)
        except ValueError:
            raise SettingsError(
                f"{name.upper()} must look like '10/10 minutes' (or be empty), not {value!r}"
            ) from None
    if settings.redis_url and not settings.redis_url.startswith(("redis://", "rediss://")):
        raise SettingsError("REDIS_URL must be redis://host:port/db")
    if settings.environment != "production":
        return
    problems = []
    if not settings.paymongo_secret_key or settings.paymongo_secret_key == DEV_SECRET_KEY:
        problems.append("PAYMONGO_SECRET_KEY (a real sk_live_/sk_test_ key)")
    secret = settings.paymongo_webhook_secret
    if not secret or secret == DEV_WEBHOOK_SECRET:
        problems.append("PAYMONGO_WEBHOOK_SECRET (the whsk_ secret of your webhook)")
    if settings.database_url.startswith("sqlite"):
        problems.append("DATABASE_URL (PostgreSQL in production)")
    if problems:
        raise SettingsError(
            "Refusing to start in production with default or missing settings: "
            + "; ".join(problems)
        )


@lru_cache
def get_settings() -> Settings:
    return Settings() if reads_dotenv() else Settings(_env_file=None)
