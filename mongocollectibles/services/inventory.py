"""Stock now: the units of each collectible free today.

Which days a unit is taken is in its rentals' windows (services/reservations.py books them);
a unit is in stock today when no live rental's window contains today (Asia/Manila). Counted
per collectible and warehouse as (active units) - (live windows containing today): windows of
one unit never overlap, so each taken unit is counted once. The second count reads the live
windows that started by today (`ix_rental_live_window_start`), which in a running shop
is about the rentals out now, however many past and future bookings there are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, text
from sqlmodel import Session, select

from mongocollectibles.domain.reservations import shop_today
from mongocollectibles.models import LIVE_RENTAL, Rental, Unit, Warehouse


def free_counts(
    session: Session, collectible_ids: Iterable[str] | None = None, on: date | None = None
) -> dict[str, dict[str, int]]:
    """Units free on `on` (default today) per collectible per active warehouse:
    {collectible_id: {warehouse_id: n}}. Only the given collectibles when given."""
    on = on or shop_today()
    ids = list(collectible_ids) if collectible_ids is not None else None
    totals = select(Unit.collectible_id, Unit.warehouse_id, func.count().label("n")).where(
        Unit.active
    )
    if ids is not None:
        totals = totals.where(Unit.collectible_id.in_(ids))
    groups = totals.group_by(Unit.collectible_id, Unit.warehouse_id).subquery()
    rows = session.exec(
        select(groups.c.collectible_id, groups.c.warehouse_id, groups.c.n)
        .join(Warehouse, Warehouse.id == groups.c.warehouse_id)
        .where(Warehouse.active)
    ).all()
    taken_query = (
        select(Rental.collectible_id, Unit.warehouse_id, func.count())
        .join(Unit, Unit.id == Rental.unit_id)
        .where(
            text(f"rental.{LIVE_RENTAL}"),
            Rental.window_start <= on,
            Rental.window_end > on,
            Unit.active,
        )
        .group_by(Rental.collectible_id, Unit.warehouse_id)
    )
    if ids is not None:
        taken_query = taken_query.where(Rental.collectible_id.in_(ids))
    taken = {(c, w): n for c, w, n in session.exec(taken_query).all()}
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for collectible_id, warehouse_id, total in rows:
        counts[collectible_id][warehouse_id] = max(
            0, total - taken.get((collectible_id, warehouse_id), 0)
        )
    return counts
