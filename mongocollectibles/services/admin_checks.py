"""Small input checks shared by the owner's use cases and the catalog import."""

from __future__ import annotations

import re

from mongocollectibles.domain.problems import Problem

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")
ID_RULE = "1-40 characters: lowercase letters, digits, '-', '_' or '.'"


def id_problem(value: object, where: str) -> Problem | None:
    if not isinstance(value, str) or not ID_PATTERN.match(value):
        return Problem(where, f"An id must be {ID_RULE} (got {value!r}).")
    return None


def text_problem(
    value: object, where: str, max_length: int, *, required: bool = True
) -> Problem | None:
    if not isinstance(value, str):
        return Problem(where, f"Must be text (got {value!r}).")
    if required and not value.strip():
        return Problem(where, "Required.")
    if len(value) > max_length:
        return Problem(where, f"At most {max_length} characters (got {len(value)}).")
    return None


def whole_number(value: object) -> int | None:
    """An int from an int or a string of digits (a form field); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None
