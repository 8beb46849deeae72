"""The catalog as of the storefront's build: what the exported page shows before its socket
connects (names, images, daily rates; no stock, which only the live page knows).

Read when the app's pages are compiled (`reflex run`, `reflex export`), never at import:
from the database when it can be read then (the shop's own catalog), else from the demo
catalog file when the demo data is on (a fresh clone, a build machine without the database),
else nothing (the page shows its loading skeletons until the live list arrives).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlmodel import Session, create_engine, select

from mongocollectibles.domain.pricing import DEFAULT_RULES, PricingRules
from mongocollectibles.models import Collectible
from mongocollectibles.services.catalog_io import DEMO_FILE
from mongocollectibles.services.pricing import load_rules
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
        # Reading must not create an empty database file where there was none.
        if not database or database == ":memory:" or not Path(database).is_file():
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
            items = tuple(
                PreviewItem(
                    c.id, c.name, c.size, c.image_url, rules.daily_rates_centavos.get(c.size, 0)
                )
                for c in rows
            )
    finally:
        engine.dispose()
    return CatalogPreview(items, rules, "database")


def _from_demo_file() -> CatalogPreview:
    document = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    pricing = document.get("pricing", {})
    rules = PricingRules(
        daily_rates_centavos={
            size: int(pricing.get(f"rate_{size.lower()}_centavos", rate))
            for size, rate in DEFAULT_RULES.daily_rates_centavos.items()
        },
        special_threshold_days=int(
            pricing.get("special_threshold_days", DEFAULT_RULES.special_threshold_days)
        ),
        special_multiplier_percent=int(
            pricing.get("special_multiplier_percent", DEFAULT_RULES.special_multiplier_percent)
        ),
        turnaround_days=int(pricing.get("turnaround_days", DEFAULT_RULES.turnaround_days)),
    )
    items = tuple(
        PreviewItem(
            c["id"],
            c["name"],
            c["size"],
            c.get("image_url", ""),
            rules.daily_rates_centavos.get(c["size"], 0),
        )
        for c in sorted(document.get("collectibles", []), key=lambda c: c["id"])
        if c.get("active", True)
    )
    return CatalogPreview(items, rules, "demo file")
