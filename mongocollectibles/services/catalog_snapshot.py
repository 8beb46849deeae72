"""The catalog snapshot: stores, collectibles, distances, prices and free-unit counts read
from the database into memory, serving every catalog read and quote for up to
`CACHE_SECONDS`, so browsing costs no query per request however many units there are:

- holds and releases committed through a unit of work in this process are announced
  (`services.stock_changes`); the next read re-counts just those collectibles (one index
  range scan each), so a customer never sees their own checkout missing from the stock;
- changes made by other processes (or directly in the database) show within CACHE_SECONDS
  (longer only for huge inventories: a full re-read never takes more than 1/READ_SHARE of
  the time, e.g. every ~2.5 s with a million units); `invalidate(bind)` after direct edits
  (owner actions) shows them at once;
- when only the age runs out, readers keep the old snapshot while one thread re-reads it.
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, select

from mongocollectibles.domain.allocation import is_available, nearest_eta
from mongocollectibles.domain.errors import NotFound
from mongocollectibles.domain.pricing import PricingRules
from mongocollectibles.models import Collectible, Distance, Store
from mongocollectibles.services import inventory, stock_changes
from mongocollectibles.services.pricing import load_rules

CACHE_SECONDS = 1.0
READ_SHARE = 20  # full re-reads at most every READ_SHARE x the time the last one took


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
    available: bool  # domain.allocation.is_available


@dataclass(frozen=True)
class StoreView:
    id: str
    name: str
    address: str
    opening_hours: str = ""


@dataclass(frozen=True)
class Item:
    """A collectible's own facts (what does not change with stock)."""

    id: str
    name: str
    description: str
    size: str
    image_url: str


def store_not_found(store_id: object) -> NotFound:
    return NotFound(f"Store {store_id!r} not found.")


def collectible_not_found(collectible_id: object) -> NotFound:
    return NotFound(f"Collectible {collectible_id!r} not found.")


def collectible_view(
    item: Item,
    counts: dict[str, dict[str, int]],
    distances: dict[str, int] | None,
    rates: dict[str, int],
) -> CollectibleView:
    """The view of `item` given free counts, and distances to the chosen store (None: no store)."""
    per_warehouse = counts.get(item.id, {})
    stock = sum(per_warehouse.values())
    eta = nearest_eta(per_warehouse, distances) if distances is not None else None
    return CollectibleView(
        id=item.id,
        name=item.name,
        description=item.description,
        size=item.size,
        image_url=item.image_url,
        stock=stock,
        daily_rate_centavos=rates[item.size],
        eta_days=eta,
        available=is_available(stock, eta, for_store=distances is not None),
    )


