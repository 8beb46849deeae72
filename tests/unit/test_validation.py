import pytest

from mongocollectibles.domain.customer import (
    customer_field_errors,
    normalise_phone,
    parse_customer,
)
from mongocollectibles.domain.errors import InvalidInput, NetworkInvalid
from mongocollectibles.domain.network import network_problems, validate_network
from mongocollectibles.payments.methods import UnknownPaymentMethod, parse_payment_method

GOOD = {
    "name": "Juan dela Cruz",
    "email": "Juan@Example.com",
    "phone": "0917 123 4567",
    "address": "12 Mabini Street",
    "city": "Manila",
    "postal_code": "1000",
}


def test_good_customer_is_normalised():
    customer = parse_customer(GOOD)
    assert customer.email == "juan@example.com"
    assert customer.phone == "+639171234567"


@pytest.mark.parametrize(
    "raw", ["09171234567", "+639171234567", "639171234567", "0917-123-4567", "(02) 8123 4567"]
)
def test_philippine_phones(raw):
    assert normalise_phone(raw).startswith("+63")


@pytest.mark.parametrize("raw", ["12345", "+1 415 555 0100", "0817123456", "09171234567890"])
def test_non_philippine_phones_are_refused(raw):
    with pytest.raises(InvalidInput):
        normalise_phone(raw)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("name", "J"),
        ("email", "not-an-email"),
        ("phone", "555"),
        ("address", "x"),
        ("city", ""),
        ("postal_code", "12345"),
        ("postal_code", "abcd"),
    ],
)
def test_bad_field_is_named(field, value):
    with pytest.raises(InvalidInput) as caught:
        parse_customer({**GOOD, field: value})
    assert caught.value.field == field


def test_all_field_errors_at_once():
    errors = customer_field_errors({"name": "Juan dela Cruz", "email": "x"})
    assert set(errors) == {"email", "phone", "address", "city", "postal_code"}
    assert customer_field_errors(GOOD) == {}


def test_customer_must_be_an_object():
    with pytest.raises(InvalidInput):
        parse_customer("Juan")


@pytest.mark.parametrize(
    "method", ["card", "gcash", "paymaya", "grab_pay", "qrph", "dob", "dob_ubp"]
)
def test_payment_methods(method):
    assert parse_payment_method(method) == method


@pytest.mark.parametrize("method", ["cash", "", None, ["card"]])
def test_unknown_payment_method(method):
    with pytest.raises(UnknownPaymentMethod) as raised:
        parse_payment_method(method)
    assert raised.value.message == (
        "Choose a payment method: one of card, gcash, paymaya, grab_pay, qrph, dob, dob_ubp."
    )


STORES = ["store-a", "store-b", "store-c"]
FULL = {(w, s): 1 for w in ["w1", "w2"] for s in STORES}


def test_network_ok():
    assert network_problems(STORES, ["w1", "w2"], FULL) == []
    assert validate_network(STORES, ["w1", "w2"], FULL) is None  # does not raise


def test_network_needs_three_active_stores():
    problems = network_problems(STORES[:2], ["w1"], FULL)
    assert any("At least 3 active stores" in p for p in problems)


def test_network_missing_and_negative_distances():
    distances = dict(FULL)
    del distances[("w1", "store-b")]
    distances[("w2", "store-c")] = -4
    with pytest.raises(NetworkInvalid) as caught:
        validate_network(STORES, ["w1", "w2"], distances)
    assert "w1 has no distance to store store-b" in caught.value.message
    assert "non-negative" in caught.value.message


@pytest.mark.parametrize(
    "raw",
    ["<script>@x.com", "juan@example..com", ".juan@example.com", "juan.@example.com", "a b@c.ph"],
)
def test_emails_a_maintained_validator_refuses(raw):
    with pytest.raises(InvalidInput) as caught:
        parse_customer({**GOOD, "email": raw})
    assert caught.value.field == "email"


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("(032) 123 4567", "+63321234567"),  # Cebu
        ("032 123 4567", "+63321234567"),
        ("(082) 221 1234", "+63822211234"),  # Davao
        ("(02) 8123 4567", "+63281234567"),  # Manila
        ("0917 123 4567", "+639171234567"),
        ("+63 917 123 4567", "+639171234567"),
        ("639171234567", "+639171234567"),
        ("0917.123.4567", "+639171234567"),
    ],
)
def test_philippine_numbers_are_stored_in_e164(raw, e164):
    assert normalise_phone(raw) == e164
    assert parse_customer({**GOOD, "phone": raw}).phone == e164
