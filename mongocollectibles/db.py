"""Engines, built lazily (never at import time) and cached per URL. Sessions and transactions
are the unit of work's (services/unit_of_work.py)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from mongocollectibles.settings import get_settings


def is_postgres(engine_or_session: Engine | Session) -> bool:
    bind = (
        engine_or_session.get_bind()
        if isinstance(engine_or_session, Session)
        else engine_or_session
    )
    return bind.dialect.name == "postgresql"


def get_engine(url: str | None = None) -> Engine:
    """The engine for `url` (default: the configured DATABASE_URL), created once per URL."""
    return _engine_for(url or get_settings().database_url)


@lru_cache(maxsize=16)
def _engine_for(url: str) -> Engine:
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # noqa: ANN001
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    settings = get_settings()
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )


@event.listens_for(Engine, "connect")
def _prepared_statements_setting(dbapi_connection, _record):  # noqa: ANN001
    """DB_PREPARED_STATEMENTS=false (PgBouncer in transaction mode): no psycopg prepared
    statements on any engine of the process, Reflex's own (/_health) included."""
    if hasattr(dbapi_connection, "prepare_threshold") and not get_settings().db_prepared_statements:
        dbapi_connection.prepare_threshold = None


def clear_engines() -> None:
    """Forget cached engines (tests drop their databases; FORCE closes the connections)."""
    _engine_for.cache_clear()


def libpq_url(sqlalchemy_url: str) -> str:
    """`postgresql+psycopg://...` as psycopg (libpq) itself takes it."""
    url = make_url(sqlalchemy_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)
