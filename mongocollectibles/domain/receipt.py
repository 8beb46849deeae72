"""What a receipt states about tax: rental prices include 12% Philippine VAT."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from mongocollectibles.domain.pricing import format_php

VAT_RATE_PERCENT = 12


def vat_included_centavos(total_centavos: int) -> int:
    """The VAT inside a VAT-inclusive total: total x 12/112, to the nearest centavo."""
    vat = Decimal(total_centavos) * VAT_RATE_PERCENT / (100 + VAT_RATE_PERCENT)
    return int(vat.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def vat_statement(total_centavos: int) -> str:
    """e.g. "Includes 12% VAT of PHP 107.14"."""
    return (
        f"Includes {VAT_RATE_PERCENT}% VAT of {format_php(vat_included_centavos(total_centavos))}"
    )
