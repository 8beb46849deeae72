"""Ids in requests (collectible, store): the one rule for them."""

from __future__ import annotations

from collections.abc import Mapping

from mongocollectibles.domain.errors import InvalidInput
from mongocollectibles.domain.text import check_characters

MAX_ID_LENGTH = 100


def required_id(data: Mapping[str, object], key: str) -> str:
    """`data[key]` as an id: a non-empty string of at most MAX_ID_LENGTH characters."""
    value = data.get(key)
    if value is None or value == "":
        raise InvalidInput(f"{key} is required.", field=key)
    if not isinstance(value, str) or len(value) > MAX_ID_LENGTH:
        raise InvalidInput(f"{key} must be a string id.", field=key)
    check_characters(value, key)
    return value
