"""What a receipt states: the tax (rental prices include 12% Philippine VAT) and what a
refund gave back."""

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


def refund_given_back_centavos(stated_centavos: int | None, total_centavos: int) -> int:
    """What a refund gave back: the amount stated (by the owner, who may keep a cancellation
    fee, or by PayMongo's refund event); a refund whose amount no one stated is the whole
    payment."""
    return stated_centavos or total_centavos
