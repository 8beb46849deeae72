"""Which unit to ship: the free unit whose warehouse is nearest to the pickup store."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    unit_id: str
    warehouse_id: str
    km: int


def allocation_order(candidate: Candidate) -> tuple[int, str, str]:
    """Nearest first; ties broken by warehouse id, then unit id (deterministic)."""
    return (candidate.km, candidate.warehouse_id, candidate.unit_id)


def choose_unit(candidates: Iterable[Candidate]) -> Candidate | None:
    return min(candidates, key=allocation_order, default=None)


def nearest_eta(free_by_warehouse: Mapping[str, int], km_to_store: Mapping[str, int]) -> int | None:
    """Days until pickup: the distance of the nearest warehouse with a free unit (None: none)."""
    stocked = (w for w, free in free_by_warehouse.items() if free)
    return min((km_to_store[w] for w in stocked if w in km_to_store), default=None)


def is_available(stock: int, eta_days: int | None, *, for_store: bool) -> bool:
    """The one meaning of "available": for a pickup store, a free unit that can reach it;
    with no store chosen, any free unit."""
    return eta_days is not None if for_store else stock > 0
