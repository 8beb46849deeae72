"""Owner-console rules: roles, the password rule, throttling delays, spreadsheet-safe cells."""

import pytest

from mongocollectibles.domain import admin


def test_owner_may_do_everything_staff_only_staff_things():
    assert admin.allows("owner", "owner") and admin.allows("owner", "staff")
    assert admin.allows("staff", "staff") and not admin.allows("staff", "owner")
    assert not admin.allows("", "staff") and not admin.allows("root", "staff")


def test_password_and_username_rules():
    assert admin.password_problem("short") is not None
    assert admin.password_problem("maria-is-the-owner", "maria") is not None
    assert admin.password_problem("a long enough passphrase", "maria") is None
    assert admin.username_problem("maria.c") is None
    for bad in ("", "ab", "Maria", "<script>", "a b c"):
        assert admin.username_problem(bad) is not None


def test_the_delay_starts_after_the_free_tries_and_doubles_up_to_a_cap():
    free = admin.FREE_FAILURES_ACCOUNT
    assert [admin.throttle_delay(n, free) for n in range(free)] == [0] * free
    delays = [admin.throttle_delay(n, free) for n in range(free, free + 5)]
    assert delays == [2, 4, 8, 16, 32]
    assert admin.throttle_delay(100, free) == admin.MAX_DELAY_SECONDS


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+639171234567", "'+639171234567"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=cmd", "'\t=cmd"),
        ("Juan dela Cruz", "Juan dela Cruz"),
        (None, ""),
        (42, "42"),
    ],
)
def test_spreadsheet_safe_cells(value, cell):
    assert admin.spreadsheet_safe(value) == cell
