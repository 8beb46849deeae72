"""Reservations by date: pickup and return dates, the window a unit is taken for, and which
pickup days a warehouse can serve.

- A rental runs from its pickup date (a day in Asia/Manila) to its return date = pickup + N.
- A unit in a warehouse d days from the store is taken for the window
  [pickup - d, return + d + turnaround): shipping out, the rental, shipping back, a buffer.
- A window never starts before today: the earliest pickup through a warehouse is today + d.
- Pickups further ahead than the booking horizon (today + max_ahead_days) are refused.

Windows are half-open ranges of days [start, end): two windows overlap when each starts
before the other ends.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from mongocollectibles.domain.errors import InvalidInput

SHOP_TIMEZONE = ZoneInfo("Asia/Manila")
DEFAULT_TURNAROUND_DAYS = 1
DEFAULT_MAX_AHEAD_DAYS = 365
MAX_CALENDAR_DAYS = 180

# Why a day cannot start a rental (the calendar's reasons).
PAST = "past"
TOO_SOON = "too_soon"
TOO_FAR = "too_far"
BOOKED = "booked"
REASON_TEXT = {
    PAST: "This day has passed.",
    TOO_SOON: "Too soon: the collectible cannot reach the store by then.",
    TOO_FAR: "Too far ahead: bookings open {max_ahead} days in advance.",
    BOOKED: "Fully booked: no unit is free for the whole rental.",
}


def shop_today(now: datetime | None = None) -> date:
    """Today's date in the shop's time zone (Asia/Manila)."""
    now = now or datetime.now(UTC)
    return now.astimezone(SHOP_TIMEZONE).date()


def shop_date(moment: datetime) -> date:
    """The Manila day a moment falls on (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(SHOP_TIMEZONE).date()


@dataclass(frozen=True)
class Window:
    start: date  # first day the unit is taken
    end: date  # first day it is free again (exclusive)

    def overlaps(self, other: Window) -> bool:
        return self.start < other.end and other.start < self.end


def return_date(pickup: date, days: int) -> date:
    return pickup + timedelta(days=days)


def window_for(pickup: date, days: int, distance_days: int, turnaround_days: int) -> Window:
    """[pickup - d, return + d + turnaround)."""
    return Window(
        start=pickup - timedelta(days=distance_days),
        end=return_date(pickup, days) + timedelta(days=distance_days + turnaround_days),
    )


def parse_pickup_date(value: object, field: str = "pickup_date") -> date | None:
    """An ISO date (YYYY-MM-DD); None when absent (the earliest possible date is used)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) != 10:
        raise InvalidInput(f"{field} must be a date like 2026-12-24 (YYYY-MM-DD).", field=field)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"{field} must be a date like 2026-12-24 (YYYY-MM-DD).", field=field
        ) from None


def latest_pickup(today: date, max_ahead_days: int) -> date:
    return today + timedelta(days=max_ahead_days)


def check_pickup_in_range(
    pickup: date, today: date, earliest: date | None, max_ahead_days: int
) -> None:
    """Refuse past pickups, pickups before the earliest possible one and pickups beyond the
    booking horizon, naming the earliest (or latest) possible date."""
    latest = latest_pickup(today, max_ahead_days)
    if pickup > latest:
        raise InvalidInput(
            f"Pickup date {pickup.isoformat()} is too far ahead; the latest possible pickup "
            f"date is {latest.isoformat()}.",
            field="pickup_date",
        )
    if pickup < today:
        hint = f" The earliest possible pickup date is {earliest.isoformat()}." if earliest else ""
        raise InvalidInput(f"Pickup date {pickup.isoformat()} is in the past.{hint}", "pickup_date")
    if earliest is not None and pickup < earliest:
        raise InvalidInput(
            f"Pickup date {pickup.isoformat()} is too soon; the earliest possible pickup date "
            f"is {earliest.isoformat()}.",
            field="pickup_date",
        )


def pickup_days_for_warehouse(
    *,
    busy_by_unit: Mapping[str, Sequence[tuple[date, date]]],
    has_unbooked_unit: bool,
    distance_days: int,
    days: int,
    turnaround_days: int,
    first: date,
    last: date,
) -> list[tuple[date, date]]:
    """The pickup days in [first, last] (inclusive) that one warehouse can serve, as sorted,
    merged inclusive ranges [(from, to), ...].

    `busy_by_unit`: each unit's live windows (start, end) that touch the horizon of the
    range; `has_unbooked_unit`: a unit of the warehouse has no live window in that horizon.
    A pickup p is servable when some unit is free over window_for(p) entirely; the caller
    has already clipped `first` to today + distance and `last` to the booking horizon.
    """
    if first > last:
        return []
    if has_unbooked_unit:
        return [(first, last)]
    before = timedelta(days=distance_days)
    after = timedelta(days=days + distance_days + turnaround_days)
    ranges: list[tuple[date, date]] = []
    for windows in busy_by_unit.values():
        gap_start = date.min
        for start, end in sorted(windows):
            _add_gap(ranges, gap_start, start, before, after, first, last)
            gap_start = max(gap_start, end)
        _add_gap(ranges, gap_start, date.max, before, after, first, last)
    return merge_ranges(ranges)


def _add_gap(
    ranges: list[tuple[date, date]],
    gap_start: date,
    gap_end: date,
    before: timedelta,
    after: timedelta,
    first: date,
    last: date,
) -> None:
    """Pickups p with window [p - before, p + after) inside the free gap [gap_start, gap_end)."""
    lo = first if gap_start == date.min else max(first, gap_start + before)
    hi = last if gap_end == date.max else min(last, gap_end - after)
    if lo <= hi:
        ranges.append((lo, hi))


def merge_ranges(ranges: Iterable[tuple[date, date]]) -> list[tuple[date, date]]:
    merged: list[tuple[date, date]] = []
    for lo, hi in sorted(ranges):
        if merged and lo <= merged[-1][1] + timedelta(days=1):
            if hi > merged[-1][1]:
                merged[-1] = (merged[-1][0], hi)
        else:
            merged.append((lo, hi))
    return merged


def in_ranges(day: date, ranges: Sequence[tuple[date, date]]) -> bool:
    return any(lo <= day <= hi for lo, hi in ranges)


def late_return_collides(
    *, today: date, distance_days: int, turnaround_days: int, next_window_start: date
) -> bool:
    """An overdue unit still out with its renter collides with the next reservation when,
    even returned today, it cannot be shipped back and turned around before that window."""
    return today + timedelta(days=distance_days + turnaround_days) > next_window_start
