"""Owner-console rules that need no database: roles, the password rule, sign-in throttling."""

from __future__ import annotations

import re

OWNER = "owner"
STAFF = "staff"
ROLES = (OWNER, STAFF)
# What each role may do: staff runs the counter (lifecycle steps, holds); the owner also sees
# money, refunds and the audit log.
_RANK = {STAFF: 1, OWNER: 2}

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,59}$")
MIN_PASSWORD_LENGTH = 12

# Sign-in throttling: after FREE_FAILURES failed attempts the next try must wait 2^k seconds
# (k = failures beyond the free ones), up to MAX_DELAY_SECONDS. Counted per account and per
# IP address over WINDOW_SECONDS; an IP gets more free tries (shared office connections).
FREE_FAILURES_ACCOUNT = 3
FREE_FAILURES_IP = 10
MAX_DELAY_SECONDS = 15 * 60
WINDOW_SECONDS = 60 * 60


def allows(role: str, required: str) -> bool:
    """May someone with `role` do what needs `required`?"""
    return _RANK.get(role, 0) >= _RANK[required]


def username_problem(username: str) -> str | None:
    if not USERNAME_RE.match(username):
        return "Username: 3-60 characters, lowercase letters, digits, '.', '_' or '-'."
    return None


def password_problem(password: str, username: str = "") -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password: at least {MIN_PASSWORD_LENGTH} characters."
    if username and username.lower() in password.lower():
        return "Password: must not contain the username."
    return None


def throttle_delay(failures: int, free: int) -> int:
    """Seconds to wait after `failures` recent failed attempts (0: try at once)."""
    if failures < free:
        return 0
    doubled: int = 2 ** (failures - free + 1)  # a positive exponent: always an int
    return min(doubled, MAX_DELAY_SECONDS)


# The shop's calendar (what "today" and "this month" mean on the owner's pages).
SHOP_TIMEZONE = "Asia/Manila"

# Values a spreadsheet would run as a formula when they start with one of these.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> str:
    """A CSV cell that a spreadsheet shows as text: risky leading characters get a quote."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text
