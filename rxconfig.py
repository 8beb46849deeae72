"""Reflex configuration. Only framework settings live here; the app's own settings are in
mongocollectibles/settings.py (environment + .env)."""

import os

import reflex as rx
from dotenv import load_dotenv

from mongocollectibles.settings import sqlalchemy_database_url

# Production reads only its environment (/etc/shop/shop.env), never a stray `.env`.
if os.getenv("ENVIRONMENT", "").strip().lower() != "production":
    load_dotenv()

_origins = [o.strip() for o in os.getenv("CORS_ALLOWED_ORIGINS", "").split(",") if o.strip()]

config = rx.Config(
    app_name="mongocollectibles",
    # Reflex does not read DATABASE_URL itself; `reflex db ...` migrates this database.
    db_url=sqlalchemy_database_url(
        os.getenv("DATABASE_URL", "sqlite:///.data/mongocollectibles.db")
    ),
    telemetry_enabled=False,
    show_built_with_reflex=False,
    cors_allowed_origins=_origins or ["*"],
    plugins=[
        rx.plugins.SitemapPlugin(),
        rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", radius="large")),
    ],
)
