"""What customers browse: collectibles with stock and ETA for a pickup store, and stores."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from mongocollectibles.domain.errors import NotFound
from mongocollectibles.models import Collectible, Distance, Store
from mongocollectibles.services import inventory
from mongocollectibles.services.pricing import load_rules


@dataclass(frozen=True)
class CollectibleView:
    id: str
    name: str
    description: str
    size: str
    image_url: str
    stock: int
    daily_rate_centavos: int  # base rate for the size
    eta_days: int | None  # None when out of stock or no store chosen

    @property
    def available(self) -> bool:
        return self.stock > 0


@dataclass(frozen=True)
class StoreView:
    id: str
    name: str
    address: str


def list_stores(session: Session) -> list[StoreView]:
    rows = session.exec(select(Store).where(Store.active).order_by(Store.id)).all()
    return [StoreView(s.id, s.name, s.address) for s in rows]


def get_store(session: Session, store_id: str) -> StoreView:
    store = session.get(Store, store_id) if isinstance(store_id, str) else None
    if store is None or not store.active:
        raise NotFound(f"Store {store_id!r} not found.")
    return StoreView(store.id, store.name, store.address)


def _distances_to(session: Session, store_id: str) -> dict[str, int]:
    rows = session.exec(select(Distance).where(Distance.store_id == store_id)).all()
    return {d.warehouse_id: d.km for d in rows}


def _views(session: Session, collectibles: list[Collectible], store_id: str | None):
    counts = inventory.free_counts(session)
    distances = _distances_to(session, store_id) if store_id else {}
    rates = load_rules(session).daily_rates_centavos
    views = []
    for c in collectibles:
        per_warehouse = counts.get(c.id, {})
        reachable = [distances[w] for w in per_warehouse if w in distances]
        views.append(
            CollectibleView(
                id=c.id,
                name=c.name,
                description=c.description,
                size=c.size,
                image_url=c.image_url,
                stock=sum(per_warehouse.values()),
                daily_rate_centavos=rates[c.size],
                eta_days=min(reachable) if reachable else None,
            )
        )
    return views


def list_collectibles(session: Session, store_id: str | None = None) -> list[CollectibleView]:
    if store_id is not None:
        get_store(session, store_id)
    rows = session.exec(select(Collectible).where(Collectible.active).order_by(Collectible.id))
    return _views(session, list(rows.all()), store_id)


def get_collectible(
    session: Session, collectible_id: str, store_id: str | None = None
) -> CollectibleView:
    if store_id is not None:
        get_store(session, store_id)
    collectible = (
        session.get(Collectible, collectible_id) if isinstance(collectible_id, str) else None
    )
    if collectible is None or not collectible.active:
        raise NotFound(f"Collectible {collectible_id!r} not found.")
    return _views(session, [collectible], store_id)[0]
