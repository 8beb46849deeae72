"""Reservations by date: which unit serves a pickup date, which days can start a rental, and
the booking itself (the rules are in domain/reservations.py).

A unit is free over a window when it is active, none of its live rentals' windows overlap it
(`ix_rental_live_unit_window`; on PostgreSQL also the exclusion constraint's GiST index) and
no maintenance block (`UnitBlock`, both days included) touches it. The turnaround between
windows is the owner's pricing rule (`services.pricing.load_rules`).
Allocation walks the store's active warehouses nearest first (ties by warehouse id) and,
in each, the units by id: the first unit free over its whole window serves the rental.

Booking is race-free on both databases:
- PostgreSQL: the chosen unit's row is locked (FOR UPDATE, in a savepoint) and re-checked
  before the rental is written, so concurrent bookings of one unit run one after another
  and a refused candidate's lock is let go at once; the exclusion constraint
  `ex_rental_unit_window` makes an overlap impossible even for writers that skip this.
- SQLite: the booking takes the database's write lock before reading anything (bookings
  are serialized), so what it reads stays true until it commits.

Calendars (`servable_days`) ask the warehouses nearest first, each only about the days still
open, and read its units in id order with their live windows in the span, stopping as soon
as every open day is covered (a unit with no window in the span covers them all at once), so
a busy inventory costs a few units, not all. The first servable day from a date
(`next_servable`: the earliest pickup, the nearest one to a booked day) is, on PostgreSQL, one
query per warehouse over the free gaps between its units' windows; on SQLite a calendar
search in monthly steps.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, NoReturn

from sqlalchemy import exists, text, update
from sqlalchemy.engine import Result
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Exists
from sqlmodel import Session, col, select

from mongocollectibles.db import is_postgres
from mongocollectibles.domain import reservations as rules
from mongocollectibles.domain.errors import Conflict, InvalidInput, OutOfStock
from mongocollectibles.domain.pricing import parse_duration
from mongocollectibles.domain.reservations import Window
from mongocollectibles.models import (
    LIVE_RENTAL,
    Collectible,
    Distance,
    Rental,
    Store,
    Unit,
    UnitBlock,
    Warehouse,
)
from mongocollectibles.services import catalog_snapshot, pricing, stock_changes
from mongocollectibles.services.unit_of_work import UnitOfWork
from mongocollectibles.settings import get_settings

MAX_BOOK_ATTEMPTS = 20
CALENDAR_CHUNK_DAYS = 32
NEAREST_LOOKBACK_DAYS = 62


@dataclass(frozen=True)
class Booking:
    """Where a rental's unit comes from and the days it takes."""

    unit_id: str
    warehouse_id: str
    km: int  # distance in days
    pickup_date: date
    return_date: date
    window: Window


@dataclass(frozen=True)
class Day:
    day: date
    available: bool
    eta_days: int | None  # pickup - today when available
    reason: str | None  # domain.reservations reason when not available


def turnaround_days(session: Session) -> int:
    """Days a returned unit rests before its next window (the owner's pricing rule)."""
    return pricing.load_rules(session).turnaround_days


def max_ahead_days() -> int:
    return get_settings().max_ahead_days


def today() -> date:
    return rules.shop_today()


# ---------------------------------------------------------------------------- reading


def warehouses_for(session: Session, store_id: str) -> list[tuple[str, int]]:
    """The active warehouses delivering to the store, in allocation order: [(id, km), ...]."""
    return [
        (warehouse_id, km)
        for warehouse_id, km in session.exec(
            select(col(Distance.warehouse_id), col(Distance.km))
            .join(Warehouse, col(Warehouse.id) == col(Distance.warehouse_id))
            .where(col(Distance.store_id) == store_id, col(Warehouse.active))
            .order_by(col(Distance.km), col(Distance.warehouse_id))
        ).all()
    ]


def _live_over(unit_id_column: str | ColumnElement[str], window: Window) -> tuple[Any, ...]:
    """The conditions of a live rental of the unit whose window overlaps `window`."""
    return (
        Rental.unit_id == unit_id_column,
        text(f"rental.{LIVE_RENTAL}"),
        Rental.window_start < window.end,
        Rental.window_end > window.start,
    )


def _live_overlap(unit_id_column: str | ColumnElement[str], window: Window) -> Exists:
    """EXISTS a live rental of the unit whose window overlaps `window`."""
    return select(Rental.id).where(*_live_over(unit_id_column, window)).exists()


