"""Throwaway databases for tests: a migrated + seeded template, copied per test.

PostgreSQL is found through TEST_POSTGRES_URL (an admin URL; default the local server). When
it cannot be reached the PostgreSQL tests fail with a clear message, unless
ALLOW_NO_POSTGRES=1 is set, in which case they are skipped (for machines without it).

Mutation testing runs thousands of short pytest sessions in one process; building the two
templates (migrations and seed) would be most of each session's time. scripts/mutation.sh
builds them once (`python -m tests.support.databases build DIR`, from the unmutated code) and
names them in TEST_SQLITE_TEMPLATE / TEST_POSTGRES_TEMPLATE; sessions then copy those and leave
them in place.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
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


def migrate_and_seed(url: str) -> None:
    prestart(url, with_demo_data=True)
    get_engine(url).dispose()


class TemplateDatabases:
    """One migrated, seeded template per backend; cheap copies for each test."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self._pg_template: str | None = os.getenv("TEST_POSTGRES_TEMPLATE") or None
        # Copies of a shared template carry its family's name, so that the run that built it
        # can drop them all, even those of a session killed before it cleaned up.
        family = self._pg_template.removesuffix("_template") if self._pg_template else "mct"
        self.prefix = f"{family}_{uuid.uuid4().hex[:8]}"
        shared_sqlite = os.getenv("TEST_SQLITE_TEMPLATE")
        self._sqlite_template: Path | None = Path(shared_sqlite) if shared_sqlite else None
        self._created: list[str] = []

    def sqlite(self) -> str:
        if self._sqlite_template is None:
            self._sqlite_template = self.workdir / "template.db"
            migrate_and_seed(f"sqlite:///{self._sqlite_template}")
        copy = self.workdir / f"{uuid.uuid4().hex[:8]}.db"
        shutil.copy(self._sqlite_template, copy)
        return f"sqlite:///{copy}"

    def postgres(self) -> str:
        if self._pg_template is None:
            name = f"{self.prefix}_template"
            url = create_pg_database(name)
            self._created.append(name)
            migrate_and_seed(url)
            self._pg_template = name
        name = f"{self.prefix}_{uuid.uuid4().hex[:8]}"
        self._created.append(name)
        return create_pg_database(name, template=self._pg_template)

    def drop_all(self) -> None:
        clear_engines()
        for name in reversed(self._created):
            with contextlib.suppress(psycopg.Error):
                drop_pg_database(name)


def build_shared_templates(workdir: Path) -> dict[str, str]:
    """Templates that outlive one pytest session: their variables, for the sessions' environment."""
    workdir.mkdir(parents=True, exist_ok=True)
    sqlite_template = workdir / "template.db"
    sqlite_template.unlink(missing_ok=True)
    migrate_and_seed(f"sqlite:///{sqlite_template}")
    found = {"TEST_SQLITE_TEMPLATE": str(sqlite_template)}
    if postgres_problem() is None:
        name = f"mct_shared_{uuid.uuid4().hex[:8]}_template"
        migrate_and_seed(create_pg_database(name))
        found["TEST_POSTGRES_TEMPLATE"] = name
    return found


def drop_shared_template(name: str) -> None:
    """The template and every copy made of it (TemplateDatabases names them after it)."""
    family = name.removesuffix("_template")
    with psycopg.connect(libpq_url(ADMIN_URL), autocommit=True) as connection:
        copies = [
            row[0]
            for row in connection.execute(
                "SELECT datname FROM pg_database WHERE starts_with(datname, %s)", (family + "_",)
            )
        ]
    for copy in [*sorted(set(copies) - {name}), name]:
        drop_pg_database(copy)


if __name__ == "__main__":
    # build DIR: prints `NAME=value` lines; drop NAME: drops a shared PostgreSQL template and
    # its copies.
    command, argument = sys.argv[1], sys.argv[2]
    if command == "build":
        for key, value in build_shared_templates(Path(argument)).items():
            print(f"{key}={value}")
    elif command == "drop":
        drop_shared_template(argument)
    else:
        sys.exit(f"unknown command {command!r}: build DIR | drop NAME")
