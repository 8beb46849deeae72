"""The distance matrix checked cell by cell, and a unit's state."""

import re

import pytest

from mongocollectibles.domain.errors import InvalidInput
from mongocollectibles.domain.network import matrix_problems, parse_distance
from mongocollectibles.domain.units import unit_state


@pytest.mark.parametrize(("raw", "km"), [(0, 0), (5, 5), ("12", 12), (" 3 ", 3), (4.0, 4)])
def test_whole_non_negative_km_are_accepted(raw, km):
    assert parse_distance(raw) == km


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (None, "A distance is required"),
        ("", "A distance is required"),
        ("  ", "A distance is required"),
        (-1, "Must not be negative (got -1)."),
        ("-2", "Must not be negative (got -2)."),
        (1.5, "Must be a whole number of km (got 1.5)."),
        ("2.5", "Must be a whole number of km (got '2.5')."),
        ("ten", "Must be a whole number of km (got 'ten')."),
        (True, "Must be a whole number of km (got True)."),
        ([3], "Must be a whole number of km (got [3])."),
    ],
)
def test_anything_else_is_refused_with_a_message_for_the_cell(raw, message):
    with pytest.raises(InvalidInput, match=re.escape(message)):
        parse_distance(raw)


def test_every_problem_of_a_matrix_names_its_cell():
    cells = {("w1", "a"): 1, ("w1", "b"): "x", ("w2", "a"): -1, ("w1", "c"): 2, ("w2", "c"): 0}
    parsed, problems = matrix_problems(["a", "b", "c"], ["w1", "w2"], cells)
    assert parsed == {("w1", "a"): 1, ("w1", "c"): 2, ("w2", "c"): 0}
    assert [(p.where, p.message) for p in problems] == [
        ("distances.w1.b", "Must be a whole number of km (got 'x')."),
        ("distances.w2.a", "Must not be negative (got -1)."),
        ("distances.w2.b", "Missing: warehouse w2 needs a distance to store b."),
    ]


def test_fewer_than_three_active_stores_is_one_problem():
    _, problems = matrix_problems(["a", "b"], [], {})
    assert [str(p) for p in problems] == [
        "stores: At least 3 active stores are required; there are 2."
    ]


@pytest.mark.parametrize(
    ("active", "rental_status", "maintenance", "state"),
    [
        (True, None, False, "free"),
        (True, "pending_payment", False, "held"),
        (True, "paid", True, "rented"),
        (True, "picked_up", False, "rented"),
        (True, None, True, "maintenance"),
        (False, None, True, "retired"),
    ],
)
def test_unit_state(active, rental_status, maintenance, state):
    assert unit_state(active, rental_status, maintenance) == state