def _blocked_overlap(unit_id_column: str | ColumnElement[str], window: Window) -> Exists:
    """EXISTS a maintenance block of the unit touching `window` (blocks include both days)."""
    return (
        select(UnitBlock.id)
        .where(
            UnitBlock.unit_id == unit_id_column,
            UnitBlock.starts_on < window.end,
            UnitBlock.ends_on >= window.start,
        )
        .exists()
    )


def first_free_unit(
    session: Session, collectible_id: str, warehouse_id: str, window: Window, after: str = ""
) -> str | None:
    """The lowest-id active unit of the collectible in the warehouse free over `window`."""
    query = (
        select(Unit.id)
        .where(
            Unit.collectible_id == collectible_id,
            Unit.warehouse_id == warehouse_id,
            Unit.active,
            Unit.id > after,
            ~_live_overlap(Unit.id, window),
            ~_blocked_overlap(Unit.id, window),
        )
        .order_by(Unit.id)
        .limit(1)
    )
    return session.exec(query).first()


def unit_is_free(session: Session, unit_id: str, window: Window, except_rental: str = "") -> bool:
    overlap = select(Rental.id).where(*_live_over(unit_id, window), Rental.id != except_rental)
    blocked = select(UnitBlock.id).where(
        UnitBlock.unit_id == unit_id,
        UnitBlock.starts_on < window.end,
        UnitBlock.ends_on >= window.start,
    )
    return session.exec(select(~exists(overlap) & ~exists(blocked))).one()


def plan(
    session: Session,
    collectible_id: str,
    days: int,
    pickup: date,
    warehouses: list[tuple[str, int]],
    on: date,
) -> Booking | None:
    """The unit that would serve a pickup on `pickup` (None: none is free). Reads only."""
    for warehouse_id, km in warehouses:
        if pickup - timedelta(days=km) < on:
            continue  # cannot reach the store in time
        window = rules.window_for(pickup, days, km, turnaround_days(session))
        unit_id = first_free_unit(session, collectible_id, warehouse_id, window)
        if unit_id is not None:
            return Booking(
                unit_id, warehouse_id, km, pickup, rules.return_date(pickup, days), window
            )
    return None


def _unit_windows(
    session: Session, collectible_id: str, warehouse_id: str, horizon: Window
) -> Result[Any]:
    """(unit id, window start, window end) for every active unit of the collectible in the
    warehouse, by unit id, with each of its live windows touching `horizon` (None, None for a
    unit with none), read in batches so a caller that has seen enough stops early."""
    overlapping = (
        select(col(Rental.unit_id), col(Rental.window_start), col(Rental.window_end))
        .where(
            text(f"rental.{LIVE_RENTAL}"),
            Rental.window_start < horizon.end,
            Rental.window_end > horizon.start,
        )
        .subquery()
    )
    query = (
        select(Unit.id, overlapping.c.window_start, overlapping.c.window_end)
        .outerjoin(overlapping, overlapping.c.unit_id == Unit.id)
        .where(
            Unit.collectible_id == collectible_id,
            Unit.warehouse_id == warehouse_id,
            Unit.active,
        )
        .order_by(Unit.id, overlapping.c.window_start)
        .execution_options(yield_per=256)
    )
    return session.execute(query)


def _unit_blocks(
    session: Session, collectible_id: str, warehouse_id: str, horizon: Window
) -> dict[str, list[tuple[date, date]]]:
    """Maintenance blocks touching `horizon` of the collectible's units in the warehouse, as
    half-open windows [starts_on, ends_on + 1) per unit id (a small table: read at once)."""
    rows = session.exec(
        select(col(UnitBlock.unit_id), col(UnitBlock.starts_on), col(UnitBlock.ends_on))
        .join(Unit, col(Unit.id) == col(UnitBlock.unit_id))
        .where(
            Unit.collectible_id == collectible_id,
            Unit.warehouse_id == warehouse_id,
            UnitBlock.starts_on < horizon.end,
            UnitBlock.ends_on >= horizon.start,
        )
    ).all()
    blocks: dict[str, list[tuple[date, date]]] = {}
    for unit_id, starts_on, ends_on in rows:
        blocks.setdefault(unit_id, []).append((starts_on, ends_on + timedelta(days=1)))
    return blocks


