"""Checks the stored store/warehouse network against the domain rules."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, select

from mongocollectibles.domain.network import validate_network
from mongocollectibles.models import Distance, Store, Warehouse


def _load(
    session: Session,
) -> tuple[Sequence[str], Sequence[str], dict[tuple[str, str], int]]:
    stores = session.exec(select(Store.id).where(Store.active)).all()
    warehouses = session.exec(select(Warehouse.id).where(Warehouse.active)).all()
    distances = {(d.warehouse_id, d.store_id): d.km for d in session.exec(select(Distance)).all()}
    return stores, warehouses, distances


def check_network(session: Session) -> None:
    """Raise NetworkInvalid with every problem when the stored network is unusable."""
    validate_network(*_load(session))
