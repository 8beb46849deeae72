"""Short order codes customers can read aloud and type: `MC-` and six characters from an
alphabet without look-alikes (no 0/O, 1/I/L, 5/S, 8/B, 2/Z, U/V)."""

from __future__ import annotations

import re
import secrets

PREFIX = "MC-"
ALPHABET = "34679ACDEFGHJKMNPQRTWXY"
LENGTH = 6
_SHAPE = re.compile(rf"^{PREFIX}[{ALPHABET}]{{{LENGTH}}}$")


def new_order_code() -> str:
    return PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize_order_code(value: object) -> str | None:
    """The code as stored, from what a customer typed ("mc 7k3q9p", "7K3Q9P"); None when it
    cannot be one."""
    if not isinstance(value, str):
        return None
    text = re.sub(r"[\s\-_.]", "", value.upper())
    if text.startswith("MC"):
        text = text[2:]
    code = PREFIX + text
    return code if _SHAPE.match(code) else None


def is_order_code(value: str) -> bool:
    return bool(_SHAPE.match(value))