def servable_days(
    session: Session,
    collectible_id: str,
    days: int,
    first: date,
    last: date,
    warehouses: list[tuple[str, int]],
    on: date,
) -> set[date]:
    """The pickup days in [first, last] some unit can serve, whole window free.

    Warehouses are asked nearest first and only about the days still open; within one, units
    are read in id order until every open day it can reach is covered (a unit with no window
    in the span covers them all at once), so a busy inventory costs a few units, not all."""
    turnaround = turnaround_days(session)
    latest = rules.latest_pickup(on, max_ahead_days())
    open_days = {
        first + timedelta(days=i)
        for i in range((last - first).days + 1)
        if on <= first + timedelta(days=i) <= latest
    }
    served: set[date] = set()
    for warehouse_id, km in warehouses:
        reachable = {d for d in open_days if d >= on + timedelta(days=km)}
        if not reachable:
            continue
        lo, hi = min(reachable), max(reachable)
        horizon = Window(lo - timedelta(days=km), hi + timedelta(days=days + km + turnaround))
        current, windows = None, []
        blocks = _unit_blocks(session, collectible_id, warehouse_id, horizon)
        rows = _unit_windows(session, collectible_id, warehouse_id, horizon)
        try:
            for unit_id, start, end in itertools.chain(rows, [(None, None, None)]):
                if unit_id != current and current is not None:
                    windows.extend(blocks.get(current, ()))
                    ranges = rules.pickup_days_for_warehouse(
                        busy_by_unit={current: windows},
                        has_unbooked_unit=not windows,
                        distance_days=km,
                        days=days,
                        turnaround_days=turnaround,
                        first=lo,
                        last=hi,
                    )
                    for a, b in ranges:
                        for offset in range((b - a).days + 1):
                            day = a + timedelta(days=offset)
                            if day in reachable:
                                reachable.discard(day)
                                served.add(day)
                    windows = []
                    if not reachable:
                        break
                current = unit_id
                if start is not None:
                    windows.append((start, end))
        finally:
            rows.close()
        open_days -= served
        if not open_days:
            break
    return served


def calendar(
    session: Session,
    collectible_id: str,
    store_id: str,
    days: int,
    first: date,
    count: int,
    on: date | None = None,
) -> list[Day]:
    """For each day from `first` for `count` days: can a `days`-day rental start then?"""
    on = on or today()
    warehouses = warehouses_for(session, store_id)
    last = first + timedelta(days=count - 1)
    served = servable_days(session, collectible_id, days, first, last, warehouses, on)
    latest = rules.latest_pickup(on, max_ahead_days())
    reach = reachable_from(session, collectible_id, warehouses, on)
    out = []
    for offset in range(count):
        day = first + timedelta(days=offset)
        if day in served:
            out.append(Day(day, True, (day - on).days, None))
            continue
        if day < on:
            reason = rules.PAST
        elif day > latest:
            reason = rules.TOO_FAR
        elif reach is None or day < reach:
            reason = rules.TOO_SOON
        else:
            reason = rules.BOOKED
        out.append(Day(day, False, None, reason))
    return out


_FIRST_IN_WAREHOUSE = text(
    f"""
    WITH units AS (
        SELECT id FROM unit
        WHERE collectible_id = :c AND warehouse_id = :w AND active
    ), busy AS (
        SELECT r.unit_id, r.window_start, r.window_end
        FROM rental r JOIN units u ON u.id = r.unit_id
        WHERE r.{LIVE_RENTAL} AND r.window_end > :floor
        UNION ALL
        SELECT b.unit_id, b.starts_on, b.ends_on + 1
        FROM unitblock b JOIN units u ON u.id = b.unit_id
        WHERE b.ends_on >= :floor
    ), win AS (
        SELECT unit_id, window_start, window_end,
               max(window_end) OVER (
                   PARTITION BY unit_id ORDER BY window_start
                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
               ) AS prev_end
        FROM busy
    ), gaps AS (
        SELECT prev_end AS gs, window_start AS ge FROM win
        UNION ALL
        SELECT max(window_end), NULL FROM win GROUP BY unit_id
        UNION ALL
        SELECT NULL, NULL
        WHERE (SELECT count(*) FROM units) > (SELECT count(DISTINCT unit_id) FROM win)
    ), starts AS (
        SELECT greatest(CAST(:p0 AS date), gs + :before) AS p, ge FROM gaps WHERE gs IS NOT NULL
        UNION ALL
        SELECT CAST(:p0 AS date), ge FROM gaps WHERE gs IS NULL
    )
    SELECT min(p) FROM starts WHERE (ge IS NULL OR p + :after <= ge) AND p <= :latest
    """
)


