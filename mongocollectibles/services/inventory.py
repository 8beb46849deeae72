"""Stock now: the units of each collectible free today, and maintenance blocks.

Which days a unit is taken is in its rentals' windows (services/reservations.py books them);
a unit is in stock today when it is active, not blocked for maintenance today (`UnitBlock`)
and no live rental's window contains today (Asia/Manila). Counted per collectible and
warehouse as (active units not blocked) - (live windows containing today on those units):
windows of one unit never overlap, so each taken unit is counted once. The second count
reads the live windows that started by today (`ix_rental_live_window_start`), which in a
running shop is about the rentals out now, however many past and future bookings there are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, text
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from mongocollectibles.domain.reservations import shop_today
from mongocollectibles.models import LIVE_RENTAL, Rental, Unit, UnitBlock, Warehouse


def not_in_maintenance(on: date | None = None) -> ColumnElement[bool]:
    """The unit has no maintenance block covering `on` (default: the shop's today)."""
    day = on or shop_today()
    return ~(
        select(UnitBlock.id)
        .where(
            col(UnitBlock.unit_id) == col(Unit.id),
            col(UnitBlock.starts_on) <= day,
            col(UnitBlock.ends_on) >= day,
        )
        .exists()
    )


def any_in_maintenance(session: Session, on: date | None = None) -> bool:
    """Whether any unit is blocked for maintenance on `on` (default: the shop's today)."""
    day = on or shop_today()
    found = session.exec(
        select(UnitBlock.id)
        .where(col(UnitBlock.starts_on) <= day, col(UnitBlock.ends_on) >= day)
        .limit(1)
    ).first()
    return found is not None


def free_counts(
    session: Session, collectible_ids: Iterable[str] | None = None, on: date | None = None
) -> dict[str, dict[str, int]]:
    """Units free on `on` (default today) per collectible per active warehouse:
    {collectible_id: {warehouse_id: n}}. Only the given collectibles when given."""
    on = on or shop_today()
    ids = list(collectible_ids) if collectible_ids is not None else None
    blocked = any_in_maintenance(session, on)  # else no per-unit probe: the count costs what it did
    totals = select(
        col(Unit.collectible_id), col(Unit.warehouse_id), func.count().label("n")
    ).where(col(Unit.active))
    if blocked:
        totals = totals.where(not_in_maintenance(on))
    if ids is not None:
        totals = totals.where(col(Unit.collectible_id).in_(ids))
    groups = totals.group_by(col(Unit.collectible_id), col(Unit.warehouse_id)).subquery()
    rows = session.exec(
        select(groups.c.collectible_id, groups.c.warehouse_id, groups.c.n)
        .join(Warehouse, col(Warehouse.id) == groups.c.warehouse_id)
        .where(col(Warehouse.active))
    ).all()
    taken_query = (
        select(col(Rental.collectible_id), col(Unit.warehouse_id), func.count())
        .join(Unit, col(Unit.id) == col(Rental.unit_id))
        .where(
            text(f"rental.{LIVE_RENTAL}"),
            col(Rental.window_start) <= on,
            col(Rental.window_end) > on,
            col(Unit.active),
        )
        .group_by(col(Rental.collectible_id), col(Unit.warehouse_id))
    )
    if blocked:
        taken_query = taken_query.where(not_in_maintenance(on))
    if ids is not None:
        taken_query = taken_query.where(col(Rental.collectible_id).in_(ids))
    taken = {(c, w): n for c, w, n in session.exec(taken_query).all()}
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for collectible_id, warehouse_id, total in rows:
        counts[collectible_id][warehouse_id] = max(
            0, total - taken.get((collectible_id, warehouse_id), 0)
        )
    return counts
