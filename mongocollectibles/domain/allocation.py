"""Which unit to ship: the free unit whose warehouse is nearest to the pickup store."""

from __future__ import annotations

from collections.abc import Iterable
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
