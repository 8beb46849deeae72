"""Money reaches API clients as exact JSON numbers, never through a float."""

import json
from decimal import Decimal

import pytest

from mongocollectibles.api.envelope import ok_body, render


def test_pesos_with_centavos_are_written_digit_for_digit():
    body = ok_body({"total": Decimal("1500.50"), "rate": Decimal("0.10"), "n": 3})
    assert body == b'{"success":true,"data":{"total":1500.50,"rate":0.10,"n":3}}'
    assert json.loads(body, parse_float=Decimal)["data"]["total"] == Decimal("1500.50")


def test_a_large_amount_keeps_every_centavo():
    # 2**53 + 1 centavos: a float would round it.
    amount = Decimal(2**53 + 1) / 100
    body = render({"total": amount})
    assert json.loads(body, parse_float=Decimal)["total"] == amount
    assert body == b'{"total":90071992547409.93}'


def test_text_that_looks_like_money_stays_text():
    body = render({"name": '"1500.50"', "note": "dec1500dec", "amount": Decimal("5")})
    assert json.loads(body) == {"name": '"1500.50"', "note": "dec1500dec", "amount": 5}


def test_not_a_number_is_refused():
    with pytest.raises(ValueError):
        render({"total": Decimal("NaN")})
