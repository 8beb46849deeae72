"""Throwaway databases for tests: a migrated + seeded template, copied per test.

PostgreSQL is found through TEST_POSTGRES_URL (an admin URL; default the local server). When
it cannot be reached the PostgreSQL tests fail with a clear message, unless
ALLOW_NO_POSTGRES=1 is set, in which case they are skipped (for machines without it).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from mongocollectibles.db import clear_engines, get_engine, libpq_url
from mongocollectibles.prestart import prestart

ADMIN_URL = os.getenv("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def postgres_problem() -> str | None:
    try:
        with psycopg.connect(libpq_url(ADMIN_URL), connect_timeout=5):
            return None
    except psycopg.Error as error:
        return (
            f"PostgreSQL not reachable at {ADMIN_URL} ({error}). Start it or set TEST_POSTGRES_URL."
        )


def _admin_execute(sql: str) -> None:
    with psycopg.connect(libpq_url(ADMIN_URL), autocommit=True) as connection:
        connection.execute(sql)


def pg_url(name: str) -> str:
    return make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def create_pg_database(name: str, template: str | None = None) -> str:
    suffix = f" TEMPLATE {template}" if template else ""
    _admin_execute(f'CREATE DATABASE "{name}"{suffix}')
    return pg_url(name)


def drop_pg_database(name: str) -> None:
    clear_engines()  # forget pooled engines; FORCE closes their connections
    _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class TemplateDatabases:
    """One migrated, seeded template per backend; cheap copies for each test."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.prefix = f"mct_{uuid.uuid4().hex[:8]}"
        self._pg_template: str | None = None
        self._sqlite_template: Path | None = None
        self._created: list[str] = []

    def sqlite(self) -> str:
        if self._sqlite_template is None:
            self._sqlite_template = self.workdir / "template.db"
            url = f"sqlite:///{self._sqlite_template}"
            prestart(url, with_demo_data=True)
            get_engine(url).dispose()
        copy = self.workdir / f"{uuid.uuid4().hex[:8]}.db"
        shutil.copy(self._sqlite_template, copy)
        return f"sqlite:///{copy}"

    def postgres(self) -> str:
        if self._pg_template is None:
            name = f"{self.prefix}_template"
            url = create_pg_database(name)
            self._created.append(name)
            prestart(url, with_demo_data=True)
            get_engine(url).dispose()
            self._pg_template = name
        name = f"{self.prefix}_{uuid.uuid4().hex[:8]}"
        self._created.append(name)
        return create_pg_database(name, template=self._pg_template)

    def drop_all(self) -> None:
        clear_engines()
        for name in reversed(self._created):
            with contextlib.suppress(psycopg.Error):
                drop_pg_database(name)