def _first_in_warehouse(
    session: Session,
    collectible_id: str,
    warehouse_id: str,
    km: int,
    days: int,
    p0: date,
    latest: date,
) -> date | None:
    """PostgreSQL: the first pickup >= p0 (and <= latest) one warehouse can serve, computed
    from the free gaps between its units' live windows in one query (a fully booked
    warehouse costs one pass over its future windows, not a day-by-day search)."""
    first: date | None = session.execute(
        _FIRST_IN_WAREHOUSE,
        {
            "c": collectible_id,
            "w": warehouse_id,
            "floor": p0 - timedelta(days=km),
            "p0": p0,
            "before": km,
            "after": days + km + turnaround_days(session),
            "latest": latest,
        },
    ).scalar()
    return first


def next_servable(
    session: Session,
    collectible_id: str,
    days: int,
    start: date,
    warehouses: list[tuple[str, int]],
    on: date,
    backwards: bool = False,
    limit_days: int | None = None,
    upper: date | None = None,
) -> date | None:
    """The first servable pickup day from `start` on (or back towards today, at most
    `limit_days` back), within the horizon; `upper`, a day known to be servable, bounds
    the forward search (and is the answer when nothing earlier is)."""
    latest = rules.latest_pickup(on, max_ahead_days())
    step = timedelta(days=CALENDAR_CHUNK_DAYS)
    if backwards:
        hi = min(start, latest)
        floor = on if limit_days is None else max(on, start - timedelta(days=limit_days))
        while hi >= floor:
            lo = max(floor, hi - step + timedelta(days=1))
            found = servable_days(session, collectible_id, days, lo, hi, warehouses, on)
            if found:
                return max(found)
            hi = lo - timedelta(days=1)
        return None
    if is_postgres(session):
        best = upper
        for warehouse_id, km in warehouses:
            p0 = max(start, on + timedelta(days=km))
            if best is not None and p0 >= best:
                continue  # farther warehouses cannot beat it
            first = _first_in_warehouse(session, collectible_id, warehouse_id, km, days, p0, latest)
            if first is not None and (best is None or first < best):
                best = first
        return best
    lo = max(start, on)
    last = latest if upper is None else min(latest, upper - timedelta(days=1))
    while lo <= last:
        hi = min(last, lo + step - timedelta(days=1))
        found = servable_days(session, collectible_id, days, lo, hi, warehouses, on)
        if found:
            return min(found)
        lo = hi + timedelta(days=1)
    return upper


def earliest_pickup(
    session: Session,
    collectible_id: str,
    days: int,
    warehouses: list[tuple[str, int]],
    on: date,
) -> date | None:
    """Today + the distance of the nearest warehouse that can serve (None: nothing free
    within the booking horizon). Usually one probe: the nearest warehouse's first day; when
    it is taken, the next warehouse's first day bounds the search, which then only asks the
    nearer warehouses about the days before it."""
    for index, (warehouse_id, km) in enumerate(warehouses[:2]):
        pickup = on + timedelta(days=km)
        window = rules.window_for(pickup, days, km, turnaround_days(session))
        if first_free_unit(session, collectible_id, warehouse_id, window) is not None:
            if index == 0:
                return pickup
            nearer = [w for w in warehouses[:index] if w[1] < km]
            return next_servable(session, collectible_id, days, on, nearer, on, upper=pickup)
    return next_servable(session, collectible_id, days, on, warehouses, on)


def nearest_servable(
    session: Session,
    collectible_id: str,
    days: int,
    wanted: date,
    warehouses: list[tuple[str, int]],
    on: date,
) -> date | None:
    """The servable pickup day closest to `wanted` (later wins a tie)."""
    after = next_servable(session, collectible_id, days, wanted, warehouses, on)
    # Only as far back as `after` is ahead (and at most two months): nothing farther wins.
    reach = (after - wanted).days if after is not None else NEAREST_LOOKBACK_DAYS
    before = next_servable(
        session,
        collectible_id,
        days,
        wanted - timedelta(days=1),
        warehouses,
        on,
        backwards=True,
        limit_days=min(reach, NEAREST_LOOKBACK_DAYS),
    )
    candidates = [d for d in (after, before) if d is not None]
    return min(candidates, key=lambda d: (abs((d - wanted).days), d < wanted), default=None)


