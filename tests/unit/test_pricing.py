from decimal import Decimal

import pytest

from mongocollectibles.domain.errors import InvalidInput
from mongocollectibles.domain.pricing import (
    DEFAULT_RULES,
    PricingRules,
    format_php,
    parse_duration,
    pesos,
    price_rental,
)


@pytest.mark.parametrize(
    ("size", "days", "daily", "total", "special"),
    [
        ("S", 1, 2_000, 2_000, True),
        ("S", 6, 2_000, 12_000, True),
        ("S", 7, 1_000, 7_000, False),
        ("S", 30, 1_000, 30_000, False),
        ("M", 1, 10_000, 10_000, True),
        ("M", 6, 10_000, 60_000, True),
        ("M", 7, 5_000, 35_000, False),
        ("M", 30, 5_000, 150_000, False),
        ("L", 1, 20_000, 20_000, True),
        ("L", 6, 20_000, 120_000, True),
        ("L", 7, 10_000, 70_000, False),
        ("L", 30, 10_000, 300_000, False),
    ],
)
def test_pricing_table_in_pesos(size, days, daily, total, special):
    price = price_rental(DEFAULT_RULES, size, days)
    assert price.daily_rate_centavos == daily * 100
    assert price.total_centavos == total * 100
    assert price.is_special_rate is special


def test_domain_examples():
    assert price_rental(DEFAULT_RULES, "S", 7).total_centavos == 7_000_00
    assert price_rental(DEFAULT_RULES, "M", 3).total_centavos == 30_000_00
    assert price_rental(DEFAULT_RULES, "L", 14).total_centavos == 140_000_00


def test_special_rate_boundary_follows_the_owner_threshold():
    rules = PricingRules({"S": 100_000, "M": 500_000, "L": 1_000_000}, 10, 150)
    assert price_rental(rules, "S", 9).is_special_rate
    assert price_rental(rules, "S", 9).daily_rate_centavos == 150_000
    assert not price_rental(rules, "S", 10).is_special_rate


def test_multiplier_rounds_to_the_centavo_half_up():
    rules = PricingRules({"S": 100_001, "M": 1, "L": 1}, 7, 150)  # 1000.01 x 1.5 = 1500.015
    price = price_rental(rules, "S", 2)
    assert price.daily_rate_centavos == 150_002
    assert price.total_centavos == 300_004
    # 1000.03 x 1.5 = 1500.045: half-up gives .05 (half-even would give .04, a centavo less).
    rules = PricingRules({"S": 100_003, "M": 1, "L": 1}, 7, 150)
    assert price_rental(rules, "S", 2).daily_rate_centavos == 150_005
    assert price_rental(rules, "S", 2).total_centavos == 300_010


def test_unknown_size_is_refused():
    with pytest.raises(InvalidInput):
        price_rental(DEFAULT_RULES, "XL", 3)


@pytest.mark.parametrize("value", [1, 7, 365, "12", 3.0])
def test_valid_durations(value):
    assert parse_duration(value, 365) == int(value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "at least 1"),
        (-5, "at least 1"),
        (1.5, "not a fraction"),
        ("x", "whole number"),
        (10**9, "at most 365"),
        (None, "required"),
        ("", "required"),
        (True, "whole number"),
        ([3], "whole number"),
        ("1e3", "whole number"),
    ],
)
def test_bad_durations_have_clear_messages(value, message):
    with pytest.raises(InvalidInput) as caught:
        parse_duration(value, 365)
    assert message in caught.value.message
    assert caught.value.field == "duration"


def test_money_formatting():
    assert format_php(3_000_000) == "PHP 30,000.00"
    assert format_php(150_050) == "PHP 1,500.50"
    assert pesos(3_000_000) == 30_000 and isinstance(pesos(3_000_000), int)
    assert pesos(150_050) == Decimal("1500.5")


def test_one_name_for_the_short_rental_rate_and_the_cheaper_threshold():
    from mongocollectibles.domain.price_text import short_rate_name, threshold_saving
    from mongocollectibles.domain.receipt import vat_included_centavos, vat_statement

    assert short_rate_name(7, 200) == "short-rental rate, x2 under 7 days"
    assert short_rate_name(5, 150) == "short-rental rate, x1.5 under 5 days"
    # L: 6 days x PHP 20,000 = PHP 120,000; 7 days x PHP 10,000 = PHP 70,000.
    assert threshold_saving(6, 12_000_000, 1_000_000, 7) == (
        "7 days cost less than 6 days: PHP 70,000.00 instead of PHP 120,000.00."
    )
    assert threshold_saving(3, 600_000, 100_000, 7) == ""  # 3 days x 2,000 < 7 x 1,000
    assert threshold_saving(7, 700_000, 100_000, 7) == ""
    assert vat_included_centavos(11_200) == 1_200
    assert vat_statement(3_000_000) == "Includes 12% VAT of PHP 3,214.29"


def test_a_refund_gives_back_what_was_stated_else_the_whole_payment():
    from mongocollectibles.domain.receipt import refund_given_back_centavos

    # The owner kept a PHP 500 cancellation fee of a PHP 3,000 payment.
    assert refund_given_back_centavos(250_000, 300_000) == 250_000
    # Nobody stated an amount (a refund recorded before amounts were kept): all of it.
    assert refund_given_back_centavos(None, 300_000) == 300_000
    assert refund_given_back_centavos(0, 300_000) == 300_000


def test_a_shop_without_prices_of_its_own_charges_the_default_rules():
    from mongocollectibles.domain.pricing import DEFAULT_RULES
    from mongocollectibles.models import PricingSettings
    from mongocollectibles.services.pricing import rules_of

    assert rules_of(PricingSettings(id=1)) == DEFAULT_RULES
    assert DEFAULT_RULES.daily_rates_centavos == {"S": 100_000, "M": 500_000, "L": 1_000_000}
