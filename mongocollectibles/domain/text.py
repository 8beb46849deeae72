"""Characters no request field may carry: control characters (NUL, ESC, DEL, ...), invisible
formatting characters (text-direction overrides and isolates, zero-width spaces, BOM) and
lone surrogates. They break storage (PostgreSQL refuses NUL), logs and what people see."""

from __future__ import annotations

import unicodedata

from mongocollectibles.domain.errors import InvalidInput

# Whitespace that free text may contain (it is folded into single spaces).
_TEXT_WHITESPACE = frozenset("\t\n\r")
# Joiners that some scripts and emoji sequences need.
_JOINERS = frozenset("\u200c\u200d")


class BadCharacters(InvalidInput):
    """A field holds a character it must not: answered 400 naming the field."""

    status_code = 400

    def __init__(self, field: str) -> None:
        super().__init__(
            f"{field} contains a control or invisible formatting character (such as NUL or a "
            "text-direction override); remove it and try again.",
            field=field,
        )


def bad_character(value: str, *, free_text: bool = False) -> str | None:
    """The first character `value` must not contain, or None."""
    for char in value:
        category = unicodedata.category(char)
        if category == "Cc" and not (free_text and char in _TEXT_WHITESPACE):
            return char
        if category == "Cs" or (category == "Cf" and char not in _JOINERS):
            return char
    return None


def check_characters(value: object, field: str, *, free_text: bool = False) -> None:
    """Raise BadCharacters naming `field` when the string `value` holds a forbidden character
    (non-strings are left to the field's own rule)."""
    if isinstance(value, str) and bad_character(value, free_text=free_text) is not None:
        raise BadCharacters(field)
