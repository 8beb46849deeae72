"""What customers browse: collectibles with stock and ETA for a pickup store, and stores.

Lists come from the in-process catalog snapshot (`services.catalog_snapshot`: no query while
it is fresh); one collectible by id is read from the database now (a few indexed lookups).
"""

from __future__ import annotations

from sqlmodel import Session, select

from mongocollectibles.domain.pricing import PricingRules
from mongocollectibles.models import Collectible, Distance, Store
from mongocollectibles.services import inventory
from mongocollectibles.services.catalog_preview import CatalogPreview, PreviewItem, catalog_preview
from mongocollectibles.services.catalog_snapshot import (
    CollectibleView,
    Item,
    Snapshot,
    StoreView,
    collectible_not_found,
    collectible_view,
    current_snapshot,
    store_not_found,
)
from mongocollectibles.services.pricing import load_rules
from mongocollectibles.services.unit_of_work import UnitOfWork

__all__ = [
    "CatalogPreview",
    "CollectibleView",
    "PreviewItem",
    "Snapshot",
    "StoreView",
    "get_collectible",
    "get_snapshot",
    "list_collectibles",
    "catalog_preview",
    "list_stores",
    "read_collectible",
]


async def get_snapshot(*, uow: UnitOfWork) -> Snapshot:
    """The catalog as of now (for renderers that cache per snapshot, such as the API's)."""
    return await current_snapshot(uow.engine)


async def pricing_rules(*, uow: UnitOfWork) -> PricingRules:
    """The owner's pricing rules as of now (for texts that explain the short-rental rate)."""
    return (await get_snapshot(uow=uow)).rules


async def list_stores(*, uow: UnitOfWork) -> list[StoreView]:
    return list((await get_snapshot(uow=uow)).stores)


async def list_collectibles(
    store_id: str | None = None, *, uow: UnitOfWork
) -> list[CollectibleView]:
    """Every active collectible with stock (and ETA to `store_id`); NotFound for a bad store."""
    return list((await get_snapshot(uow=uow)).views(store_id))


async def get_collectible(
    collectible_id: str, store_id: str | None = None, *, uow: UnitOfWork
) -> CollectibleView:
    """One collectible with its stock read from the database now."""
    return await uow.run(read_collectible, collectible_id, store_id)


def read_collectible(
    session: Session, collectible_id: str, store_id: str | None = None
) -> CollectibleView:
    """One active collectible and its free units, in the caller's transaction."""
    if store_id is not None:
        store = session.get(Store, store_id) if isinstance(store_id, str) else None
        if store is None or not store.active:
            raise store_not_found(store_id)
    collectible = (
        session.get(Collectible, collectible_id) if isinstance(collectible_id, str) else None
    )
    if collectible is None or not collectible.active:
        raise collectible_not_found(collectible_id)
    item = Item(
        collectible.id,
        collectible.name,
        collectible.description,
        collectible.size,
        collectible.image_url,
    )
    counts = inventory.free_counts(session, [collectible.id])
    distances = _distances_to(session, store_id) if store_id else None
    return collectible_view(item, counts, distances, load_rules(session).daily_rates_centavos)


def _distances_to(session: Session, store_id: str) -> dict[str, int]:
    rows = session.exec(select(Distance).where(Distance.store_id == store_id)).all()
    return {d.warehouse_id: d.km for d in rows}