def live_rentals_on(session: Session, unit_ids: list[str], on: date) -> dict[str, tuple[str, str]]:
    """{unit id: (rental id, status)} of the live rental whose window contains `on`."""
    if not unit_ids:
        return {}
    rows = session.exec(
        select(Rental.unit_id, Rental.id, Rental.status).where(
            col(Rental.unit_id).in_(unit_ids),
            text(f"rental.{LIVE_RENTAL}"),
            Rental.window_start <= on,
            Rental.window_end > on,
        )
    ).all()
    return {unit_id: (rental_id, state) for unit_id, rental_id, state in rows}


def rentals_over(session: Session, unit_id: str, window: Window) -> list[str]:
    """Order codes of the unit's live rentals whose window overlaps `window`, earliest first."""
    return list(
        session.exec(
            select(Rental.order_code)
            .where(*_live_over(unit_id, window))
            .order_by(col(Rental.window_start))
        ).all()
    )


def booked_units(session: Session, unit_ids: list[str], on: date) -> dict[str, str]:
    """{unit id: rental id} for the units a live rental takes on `on` or later (out now or
    booked ahead): they cannot be retired."""
    if not unit_ids:
        return {}
    rows = session.exec(
        select(Rental.unit_id, Rental.id)
        .where(
            col(Rental.unit_id).in_(unit_ids),
            text(f"rental.{LIVE_RENTAL}"),
            Rental.window_end > on,
        )
        .order_by(col(Rental.window_start))
    ).all()
    found: dict[str, str] = {}
    for unit_id, rental_id in rows:
        found.setdefault(unit_id, rental_id)
    return found


# ---------------------------------------------------------------------------- answers


@dataclass(frozen=True)
class Alternative:
    store_id: str
    store_name: str
    serves_pickup_date: bool
    earliest_pickup_date: date | None


@dataclass(frozen=True)
class DatePlan:
    """What a quote says about dates: the pickup it would use and whether it can be served."""

    pickup_date: date | None
    return_date: date | None
    eta_days: int | None
    available: bool
    earliest_pickup_date: date | None
    latest_pickup_date: date
    nearest_pickup_date: date | None = None  # when the chosen date cannot be served
    alternatives: tuple[Alternative, ...] = ()


def date_plan(
    session: Session,
    collectible_id: str,
    store_id: str,
    days: int,
    pickup: date | None,
    on: date | None = None,
) -> DatePlan:
    """The dates for a quote. Raises InvalidInput for a pickup that is past, before the
    earliest possible date or beyond the horizon (naming the earliest or latest date)."""
    on = on or today()
    latest = rules.latest_pickup(on, max_ahead_days())
    warehouses = warehouses_for(session, store_id)
    if pickup is not None:
        _check_outer_range(session, collectible_id, days, pickup, warehouses, on)
        if plan(session, collectible_id, days, pickup, warehouses, on) is not None:
            return DatePlan(
                pickup, rules.return_date(pickup, days), (pickup - on).days, True, None, latest
            )
    earliest = earliest_pickup(session, collectible_id, days, warehouses, on)
    if pickup is None:
        if earliest is None:
            return DatePlan(None, None, None, False, None, latest)
        return DatePlan(
            earliest,
            rules.return_date(earliest, days),
            (earliest - on).days,
            True,
            earliest,
            latest,
        )
    nearest = nearest_servable(session, collectible_id, days, pickup, warehouses, on)
    return DatePlan(
        pickup,
        rules.return_date(pickup, days),
        None,
        False,
        earliest,
        latest,
        nearest_pickup_date=nearest,
        alternatives=alternatives(session, collectible_id, store_id, days, pickup, nearest, on),
    )


def _check_outer_range(
    session: Session,
    collectible_id: str,
    days: int,
    pickup: date,
    warehouses: list[tuple[str, int]],
    on: date,
) -> None:
    """Refuse, before any search, pickups that are past, beyond the horizon, or sooner than
    any warehouse holding the collectible can reach the store (naming the earliest date)."""
    if pickup > rules.latest_pickup(on, max_ahead_days()):
        rules.check_pickup_in_range(pickup, on, None, max_ahead_days())
    reach = reachable_from(session, collectible_id, warehouses, on)
    if pickup < on or reach is None or pickup < reach:
        earliest = earliest_pickup(session, collectible_id, days, warehouses, on)
        rules.check_pickup_in_range(pickup, on, earliest or reach, max_ahead_days())


