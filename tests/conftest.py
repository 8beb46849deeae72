"""Shared fixtures: throwaway SQLite and PostgreSQL databases with the schema and seed data."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("ENVIRONMENT", "test")
# Tests make many checkouts from one address and one customer; the limits' own tests
# (tests/integration/test_checkout_limits.py) switch them on explicitly.
os.environ.setdefault("CHECKOUT_LIMITS_ENABLED", "false")

from mongocollectibles.db import get_engine  # noqa: E402
from mongocollectibles.services.unit_of_work import UnitOfWork  # noqa: E402
from mongocollectibles.settings import get_settings  # noqa: E402
from tests.support.databases import TemplateDatabases, postgres_problem  # noqa: E402


@pytest.fixture(autouse=True)
def _settings_from_the_environment():
    """Each test reads settings from its own environment: the cache is emptied again after
    the test's monkeypatching is undone (a server thread of a test that patched the
    environment could otherwise fill it with that test's values for the next tests)."""
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def template_databases(tmp_path_factory):
    templates = TemplateDatabases(tmp_path_factory.mktemp("databases"))
    yield templates
    templates.drop_all()


def _postgres_or_fail() -> None:
    problem = postgres_problem()
    if problem is None:
        return
    if os.getenv("ALLOW_NO_POSTGRES") == "1":
        pytest.skip(problem)
    pytest.fail(problem + " (set ALLOW_NO_POSTGRES=1 to skip these tests instead)")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, template_databases):
    """A fresh, migrated, seeded database on each backend."""
    if request.param == "postgres":
        _postgres_or_fail()
        url = template_databases.postgres()
    else:
        url = template_databases.sqlite()
    yield url
    get_engine(url).dispose()


@pytest.fixture
def pg_url(template_databases):
    _postgres_or_fail()
    url = template_databases.postgres()
    yield url
    get_engine(url).dispose()


@pytest.fixture
def uow(db_url):
    """The unit of work of a fresh, migrated, seeded database (each backend)."""
    return UnitOfWork(db_url)


def _mutant_under_test() -> str:
    """The mutant mutmut switched on in this session ("" outside mutation testing)."""
    name = os.environ.get("MUTANT_UNDER_TEST", "")
    return name if "__mutmut_" in name else ""


def pytest_collection_modifyitems(config, items):
    """Under mutation testing, run first the tests most likely to notice the mutant: those of
    the mutated module's own test file, then unit tests, then SQLite before PostgreSQL. The
    first failure ends the session (-x), so a killed mutant costs only the tests up to it;
    the set of tests (and so the verdict) is the same in any order."""
    mutant = _mutant_under_test()
    if not mutant:
        return
    module = mutant.split(".x_")[0].split(".")[-1]  # ...services.pricing.x_quote__... -> pricing

    def rank(item) -> tuple[int, int, int]:
        on_postgres = item.get_closest_marker("postgres") is not None
        return (module not in item.path.name, "/unit/" not in str(item.path), on_postgres)

    items.sort(key=rank)
