"""Every (from, to) pair of rental statuses, allowed or refused.

The table is written out by hand from the business rules (DOMAIN.md, "Holds and rental
lifecycle"), not derived from ``ALLOWED_TRANSITIONS``: a change to the rules must change this
table too. Rows are "from", columns are "to", in the order of ``ORDER``.
"""

from __future__ import annotations

import pytest

from mongocollectibles.domain import status
from mongocollectibles.domain.status import can_transition

ORDER = [
    "pending_payment",
    "paid",
    "ready_for_pickup",
    "picked_up",
    "returned",
    "cancelled",
    "expired",
    "refunded",
]

# fmt: off
#                      pend  paid  ready pick  ret   canc  exp   refd
TABLE = {
    "pending_payment": [0,    1,    0,    0,    0,    1,    1,    0],  # paid, or freed
    "paid":            [0,    0,    1,    0,    0,    0,    0,    1],  # customer cannot cancel
    "ready_for_pickup": [0,   0,    0,    1,    0,    0,    0,    1],
    "picked_up":       [0,    0,    0,    0,    1,    0,    0,    0],  # out of the shop: no refund
    "returned":        [0,    0,    0,    0,    0,    0,    0,    0],  # final
    "cancelled":       [0,    1,    0,    0,    0,    0,    0,    1],  # a late payment
    "expired":         [0,    1,    0,    0,    0,    0,    0,    1],  # a late payment
    "refunded":        [0,    0,    0,    0,    0,    0,    0,    0],  # final
}
# fmt: on

PAIRS = [
    pytest.param(src, dst, bool(allowed), id=f"{src}->{dst}")
    for src, row in TABLE.items()
    for dst, allowed in zip(ORDER, row, strict=True)
]


def test_the_table_covers_every_status() -> None:
    assert len(PAIRS) == 64
    assert set(ORDER) == set(TABLE) == set(status.STATUS_LABELS) == set(status.ALLOWED_TRANSITIONS)


@pytest.mark.parametrize(("src", "dst", "allowed"), PAIRS)
def test_transition(src: str, dst: str, allowed: bool) -> None:
    assert can_transition(src, dst) is allowed


@pytest.mark.parametrize("unknown", ["", "PAID", "shipped", "lost"])
def test_unknown_statuses_go_nowhere(unknown: str) -> None:
    assert not any(can_transition(unknown, dst) for dst in ORDER)
    assert not any(can_transition(src, unknown) for src in ORDER)


def test_live_statuses_are_the_ones_that_hold_a_unit() -> None:
    assert {"pending_payment", "paid", "ready_for_pickup", "picked_up"} == status.LIVE_STATUSES