@dataclass
class Snapshot:
    """The catalog as read at one moment; never mutated once published (except `memo`)."""

    version: int  # stock_changes.version when it was read
    read_at: float  # time.monotonic() of the last full read
    max_age: float  # seconds until the next full read (CACHE_SECONDS or more)
    stores: tuple[StoreView, ...]
    items: tuple[Item, ...]  # active collectibles, by id
    distances: dict[str, dict[str, int]]  # store id -> warehouse id -> km
    rules: PricingRules
    counts: dict[str, dict[str, int]]  # collectible id -> active warehouse id -> free units
    store_by_id: dict[str, StoreView] = field(init=False)
    item_by_id: dict[str, Item] = field(init=False)
    # Values derived from this snapshot (views per store, rendered API bodies); keys must
    # come from a bounded set (known store ids, ...).
    memo: dict[Any, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.store_by_id = {s.id: s for s in self.stores}
        self.item_by_id = {i.id: i for i in self.items}

    def store(self, store_id: object) -> StoreView:
        found = self.store_by_id.get(store_id) if isinstance(store_id, str) else None
        if found is None:
            raise store_not_found(store_id)
        return found

    def views(self, store_id: str | None = None) -> tuple[CollectibleView, ...]:
        """Every active collectible with stock (and ETA to `store_id`); NotFound for a bad store."""
        if store_id is not None:
            self.store(store_id)
        key = ("views", store_id)
        views = self.memo.get(key)
        if views is None:
            distances = self.distances.get(store_id, {}) if store_id else None
            rates = self.rules.daily_rates_centavos
            views = tuple(collectible_view(i, self.counts, distances, rates) for i in self.items)
            self.memo[key] = views
        return views

    def view(self, collectible_id: object, store_id: str | None = None) -> CollectibleView:
        """One active collectible (store checked first, as `get_collectible` does)."""
        if store_id is not None:
            self.store(store_id)
        item = self.item_by_id.get(collectible_id) if isinstance(collectible_id, str) else None
        if item is None:
            raise collectible_not_found(collectible_id)
        distances = self.distances.get(store_id, {}) if store_id else None
        return collectible_view(item, self.counts, distances, self.rules.daily_rates_centavos)


# ---------------------------------------------------------------------------- reading


def _read_all(session: Session, version: int) -> Snapshot:
    started = time.monotonic()
    stores = session.exec(select(Store).where(Store.active).order_by(Store.id)).all()
    items = session.exec(select(Collectible).where(Collectible.active).order_by(Collectible.id))
    distances: dict[str, dict[str, int]] = {}
    for d in session.exec(select(Distance)).all():
        distances.setdefault(d.store_id, {})[d.warehouse_id] = d.km
    snapshot = Snapshot(
        version=version,
        read_at=started,
        max_age=CACHE_SECONDS,
        stores=tuple(StoreView(s.id, s.name, s.address, s.opening_hours) for s in stores),
        items=tuple(Item(c.id, c.name, c.description, c.size, c.image_url) for c in items),
        distances=distances,
        rules=load_rules(session),
        counts=dict(inventory.free_counts(session)),
    )
    snapshot.max_age = max(CACHE_SECONDS, READ_SHARE * (time.monotonic() - started))
    return snapshot


def _recount(session: Session, old: Snapshot, version: int, changed: set[str]) -> Snapshot:
    counts = dict(old.counts)
    if changed:
        fresh = inventory.free_counts(session, sorted(changed))
        for collectible_id in changed:
            counts[collectible_id] = fresh.get(collectible_id, {})
    return Snapshot(
        version=version,
        read_at=old.read_at,
        max_age=old.max_age,
        stores=old.stores,
        items=old.items,
        distances=old.distances,
        rules=old.rules,
        counts=counts,
    )


class _Slot:
    def __init__(self, engine: Engine) -> None:
        self.lock = threading.Lock()
        self.snapshot: Snapshot | None = None
        self.changes = stock_changes.change_log(engine)  # .version moves on each stock change
        self.refresh_queued = False  # a background re-read is on its way


_slots: weakref.WeakKeyDictionary[Engine, _Slot] = weakref.WeakKeyDictionary()
_slots_lock = threading.Lock()
_last: tuple[weakref.ref[Engine], _Slot] | None = None  # the engine asked for last (one is usual)


def _slot(engine: Engine) -> _Slot:
    global _last
    last = _last
    if last is not None and last[0]() is engine:
        return last[1]
    slot = _slots.get(engine)
    if slot is None:
        with _slots_lock:
            slot = _slots.setdefault(engine, _Slot(engine))
    _last = (weakref.ref(engine), slot)
    return slot


_FRESH, _OLD, _CHANGED = "fresh", "old", "changed"


def _state(snapshot: Snapshot | None, slot: _Slot) -> str:
    if snapshot is None or snapshot.version != slot.changes.version:
        return _CHANGED
    return _OLD if _is_aged(snapshot) else _FRESH


def _is_aged(snapshot: Snapshot) -> bool:
    return time.monotonic() - snapshot.read_at >= snapshot.max_age


def _refresh(engine: Engine) -> Snapshot:
    """Bring the snapshot up to date (one thread at a time) and return it."""
    slot = _slot(engine)
    with slot.lock:
        old = slot.snapshot
        if old is not None and _state(old, slot) == _FRESH:
            return old
        version, changed = stock_changes.take(engine)
        try:
            # A session of its own: the cache only ever holds committed data.
            with Session(engine) as session:
                if old is None or _is_aged(old) or changed is None:
                    new = _read_all(session, version)
                else:
                    new = _recount(session, old, version, changed)
        except BaseException:
            stock_changes.announce(engine, None)  # read everything next time
            raise
        slot.snapshot = new
        return new


def snapshot(bind: Engine | Connection | Session) -> Snapshot:
    """The current catalog snapshot of the bind's database (from a worker thread)."""
    engine = stock_changes.engine_of(bind)
    slot = _slot(engine)
    current = slot.snapshot
    if current is not None:
        state = _state(current, slot)
        if state == _FRESH or (state == _OLD and slot.lock.locked()):
            return current  # an old one only while another thread is re-reading it
    return _refresh(engine)


async def current_snapshot(engine: Engine) -> Snapshot:
    """The same from the event loop: no thread hop unless the snapshot must be re-read."""
    slot = _slot(engine)
    current = slot.snapshot
    state = _state(current, slot)
    if current is not None and state == _FRESH:
        return current
    if current is not None and state == _OLD:
        if not slot.refresh_queued:
            slot.refresh_queued = True
            task = asyncio.ensure_future(asyncio.to_thread(_background_refresh, engine, slot))
            _background.add(task)
            task.add_done_callback(_background.discard)
        return current
    return await asyncio.to_thread(_refresh, engine)


_background: set[asyncio.Future[None]] = set()


def _background_refresh(engine: Engine, slot: _Slot) -> None:
    try:
        _refresh(engine)
    except Exception:  # noqa: BLE001 - the old snapshot keeps serving; retried next request
        pass
    finally:
        slot.refresh_queued = False


def invalidate(bind: Engine | Connection | Session) -> None:
    """Drop this process's cached catalog (after direct edits to the catalog tables)."""
    stock_changes.announce(bind, None)
