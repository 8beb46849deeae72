"""The catalog as of the storefront's build: what the exported page shows before its socket
connects (names, images, daily rates; no stock, which only the live page knows).

Read when the app's pages are compiled (`reflex run`, `reflex export`), never at import:
from the database when it can be read then (the shop's own catalog), else from the demo
catalog file when the demo data is on (a fresh clone, a build machine without the database),
else nothing (the page shows its loading skeletons until the live list arrives).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlmodel import Session, create_engine, select

from mongocollectibles.domain.pricing import DEFAULT_RULES, PricingRules
from mongocollectibles.models import Collectible, PricingSettings
from mongocollectibles.services.catalog_io import collectible_values, demo_plan
from mongocollectibles.services.pricing import load_rules, rules_of
from mongocollectibles.services.unit_of_work import UnitOfWork
from mongocollectibles.settings import get_settings

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 3  # a build machine that cannot reach the database goes on at once


@dataclass(frozen=True)
class PreviewItem:
    id: str
    name: str
    size: str
    image_url: str
    daily_rate_centavos: int


@dataclass(frozen=True)
class CatalogPreview:
    items: tuple[PreviewItem, ...]
    rules: PricingRules
    source: str  # "database", "demo file" or "none"


def catalog_preview(*, uow: UnitOfWork) -> CatalogPreview:
    """The active collectibles (by id, as the live list orders them) and the pricing rules."""
    settings = get_settings()
    try:
        from_database = _from_database(uow.url)
    except (SQLAlchemyError, OSError) as error:  # no database here: the file, or nothing
        log.info("catalog preview: database not readable (%s)", type(error).__name__)
        from_database = None
    if from_database is not None and from_database.items:
        return from_database
    if settings.seed_demo_data:
        return _from_demo_file()
    return CatalogPreview((), DEFAULT_RULES, "none")


def _from_database(url: str) -> CatalogPreview | None:
    parsed = make_url(url)
    connect_args: dict[str, object] = {}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        # Reading must not create an empty database file where there was none (an
        # in-memory database has no file: nothing to read either).
        if not database or not Path(database).is_file():
            return None
    else:
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
    # Only the unit of work's database, through a throwaway engine: `reflex run --env prod`
    # compiles in the process that then forks the server, which must inherit no connection.
    engine = create_engine(url, connect_args=connect_args, poolclass=NullPool)
    try:
        with Session(engine) as session:
            rules = load_rules(session)
            rows = session.exec(
                select(Collectible).where(Collectible.active).order_by(Collectible.id)
            ).all()
            items = tuple(_item(c, rules) for c in rows)
    finally:
        engine.dispose()
    return CatalogPreview(items, rules, "database")


def _from_demo_file() -> CatalogPreview:
    """What a shop seeded from the demo file would show: the file read and checked as the
    seed reads it, its rows and pricing as the seed would write them (an image_file, which
    the seed stores first, shows no image here; the shipped file gives image URLs)."""
    plan = demo_plan()
    rules = rules_of(PricingSettings(id=1, **plan.pricing))
    rows = sorted(
        (Collectible(id=c["id"], **collectible_values(c)) for c in plan.collectibles),
        key=lambda c: c.id,
    )
    return CatalogPreview(tuple(_item(c, rules) for c in rows if c.active), rules, "demo file")


def _item(c: Collectible, rules: PricingRules) -> PreviewItem:
    # Sizes are S, M or L (checked on every write), each with a rate.
    return PreviewItem(c.id, c.name, c.size, c.image_url, rules.daily_rates_centavos[c.size])