def reachable_from(
    session: Session, collectible_id: str, warehouses: list[tuple[str, int]], on: date
) -> date | None:
    """Today + the distance of the nearest warehouse holding an active unit of the
    collectible: no pickup before it can ever be served, booked or not."""
    for warehouse_id, km in warehouses:
        stocked = session.exec(
            select(Unit.id)
            .where(
                Unit.collectible_id == collectible_id,
                Unit.warehouse_id == warehouse_id,
                Unit.active,
            )
            .limit(1)
        ).first()
        if stocked is not None:
            return on + timedelta(days=km)
    return None


def alternatives(
    session: Session,
    collectible_id: str,
    store_id: str,
    days: int,
    pickup: date,
    nearest: date | None,
    on: date,
) -> tuple[Alternative, ...]:
    """Other stores that could serve the chosen date, or an earlier one than `nearest`."""
    found = []
    stores = session.exec(
        select(Store).where(Store.active, Store.id != store_id).order_by(Store.id)
    ).all()
    for store in stores:
        warehouses = warehouses_for(session, store.id)
        serves = plan(session, collectible_id, days, pickup, warehouses, on) is not None
        earliest = earliest_pickup(session, collectible_id, days, warehouses, on)
        sooner = earliest is not None and (nearest is None or earliest < nearest)
        if serves or sooner:
            found.append(Alternative(store.id, store.name, serves, earliest))
    return tuple(found)


# ---------------------------------------------------------------------------- writing


def serialize_bookings(session: Session, collectible_id: str) -> None:
    """SQLite: take the database's write lock now, before anything is read, so bookings run
    one at a time (a no-op update of the collectible's row). PostgreSQL locks per unit."""
    if not is_postgres(session):
        session.execute(
            update(Collectible)
            .where(col(Collectible.id) == collectible_id)
            .values(active=col(Collectible.active))
        )


def lock_unit(session: Session, unit_id: str) -> None:
    """Row-lock the unit (PostgreSQL) so a booking and a change to its days take turns."""
    session.exec(select(Unit.id).where(Unit.id == unit_id).with_for_update()).first()


def _claim(session: Session, unit_id: str, window: Window) -> bool:
    """Lock the unit and check it is still free over the window (PostgreSQL: in a savepoint,
    let go when the unit turns out taken). SQLite is already serialized."""
    if not is_postgres(session):
        return unit_is_free(session, unit_id, window)
    savepoint = session.begin_nested()
    lock_unit(session, unit_id)
    if unit_is_free(session, unit_id, window):
        savepoint.commit()
        return True
    savepoint.rollback()
    return False


def book(
    session: Session,
    *,
    collectible_id: str,
    store_id: str,
    days: int,
    pickup: date | None,
    on: date | None = None,
) -> Booking:
    """Choose and take the unit for a rental (the caller writes the Rental with the
    booking's dates in this same transaction). Without `pickup`, the earliest possible date.

    InvalidInput for a pickup out of range (naming the earliest/latest date); Conflict (409)
    when nothing can serve the chosen date (naming the nearest that can); OutOfStock (409)
    when nothing can serve any date within the horizon."""
    on = on or today()
    serialize_bookings(session, collectible_id)
    warehouses = warehouses_for(session, store_id)
    if pickup is not None:
        _check_outer_range(session, collectible_id, days, pickup, warehouses, on)
    attempts = 0
    while attempts < MAX_BOOK_ATTEMPTS:
        chosen = pickup or earliest_pickup(session, collectible_id, days, warehouses, on)
        if chosen is None:
            raise OutOfStock(
                "Sorry, this collectible is out of stock at this store: every unit is booked "
                f"for the next {max_ahead_days()} days. Try another store or a shorter rental."
            )
        candidate = plan(session, collectible_id, days, chosen, warehouses, on)
        if candidate is None:
            if pickup is None:
                attempts += 1
                continue  # the earliest day was taken meanwhile: look again
            _refuse(session, collectible_id, days, pickup, warehouses, on)
        attempts += 1
        if _claim(session, candidate.unit_id, candidate.window):
            stock_changes.note(session, collectible_id)
            return candidate
    raise Conflict("Too many people are booking this collectible right now; please try again.")


