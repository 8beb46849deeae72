"""The date rules: windows, pickup ranges, and the servable-day computation checked against
a day-by-day brute force (hypothesis)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mongocollectibles.domain.errors import InvalidInput
from mongocollectibles.domain.reservations import (
    Window,
    check_pickup_in_range,
    late_return_collides,
    merge_ranges,
    parse_pickup_date,
    pickup_days_for_warehouse,
    return_date,
    shop_today,
    window_for,
)

D0 = date(2027, 1, 1)


def test_window_covers_shipping_both_ways_and_turnaround():
    w = window_for(date(2027, 1, 10), days=3, distance_days=2, turnaround_days=1)
    assert w == Window(date(2027, 1, 8), date(2027, 1, 16))  # [10-2, 13+2+1)
    assert return_date(date(2027, 1, 10), 3) == date(2027, 1, 13)


def test_windows_are_half_open():
    a = Window(D0, D0 + timedelta(days=5))
    assert not a.overlaps(Window(D0 + timedelta(days=5), D0 + timedelta(days=9)))
    assert a.overlaps(Window(D0 + timedelta(days=4), D0 + timedelta(days=9)))


def test_today_is_a_manila_day():
    # 23:30 UTC on Dec 31 is already Jan 1 in Manila (UTC+8).
    assert shop_today(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == date(2027, 1, 1)
    assert shop_today(datetime(2026, 12, 31, 15, 59, tzinfo=UTC)) == date(2026, 12, 31)


@pytest.mark.parametrize("value", ["2027-02-30", "tomorrow", "2027-1-5", 20270105, True, [1]])
def test_bad_pickup_dates_are_refused(value):
    with pytest.raises(InvalidInput, match="YYYY-MM-DD"):
        parse_pickup_date(value)


def test_absent_pickup_date_means_earliest():
    assert parse_pickup_date(None) is None and parse_pickup_date("") is None
    assert parse_pickup_date("2027-01-05") == date(2027, 1, 5)


def test_range_checks_name_the_earliest_or_latest_date():
    today = date(2027, 1, 1)
    with pytest.raises(InvalidInput, match="in the past.*2027-01-03"):
        check_pickup_in_range(date(2026, 12, 31), today, date(2027, 1, 3), 365)
    with pytest.raises(InvalidInput, match="too soon.*earliest possible pickup date is 2027-01-03"):
        check_pickup_in_range(date(2027, 1, 2), today, date(2027, 1, 3), 365)
    with pytest.raises(InvalidInput, match="latest possible pickup date is 2027-01-31"):
        check_pickup_in_range(date(2027, 2, 1), today, None, 30)
    check_pickup_in_range(date(2027, 1, 3), today, date(2027, 1, 3), 365)


def test_merge_ranges_joins_adjacent_days():
    d = [D0 + timedelta(days=i) for i in range(10)]
    assert merge_ranges([(d[5], d[6]), (d[0], d[2]), (d[3], d[3])]) == [(d[0], d[3]), (d[5], d[6])]


def test_late_return_collides_when_it_cannot_be_back_in_time():
    kw = {"today": D0, "distance_days": 2, "turnaround_days": 1}
    assert late_return_collides(next_window_start=D0 + timedelta(days=2), **kw)
    assert not late_return_collides(next_window_start=D0 + timedelta(days=3), **kw)


windows_strategy = st.lists(
    st.tuples(st.integers(0, 60), st.integers(1, 15)), max_size=5
)  # (start offset, length) per window


@settings(max_examples=300, deadline=None)
@given(
    units=st.lists(windows_strategy, min_size=1, max_size=4),
    distance=st.integers(0, 5),
    days=st.integers(1, 10),
    turnaround=st.integers(0, 2),
    first=st.integers(0, 40),
    span=st.integers(0, 30),
)
def test_servable_days_match_a_day_by_day_check(units, distance, days, turnaround, first, span):
    busy = {}
    for n, windows in enumerate(units):
        # Windows of one unit never overlap (the database guarantees it): drop overlaps.
        kept: list[Window] = []
        for start, length in windows:
            w = Window(D0 + timedelta(days=start), D0 + timedelta(days=start + length))
            if not any(w.overlaps(k) for k in kept):
                kept.append(w)
        busy[f"u{n}"] = [(w.start, w.end) for w in kept]
    lo = D0 + timedelta(days=first)
    hi = lo + timedelta(days=span)
    has_unbooked = any(not w for w in busy.values())
    ranges = pickup_days_for_warehouse(
        busy_by_unit={u: w for u, w in busy.items() if w},
        has_unbooked_unit=has_unbooked,
        distance_days=distance,
        days=days,
        turnaround_days=turnaround,
        first=lo,
        last=hi,
    )
    got = {lo + timedelta(days=i) for i in range(span + 1)}
    got = {d for d in got if any(a <= d <= b for a, b in ranges)}
    expected = set()
    for i in range(span + 1):
        p = lo + timedelta(days=i)
        window = window_for(p, days, distance, turnaround)
        if any(
            not any(window.overlaps(Window(s, e)) for s, e in windows) for windows in busy.values()
        ):
            expected.add(p)
    assert got == expected
