"""Rules a customer or the owner sees directly: prices, amounts, availability, request ids,
the paid-amount check and the network the owner configures."""

from __future__ import annotations

import pytest

from mongocollectibles.domain.allocation import is_available, nearest_eta
from mongocollectibles.domain.errors import InvalidInput, NetworkInvalid
from mongocollectibles.domain.ids import MAX_ID_LENGTH, required_id
from mongocollectibles.domain.network import network_problems, validate_network
from mongocollectibles.domain.pricing import (
    DEFAULT_RULES,
    format_php,
    parse_duration,
    payment_settles,
    price_rental,
)


@pytest.mark.parametrize(
    ("centavos", "text"),
    [
        (0, "PHP 0.00"),
        (1, "PHP 0.01"),
        (99, "PHP 0.99"),
        (100, "PHP 1.00"),
        (123_456_789, "PHP 1,234,567.89"),
        (-1, "-PHP 0.01"),
        (-150_050, "-PHP 1,500.50"),
    ],
)
def test_amounts_as_the_customer_reads_them(centavos, text):
    assert format_php(centavos) == text


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "Duration is required (a whole number of days)."),
        ("", "Duration is required (a whole number of days)."),
        (True, "Duration must be a whole number of days."),
        (2.5, "Duration must be a whole number of days, not a fraction."),
        ("two", "Duration must be a whole number of days."),
        ("3-", "Duration must be a whole number of days."),
        ("--3", "Duration must be a whole number of days."),  # was a crash (an API 500)
        ("\u00b2", "Duration must be a whole number of days."),  # a digit int() cannot read
        ("-3", "Duration must be at least 1 day."),
        ([3], "Duration must be a whole number of days."),
        (0, "Duration must be at least 1 day."),
        (366, "Duration can be at most 365 days."),
    ],
)
def test_duration_messages(value, message):
    with pytest.raises(InvalidInput) as caught:
        parse_duration(value, 365)
    assert (caught.value.field, caught.value.message) == ("duration", message)


@pytest.mark.parametrize(("value", "days"), [(" 7 ", 7), ("365", 365), (4.0, 4)])
def test_durations_typed_with_spaces_or_as_floats(value, days):
    assert parse_duration(value, 365) == days


def test_an_unknown_size_names_the_size():
    with pytest.raises(InvalidInput) as caught:
        price_rental(DEFAULT_RULES, "XL", 3)
    assert (caught.value.field, caught.value.message) == ("size", "Unknown size 'XL'.")


@pytest.mark.parametrize(
    ("total", "paid", "currency", "settles"),
    [
        (300_000, 300_000, "PHP", True),
        (300_000, 300_000, "php", True),  # PayMongo's case is not ours to judge
        (300_000, 299_999, "PHP", False),  # short by a centavo
        (300_000, 300_001, "PHP", False),  # over: refunded by the owner, not silently kept
        (300_000, None, "PHP", False),  # amount unknown
        (300_000, 300_000, "USD", False),
        (300_000, 300_000, None, False),
        (300_000, 300_000, "", False),
    ],
)
def test_a_payment_settles_a_rental_only_when_it_is_its_total_in_pesos(
    total, paid, currency, settles
):
    assert payment_settles(total, paid, currency) is settles


@pytest.mark.parametrize(
    ("stock", "eta", "for_store", "available"),
    [
        (1, 2, True, True),
        (0, None, True, False),
        (3, None, True, False),  # free units, none of which can reach the store
        (0, 0, True, True),  # a unit at the store's own warehouse (distance 0)
        (1, None, False, True),
        (0, None, False, False),
        (2, None, False, True),
    ],
)
def test_available_means_a_free_unit_that_can_reach_the_store(stock, eta, for_store, available):
    assert is_available(stock, eta, for_store=for_store) is available


def test_eta_is_the_nearest_warehouse_with_a_free_unit():
    km = {"north": 5, "west": 1, "east": 3}
    assert nearest_eta({"north": 2, "west": 0, "east": 1}, km) == 3
    assert nearest_eta({"north": 2, "west": 1, "east": 1}, km) == 1
    assert nearest_eta({"north": 0, "west": 0, "east": 0}, km) is None
    assert nearest_eta({}, km) is None
    # A warehouse with no distance to this store cannot serve it.
    assert nearest_eta({"south": 4, "north": 1}, km) == 5
    assert nearest_eta({"south": 4}, km) is None


def test_request_ids():
    assert required_id({"store_id": "store-a"}, "store_id") == "store-a"
    assert required_id({"store_id": "s" * MAX_ID_LENGTH}, "store_id") == "s" * MAX_ID_LENGTH
    for data, message in [
        ({}, "store_id is required."),
        ({"store_id": None}, "store_id is required."),
        ({"store_id": ""}, "store_id is required."),
        ({"store_id": 7}, "store_id must be a string id."),
        ({"store_id": ["store-a"]}, "store_id must be a string id."),
        ({"store_id": "s" * (MAX_ID_LENGTH + 1)}, "store_id must be a string id."),
    ]:
        with pytest.raises(InvalidInput) as caught:
            required_id(data, "store_id")
        assert (caught.value.field, caught.value.message) == ("store_id", message)
        assert caught.value.status_code == 422


STORES = ["a", "b", "c"]


def test_network_distances_must_be_whole_non_negative_km():
    assert network_problems(STORES, ["w"], {("w", s): 0 for s in STORES}) == []
    bad = {("w", "a"): -1, ("w", "b"): 2.5, ("w", "c"): True}
    rule = "must be a non-negative whole number of km"
    assert network_problems(STORES, ["w"], bad) == [
        f"Distance from warehouse w to store a {rule} (got -1).",
        f"Distance from warehouse w to store b {rule} (got 2.5).",
        f"Distance from warehouse w to store c {rule} (got True).",
    ]


def test_the_owner_reads_every_network_problem_in_one_message():
    with pytest.raises(NetworkInvalid) as caught:
        validate_network(["a", "b"], ["w"], {("w", "a"): 1})
    assert caught.value.message == (
        "At least 3 active stores are required; there are 2. "
        "Warehouse w has no distance to store b."
    )
    assert str(caught.value) == caught.value.message and caught.value.status_code == 422
