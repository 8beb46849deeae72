"""Reflex configuration. Only framework settings live here; the app's own settings are in
mongocollectibles/settings.py (environment + .env)."""

import os
from urllib.parse import urlsplit

import reflex as rx
from dotenv import load_dotenv

load_dotenv()

_origins = [o.strip() for o in os.getenv("CORS_ALLOWED_ORIGINS", "").split(",") if o.strip()]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# Default: the app's own origins (never "*", which Reflex echoes with allow-credentials).
_own = {
    _origin(os.getenv("PUBLIC_BASE_URL", "http://localhost:3000")),
    _origin(os.getenv("API_BASE_URL", "http://localhost:8000")),
}

config = rx.Config(
    app_name="mongocollectibles",
    # Reflex does not read DATABASE_URL itself; `reflex db ...` migrates this database.
    db_url=os.getenv("DATABASE_URL", "sqlite:///.data/mongocollectibles.db"),
    telemetry_enabled=False,
    show_built_with_reflex=False,
    cors_allowed_origins=_origins or sorted(_own),
    plugins=[
        rx.plugins.SitemapPlugin(),
        rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", radius="large")),
    ],
)