def _refuse(
    session: Session,
    collectible_id: str,
    days: int,
    pickup: date,
    warehouses: list[tuple[str, int]],
    on: date,
) -> NoReturn:
    """409: the date is in range but every unit that could serve it is booked."""
    nearest = nearest_servable(session, collectible_id, days, pickup, warehouses, on)
    hint = (
        f" The nearest date that can be served is {nearest.isoformat()}."
        if nearest
        else f" No unit is free at this store for it in the next {max_ahead_days()} days."
    )
    raise Conflict(
        f"Sorry, no unit is free for a {days}-day rental picked up on {pickup.isoformat()}." + hint
    )


def retake(session: Session, rental: Rental) -> bool:
    """A payment arrived after the rental's hold ended: take its unit's window back if no
    other live rental has it meanwhile (locked as a booking is)."""
    window = Window(rental.window_start, rental.window_end)
    serialize_bookings(session, rental.collectible_id)
    if is_postgres(session):
        lock_unit(session, rental.unit_id)
    if not unit_is_free(session, rental.unit_id, window, except_rental=rental.id):
        return False
    stock_changes.note(session, rental.collectible_id)
    return True


# ---------------------------------------------------------------------------- use cases


@dataclass(frozen=True)
class Availability:
    collectible_id: str
    store_id: str
    days: int
    first: date
    calendar: tuple[Day, ...]
    earliest_pickup_date: date | None
    latest_pickup_date: date


def parse_calendar_days(value: object) -> int:
    """How many days a calendar covers: a whole number in [1, MAX_CALENDAR_DAYS]."""
    if value is None or value == "":
        return rules.MAX_CALENDAR_DAYS // 2
    text_value = value.strip() if isinstance(value, str) else value
    if isinstance(text_value, str) and text_value.isdigit():
        text_value = int(text_value)
    if not isinstance(text_value, int) or isinstance(text_value, bool):
        raise InvalidInput("days must be a whole number of days.", field="days")
    if not 1 <= text_value <= rules.MAX_CALENDAR_DAYS:
        raise InvalidInput(f"days must be between 1 and {rules.MAX_CALENDAR_DAYS}.", field="days")
    return text_value


def read_availability(
    session: Session, collectible_id: str, store_id: str, days: int, first: date, count: int
) -> Availability:
    on = today()
    warehouses = warehouses_for(session, store_id)
    return Availability(
        collectible_id=collectible_id,
        store_id=store_id,
        days=days,
        first=first,
        calendar=tuple(calendar(session, collectible_id, store_id, days, first, count, on)),
        earliest_pickup_date=earliest_pickup(session, collectible_id, days, warehouses, on),
        latest_pickup_date=rules.latest_pickup(on, max_ahead_days()),
    )


async def get_availability(
    collectible_id: str,
    store_id: str,
    duration: object,
    first: object = None,
    count: object = None,
    *,
    uow: UnitOfWork,
) -> Availability:
    """Which days from `first` (default today) for `count` days can start a rental of
    `duration` days at the store. NotFound for unknown ids, InvalidInput for bad values.
    Kept with the catalog snapshot (as quotes are), so a repeated calendar costs no query."""
    days = parse_duration(duration, get_settings().max_duration_days)
    on = today()
    start = rules.parse_pickup_date(first, field="from") or on
    span = parse_calendar_days(count)
    if not on - timedelta(days=366) <= start <= rules.latest_pickup(on, max_ahead_days()):
        raise InvalidInput(
            "from must be within a year back and the booking horizon "
            f"(up to {rules.latest_pickup(on, max_ahead_days()).isoformat()}).",
            field="from",
        )
    snapshot = await catalog_snapshot.current_snapshot(uow.engine)
    snapshot.view(collectible_id, store_id)  # NotFound for unknown ids
    key = (collectible_id, store_id, days, start, span, today())
    memo = snapshot.memo.setdefault("availability", {})
    found: Availability | None = memo.get(key)
    if found is None:
        found = await uow.run(read_availability, collectible_id, store_id, days, start, span)
        if len(memo) >= 1024:
            memo.clear()
        memo[key] = found
    return found
