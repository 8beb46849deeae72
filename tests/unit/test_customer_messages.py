"""What a customer reads when a billing field is wrong, and which field the form highlights.

The messages are shown as they are on the checkout form and in the API's error envelope."""

from __future__ import annotations

import pytest

from mongocollectibles.domain.customer import customer_field_errors, parse_customer
from mongocollectibles.domain.errors import InvalidInput

GOOD = {
    "name": "Juan dela Cruz",
    "email": "juan@example.com",
    "phone": "0917 123 4567",
    "address": "12 Mabini Street",
    "city": "Manila",
    "postal_code": "1000",
}
PHONE = "Enter a Philippine phone number, e.g. 0917 123 4567, +63 917 123 4567 or (032) 123 4567."


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Name is required."),
        ("name", "   ", "Name is required."),
        ("name", None, "Name is required."),
        ("name", "J", "Name is too short."),
        ("name", "J" * 201, "Name is too long (at most 200 characters)."),
        ("email", "", "Email is required."),
        ("email", "ab", "Email is too short."),
        ("email", "a" * 243 + "@example.com", "Email is too long (at most 254 characters)."),
        ("email", "juan@example", "Enter a valid email address, e.g. juan@example.com."),
        ("email", "a@b", "Enter a valid email address, e.g. juan@example.com."),  # 3 is enough
        ("phone", "", "Phone number is required."),
        ("phone", "091712", "Phone number is too short."),
        ("phone", "0917 123 4567 0917 12", "Phone number is too long (at most 20 characters)."),
        ("phone", "0917 123", PHONE),
        ("address", "", "Address is required."),
        ("address", "12 M", "Address is too short."),
        ("city", "M", "City is too short."),
        ("city", "M" * 101, "City is too long (at most 100 characters)."),
        ("postal_code", "", "Postal code is required."),
        ("postal_code", "12345678901", "Postal code is too long (at most 10 characters)."),
        ("postal_code", "100", "Postal code must be 4 digits, e.g. 1000."),
        ("postal_code", "1", "Postal code must be 4 digits, e.g. 1000."),
        ("postal_code", "1000a", "Postal code must be 4 digits, e.g. 1000."),
    ],
)
def test_the_customer_reads_what_is_wrong(field, value, message):
    with pytest.raises(InvalidInput) as caught:
        parse_customer({**GOOD, field: value})
    assert (caught.value.field, caught.value.message, str(caught.value)) == (
        field,
        message,
        message,
    )
    assert customer_field_errors({**GOOD, field: value}) == {field: message}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Jo"),  # the shortest name accepted
        ("name", "J" * 200),
        ("email", "a@b.ph"),
        ("email", "a" * 242 + "@example.com"),  # 254 characters
        ("phone", "0917 123 4567 "),
        ("address", "12 Ma"),
        ("city", "Ba"),
        ("city", "M" * 100),
        ("postal_code", "0400"),
    ],
)
def test_values_at_the_limits_are_accepted(field, value):
    assert customer_field_errors({**GOOD, field: value}) == {}
    parse_customer({**GOOD, field: value})


def test_spaces_inside_a_value_are_collapsed_before_the_length_check():
    customer = parse_customer(
        {**GOOD, "name": "  Juan    dela   Cruz  ", "city": " Quezon   City "}
    )
    assert (customer.name, customer.city) == ("Juan dela Cruz", "Quezon City")
    # "J  o" is the two-letter name "J o" (3 characters): long enough.
    assert customer_field_errors({**GOOD, "name": "J    o"}) == {}


@pytest.mark.parametrize("data", ["Juan", None, ["Juan"], 42])
def test_details_that_are_not_an_object(data):
    with pytest.raises(InvalidInput) as caught:
        parse_customer(data)
    assert (caught.value.field, caught.value.message) == (
        "customer",
        "Customer details are required.",
    )
