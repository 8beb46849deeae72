"""Owner console services on SQLite and PostgreSQL: accounts, sign-in throttling, sessions,
rentals search/actions/refunds/CSV, Today's figures, the audit log, the create-admin command."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from argon2 import PasswordHasher
from sqlmodel import select

from mongocollectibles.domain.errors import Conflict, InvalidInput
from mongocollectibles.models import AdminAccount, AdminSession, Rental, utcnow
from mongocollectibles.services import (
    admin_accounts,
    admin_sessions,
    audit,
    catalog,
    owner_dashboard,
    owner_rentals,
)
from mongocollectibles.services.admin_sessions import SignInRefused
from mongocollectibles.services.owner_rentals import RentalFilters
from tests.support.fakes import FakeGateway
from tests.support.owner import (
    OWNER_PASSWORD,
    STAFF_PASSWORD,
    owner_and_staff,
    paid_rental,
    session_of,
)

ROOT = Path(__file__).resolve().parents[2]


# -- accounts ------------------------------------------------------------------------------


async def test_accounts_keep_an_argon2id_hash_and_refuse_weak_or_duplicate(uow):
    await admin_accounts.create_account("Owner", OWNER_PASSWORD, "owner", uow=uow)
    with uow() as session:
        account = session.exec(select(AdminAccount)).one()
    assert account.username == "owner"  # names are case-insensitive
    assert account.password_hash.startswith("$argon2id$")
    assert OWNER_PASSWORD not in account.password_hash
    with pytest.raises(Conflict):
        await admin_accounts.create_account("owner", "another long password", uow=uow)
    with pytest.raises(InvalidInput, match="at least 12"):
        await admin_accounts.create_account("clerk", "short", "staff", uow=uow)
    with pytest.raises(InvalidInput, match="Role"):
        await admin_accounts.create_account("clerk", "a long enough password", "root", uow=uow)
    with pytest.raises(InvalidInput, match="Username"):
        await admin_accounts.create_account("<b>x</b>", "a long enough password", uow=uow)


async def test_disabling_an_account_ends_its_sessions_and_blocks_sign_in(uow):
    await owner_and_staff(uow)
    token, _ = await session_of(uow, "staff")
    with pytest.raises(Conflict, match="your own"):
        await admin_accounts.set_active("owner", False, actor="owner", uow=uow)
    assert await admin_accounts.set_active("staff", False, actor="owner", ip="1.1.1.1", uow=uow)
    assert not await admin_accounts.set_active("staff", False, actor="owner", uow=uow)
    assert await admin_sessions.validate(token, uow=uow) is None
    with pytest.raises(SignInRefused, match="Wrong username or password"):
        await session_of(uow, "staff")
    rows = {row.username: row for row in await admin_accounts.list_accounts(uow=uow)}
    assert not rows["staff"].active and rows["owner"].active
    assert rows["staff"].last_sign_in is not None
    assert await admin_accounts.set_active("staff", True, actor="owner", uow=uow)
    assert await session_of(uow, "staff")
    log = await audit.list_events(action="account_disabled", uow=uow)
    assert [(r.actor, r.target, r.ip) for r in log.rows] == [("owner", "staff", "1.1.1.1")]


def test_create_admin_command_reads_the_password_from_stdin(db_url):
    env = {**os.environ, "DATABASE_URL": db_url}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "mongocollectibles.manage",
            "create-admin",
            "--username",
            "maria",
            "--role",
            "staff",
            "--password-stdin",
        ],
        input="a counter passphrase\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert "Created staff account 'maria'" in run.stdout
    again = subprocess.run(
        [
            sys.executable,
            "-m",
            "mongocollectibles.manage",
            "create-admin",
            "--username",
            "bob",
            "--password-stdin",
        ],
        input="short\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert again.returncode == 1 and "at least 12" in again.stderr


# -- sign-in and sessions ------------------------------------------------------------------


async def test_sign_in_makes_a_session_that_rotates_and_signs_out(uow):
    await owner_and_staff(uow)
    token, principal = await session_of(uow, "owner")
    assert principal.role == "owner" and principal.username == "owner"
    assert (await admin_sessions.validate(token, uow=uow)).username == "owner"
    with uow() as session:  # only the hash is stored
        assert session.get(AdminSession, token) is None
        assert session.get(AdminSession, admin_sessions.token_hash(token)) is not None
    # Signing in again from the same browser ends the old token (rotation).
    newer, _ = await admin_sessions.sign_in("owner", OWNER_PASSWORD, previous_token=token, uow=uow)
    assert newer != token
    assert await admin_sessions.validate(token, uow=uow) is None
    assert await admin_sessions.validate(newer, uow=uow) is not None
    assert await admin_sessions.sign_out(newer, uow=uow)
    assert not await admin_sessions.sign_out(newer, uow=uow)  # idempotent
    assert await admin_sessions.validate(newer, uow=uow) is None
    assert await admin_sessions.validate("made-up", uow=uow) is None
    assert await admin_sessions.validate("", uow=uow) is None


async def test_an_account_disabled_while_its_password_is_checked_does_not_sign_in(uow, monkeypatch):
    """The password check runs outside any transaction (argon2 is slow): an owner who
    disables the account meanwhile wins, and the attempt is logged as failed."""
    await owner_and_staff(uow)
    check = admin_accounts.check_password

    def disabled_during_the_check(account, password):
        right = check(account, password)
        with uow() as session:
            admin_accounts.find(session, "staff").active = False
        return right

    monkeypatch.setattr(admin_accounts, "check_password", disabled_during_the_check)
    with pytest.raises(SignInRefused, match="Wrong username or password"):
        await admin_sessions.sign_in("staff", STAFF_PASSWORD, ip="10.3.0.1", uow=uow)
    with uow() as session:
        assert session.exec(select(AdminSession)).all() == []
    log = await audit.list_events(action="sign_in_failures", uow=uow)
    assert [(r.action, r.actor, r.ip) for r in log.rows] == [
        ("sign_in_failed", "staff", "10.3.0.1")
    ]


async def test_a_hash_with_older_parameters_is_upgraded_at_the_next_sign_in(uow):
    """Hashes made before argon2's parameters were raised get the new ones at sign-in (the
    password is only known then); a wrong password changes nothing."""
    await owner_and_staff(uow)
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(OWNER_PASSWORD)

    def stored() -> AdminAccount:
        with uow() as session:
            return admin_accounts.find(session, "owner")

    with uow() as session:
        account = admin_accounts.find(session, "owner")
        account.password_hash = weak
        session.add(account)
    assert admin_accounts.needs_rehash(stored())
    with pytest.raises(SignInRefused, match="Wrong username or password"):
        await admin_sessions.sign_in("owner", "not the passphrase", uow=uow)
    assert stored().password_hash == weak

    token, principal = await session_of(uow, "owner")
    assert principal.role == "owner"
    assert await admin_sessions.validate(token, uow=uow) is not None
    upgraded = stored().password_hash
    assert upgraded != weak and upgraded.startswith("$argon2id$")
    assert not admin_accounts.needs_rehash(stored())
    # The password still works, and a current hash is left as it is.
    assert await session_of(uow, "owner")
    assert stored().password_hash == upgraded


async def test_sessions_expire_when_idle_and_after_an_absolute_limit(uow):
    await owner_and_staff(uow)
    start = utcnow()
    token, _ = await session_of(uow, "owner", now=start)
    idle = timedelta(minutes=admin_sessions.IDLE_MINUTES)
    assert await admin_sessions.validate(token, uow=uow, now=start + idle - timedelta(minutes=1))
    assert await admin_sessions.validate(token, uow=uow, now=start + 2 * idle) is None
    # A page refreshing itself (touch=False) does not keep an unattended session alive.
    token, _ = await session_of(uow, "owner", now=start)
    for minutes in range(5, admin_sessions.IDLE_MINUTES, 5):
        moment = start + timedelta(minutes=minutes)
        assert await admin_sessions.validate(token, touch=False, uow=uow, now=moment)
    assert await admin_sessions.validate(token, touch=False, uow=uow, now=start + idle) is None
    # Kept busy, a session still ends ABSOLUTE_HOURS after sign-in.
    token, _ = await session_of(uow, "owner", now=start)
    moment = start
    limit = start + timedelta(hours=admin_sessions.ABSOLUTE_HOURS)
    while moment + timedelta(minutes=20) < limit:
        moment += timedelta(minutes=20)
        assert await admin_sessions.validate(token, uow=uow, now=moment), moment - start
    assert await admin_sessions.validate(token, uow=uow, now=limit) is None


async def test_wrong_passwords_are_throttled_per_account_with_a_growing_delay(uow):
    await owner_and_staff(uow)
    now = utcnow()
    for attempt in range(3):
        with pytest.raises(SignInRefused, match="Wrong username or password"):
            await admin_sessions.sign_in(
                "owner", f"guess {attempt}", ip=f"10.1.0.{attempt}", uow=uow, now=now
            )
    # Now even the right password waits (so guessing cannot go on at full speed) ...
    with pytest.raises(SignInRefused, match="Too many failed sign-ins") as refused:
        await admin_sessions.sign_in("owner", OWNER_PASSWORD, ip="10.2.0.1", uow=uow, now=now)
    first_wait = refused.value.retry_after
    assert first_wait >= 1
    # ... and each further failure doubles the wait.
    later = now + timedelta(seconds=first_wait)
    with pytest.raises(SignInRefused, match="Wrong"):
        await admin_sessions.sign_in("owner", "guess 4", ip="10.2.0.2", uow=uow, now=later)
    with pytest.raises(SignInRefused, match="Too many") as refused:
        await admin_sessions.sign_in("owner", OWNER_PASSWORD, ip="10.2.0.3", uow=uow, now=later)
    assert refused.value.retry_after >= 2 * first_wait
    # Another account is not held up by this one's failures.
    assert await session_of(uow, "staff", now=later, ip="10.3.0.1")
    # After the wait, the right password works and resets the count.
    after = later + timedelta(seconds=refused.value.retry_after)
    assert await admin_sessions.sign_in("owner", OWNER_PASSWORD, ip="10.2.0.4", uow=uow, now=after)
    # The owner sees every failed and throttled attempt.
    failures = await audit.list_events(action="sign_in_failures", uow=uow)
    assert failures.total == 6
    assert {row.action for row in failures.rows} == {"sign_in_failed", "sign_in_throttled"}
    _, owner = await session_of(uow, "owner", now=after)
    today = await owner_dashboard.today(owner, uow=uow, now=after)
    assert today.failed_sign_ins_24h == 6
    _, staff = await session_of(uow, "staff", now=after)
    assert (await owner_dashboard.today(staff, uow=uow, now=after)).failed_sign_ins_24h is None


async def test_sign_in_is_throttled_per_ip_across_usernames(uow):
    await owner_and_staff(uow)
    now = utcnow()
    for n in range(10):
        with pytest.raises(SignInRefused):
            await admin_sessions.sign_in(f"nobody{n}", "x" * 12, ip="203.0.113.9", uow=uow, now=now)
    with pytest.raises(SignInRefused, match="Too many"):
        await admin_sessions.sign_in("owner", OWNER_PASSWORD, ip="203.0.113.9", uow=uow, now=now)
    assert await session_of(uow, "owner", now=now, ip="198.51.100.1")


# -- rentals -------------------------------------------------------------------------------


async def test_search_finds_rentals_by_email_name_phone_and_id_and_pages(uow):
    await owner_and_staff(uow)
    _, owner = await session_of(uow, "owner")
    _, staff = await session_of(uow, "staff")
    maria = await paid_rental(
        uow,
        name="Maria Clara",
        email="maria@example.com",
        phone="0918 765 4321",
        payment_id="pay_m",
    )
    juan = await paid_rental(uow, payment_id="pay_j")
    for text in ("maria@example.com", "MARIA CLARA", "0918 765 4321", "+63 918 765", maria[:8]):
        page = await owner_rentals.search_rentals(RentalFilters.parse(text), owner, uow=uow)
        assert [row.id for row in page.rows] == [maria], text
    everyone = await owner_rentals.search_rentals(RentalFilters.parse(), owner, uow=uow)
    assert {row.id for row in everyone.rows} == {maria, juan} and everyone.total == 2
    assert everyone.rows[0].total_centavos > 0
    paid = await owner_rentals.search_rentals(RentalFilters.parse(status_="paid"), staff, uow=uow)
    assert paid.total == 2 and all(row.total_centavos is None for row in paid.rows)
    none = await owner_rentals.search_rentals(
        RentalFilters.parse(store_id="store-b", date_from="2020-01-01", date_to="2020-01-31"),
        owner,
        uow=uow,
    )
    assert none.total == 0 and none.page == 1 and none.pages == 1
    for bad in ({"status_": "lost"}, {"sort": "price"}, {"date_from": "yesterday"}):
        with pytest.raises(InvalidInput):
            RentalFilters.parse(**bad)


async def test_lifecycle_steps_are_recorded_with_who_and_free_the_unit(uow):
    await owner_and_staff(uow)
    _, staff = await session_of(uow, "staff")
    rental_id = await paid_rental(uow)
    with uow() as session:
        assert catalog.read_collectible(session, "col-002").stock == 3
    assert await owner_rentals.advance(rental_id, "ready_for_pickup", staff, ip="1.2.3.4", uow=uow)
    assert not await owner_rentals.advance(rental_id, "ready_for_pickup", staff, uow=uow)
    with pytest.raises(Conflict):
        await owner_rentals.advance(rental_id, "returned", staff, uow=uow)
    assert await owner_rentals.advance(rental_id, "picked_up", staff, uow=uow)
    assert await owner_rentals.advance(rental_id, "returned", staff, uow=uow)
    with uow() as session:
        assert catalog.read_collectible(session, "col-002").stock == 4
    detail = await owner_rentals.rental_detail(rental_id, staff, uow=uow)
    assert [e.to_status for e in detail.events][-3:] == [
        "ready_for_pickup",
        "picked_up",
        "returned",
    ]
    assert detail.events[-1].actor == "staff:staff"
    assert detail.total_centavos is None and detail.actions == []
    log = await audit.list_events(actor="staff", uow=uow)
    assert [r.action for r in log.rows][:3] == [
        "rental_returned",
        "rental_picked_up",
        "rental_ready_for_pickup",
    ]
    assert log.rows[-1].action == "sign_in"


async def test_partial_refund_cancels_and_counts_against_revenue(uow):
    await owner_and_staff(uow)
    _, owner = await session_of(uow, "owner")
    _, staff = await session_of(uow, "staff")
    gateway = FakeGateway()
    rental_id = await paid_rental(uow, gateway)
    with uow() as session:
        total = session.get(Rental, rental_id).total_centavos
    before = await owner_dashboard.today(owner, uow=uow)
    assert before.revenue_month_centavos == total
    with pytest.raises(Conflict, match="Only the owner"):
        await owner_rentals.refund(rental_id, staff, gateway=gateway, uow=uow)
    with pytest.raises(InvalidInput, match="between"):
        await owner_rentals.refund(
            rental_id, owner, gateway=gateway, amount_centavos=total + 1, uow=uow
        )
    refund_id = await owner_rentals.refund(
        rental_id,
        owner,
        gateway=gateway,
        amount_centavos=total - 50_000,
        reason="requested_by_customer",
        note="Cancelled by phone; fee kept",
        uow=uow,
    )
    assert gateway.refunds[-1].amount_centavos == total - 50_000
    detail = await owner_rentals.rental_detail(rental_id, owner, uow=uow)
    assert detail.status == "refunded" and detail.refund_id == refund_id
    assert detail.refunded_centavos == total - 50_000 and not detail.unit_held
    assert "fee kept" in detail.events[-1].note and detail.events[-1].actor == "owner:owner"
    after = await owner_dashboard.today(owner, uow=uow)
    assert after.revenue_month_centavos == 50_000
    assert sum(c for _, c in after.revenue_per_day) == 50_000
    with pytest.raises(Conflict, match="already refunded"):
        await owner_rentals.refund(rental_id, owner, gateway=gateway, uow=uow)
    assert (await owner_dashboard.today(staff, uow=uow)).revenue_month_centavos is None


async def test_release_a_stuck_hold_and_resolve_a_refund_flag(uow):
    from mongocollectibles.services import checkout
    from tests.support.orders import order

    await owner_and_staff(uow)
    _, owner = await session_of(uow, "owner")
    _, staff = await session_of(uow, "staff")
    started = await checkout.start_checkout(order(), gateway=FakeGateway(), uow=uow)
    with uow() as session:  # the hold ran out and the sweep has not come by
        rental = session.get(Rental, started.rental_id)
        rental.hold_expires_at = utcnow() - timedelta(minutes=10)
        session.add(rental)
    today = await owner_dashboard.today(staff, uow=uow)
    assert [i.rental_id for i in today.flagged] == [started.rental_id]
    assert await owner_rentals.release_hold(started.rental_id, staff, uow=uow)
    assert not await owner_rentals.release_hold(started.rental_id, staff, uow=uow)
    with uow() as session:
        assert catalog.read_collectible(session, "col-002").stock == 4
        rental = session.get(Rental, started.rental_id)
        rental.needs_refund = True  # as a late payment would flag it
        session.add(rental)
    assert [i.rental_id for i in (await owner_dashboard.today(owner, uow=uow)).needs_refund]
    with pytest.raises(Conflict):
        await owner_rentals.resolve_refund_flag(started.rental_id, "done", staff, uow=uow)
    with pytest.raises(InvalidInput):
        await owner_rentals.resolve_refund_flag(started.rental_id, "  ", owner, uow=uow)
    assert await owner_rentals.resolve_refund_flag(
        started.rental_id, "Refunded in cash at the store", owner, uow=uow
    )
    assert not await owner_rentals.resolve_refund_flag(started.rental_id, "again", owner, uow=uow)
    assert not (await owner_dashboard.today(owner, uow=uow)).needs_refund


async def test_today_lists_pickups_and_returns_and_utilisation(uow):
    await owner_and_staff(uow)
    _, owner = await session_of(uow, "owner")
    ready = await paid_rental(uow, payment_id="pay_a")
    out = await paid_rental(uow, payment_id="pay_b")
    await owner_rentals.advance(ready, "ready_for_pickup", owner, uow=uow)
    await owner_rentals.advance(out, "ready_for_pickup", owner, uow=uow)
    await owner_rentals.advance(out, "picked_up", owner, uow=uow)
    today = await owner_dashboard.today(owner, uow=uow)
    assert [i.rental_id for i in today.pickups_due] == [ready]
    # Booked for 3 days from its pickup date: neither due back today nor overdue ...
    assert not today.returns_due and not today.overdue
    back = uow.call(lambda session: session.get(Rental, out).return_date)
    on_the_day = datetime.combine(back, time(12), tzinfo=ZoneInfo("Asia/Manila"))
    due = await owner_dashboard.today(owner, uow=uow, now=on_the_day)
    assert [i.rental_id for i in due.returns_due] == [out] and not due.overdue
    later = await owner_dashboard.today(owner, uow=uow, now=on_the_day + timedelta(days=1))
    assert [i.rental_id for i in later.overdue] == [out]
    gundam = next(u for u in today.utilisation if u.collectible_id == "col-002")
    assert (gundam.units, gundam.out, gundam.percent) == (4, 2, 50)
    assert dict(today.rentals_per_collectible)[gundam.name] == 2
    assert {i.rental_id for i in today.latest_paid} == {ready, out}
    marker = await owner_dashboard.paid_marker(uow=uow)
    await paid_rental(uow, payment_id="pay_c")
    assert await owner_dashboard.paid_marker(uow=uow) != marker


async def test_csv_export_is_owner_only_and_formula_safe(uow):
    await owner_and_staff(uow)
    _, owner = await session_of(uow, "owner")
    _, staff = await session_of(uow, "staff")
    risky = await paid_rental(uow, name='=HYPERLINK("http://x","y")', payment_id="pay_r")
    await paid_rental(uow, name="+Plus Minus", payment_id="pay_p")
    text = "".join(
        [line async for line in owner_rentals.export_csv(RentalFilters(), owner, uow=uow)]
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 2
    names = {row["id"]: row["customer_name"] for row in rows}
    assert names[risky] == '\'=HYPERLINK("http://x","y")'
    assert all(not row["customer_name"].startswith(("=", "+", "-", "@")) for row in rows)
    assert all(row["customer_phone"].startswith("'+63") for row in rows)
    only = "".join(
        [
            line
            async for line in owner_rentals.export_csv(RentalFilters(query=risky), owner, uow=uow)
        ]
    )
    assert len(list(csv.DictReader(io.StringIO(only)))) == 1
    with pytest.raises(Conflict):
        [line async for line in owner_rentals.export_csv(RentalFilters(), staff, uow=uow)]
