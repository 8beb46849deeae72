"""Owner-console sign-in and server-side sessions.

A session is a random token: the browser keeps it (a cookie), the database keeps its SHA-256.
It ends after IDLE_MINUTES without use, ABSOLUTE_HOURS after sign-in, or at sign-out. Signing
in always makes a new token (and ends the one the browser had), so a token planted before
sign-in is worthless after it. Sign-in attempts are throttled per account and per IP address
with a delay that doubles with each failure (domain/admin.py), and every attempt is logged.
A right password whose stored hash was made with older argon2 parameters is hashed again with
the current ones and stored as the session is made (argon2's upgrade on sign-in).
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, func, select

from mongocollectibles.domain import admin
from mongocollectibles.domain.errors import DomainError
from mongocollectibles.models import AdminAccount, AdminSession, AuditEvent, utcnow
from mongocollectibles.services import admin_accounts, audit
from mongocollectibles.services.unit_of_work import UnitOfWork

# The browser cookie that carries the token (pages and /api/admin routes read the same one).
COOKIE_NAME = "mc_admin"
IDLE_MINUTES = 30
ABSOLUTE_HOURS = 12
# last_seen_at is written at most this often (every admin event checks the session).
TOUCH_SECONDS = 30


class SignInRefused(DomainError):
    status_code = 401

    def __init__(self, message: str, retry_after: int = 0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Principal:
    """Who is signed in, as every admin handler sees it."""

    account_id: int
    username: str
    role: str

    def allows(self, required: str) -> bool:
        return admin.allows(self.role, required)

    @property
    def actor(self) -> str:
        return f"{self.role}:{self.username}"


def _principal(account: AdminAccount) -> Principal:
    assert account.id is not None  # a stored account
    return Principal(account.id, account.username, account.role)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _expired(row: AdminSession, now: datetime) -> bool:
    return (
        row.revoked_at is not None
        or now >= row.created_at + timedelta(hours=ABSOLUTE_HOURS)
        or now >= row.last_seen_at + timedelta(minutes=IDLE_MINUTES)
    )


# -- sign-in throttling ----------------------------------------------------------------------


def _failures(
    session: Session, column: Mapped[str], value: str, now: datetime
) -> tuple[int, datetime | None]:
    """Failed attempts by this account (or IP) since its last success, within the window."""
    since = now - timedelta(seconds=admin.WINDOW_SECONDS)
    last_ok = session.exec(
        select(func.max(AuditEvent.created_at)).where(
            AuditEvent.action == audit.SIGN_IN, column == value, AuditEvent.created_at >= since
        )
    ).one()
    if last_ok is not None:
        since = max(since, last_ok)
    count, last = session.exec(
        select(func.count(), func.max(AuditEvent.created_at)).where(
            AuditEvent.action == audit.SIGN_IN_FAILED,
            column == value,
            AuditEvent.created_at > since,
        )
    ).one()
    return count, last


def _wait_seconds(session: Session, username: str, ip: str, now: datetime) -> int:
    wait = 0.0
    for column, value, free in (
        (col(AuditEvent.actor), username, admin.FREE_FAILURES_ACCOUNT),
        (col(AuditEvent.ip), ip, admin.FREE_FAILURES_IP),
    ):
        if not value:
            continue
        count, last = _failures(session, column, value, now)
        delay = admin.throttle_delay(count, free)
        if delay and last is not None:
            wait = max(wait, (last + timedelta(seconds=delay) - now).total_seconds())
    return int(wait + 0.999)


def _begin(
    session: Session, username: str, ip: str, now: datetime
) -> tuple[int, AdminAccount | None]:
    """(seconds to wait, account). A throttled attempt is logged (and committed)."""
    wait = _wait_seconds(session, username, ip, now)
    if wait > 0:
        audit.record(
            session, username, audit.SIGN_IN_THROTTLED, detail=f"wait {wait}s", ip=ip, at=now
        )
        return wait, None
    return 0, admin_accounts.find(session, username)


@dataclass(frozen=True)
class _Rehash:
    """A new hash of the password just verified against `verified` (the stored hash)."""

    verified: str
    new: str


def _check(account: AdminAccount | None, password: str) -> tuple[bool, _Rehash | None]:
    """(right password, its new hash when the stored one has older parameters). Slow: both
    are argon2, so the caller runs this off the event loop and outside any transaction."""
    # Verified first, whoever it is: an unknown name costs as long as a wrong password.
    if not admin_accounts.check_password(account, password) or account is None:
        return False, None
    if not admin_accounts.needs_rehash(account):
        return True, None
    return True, _Rehash(account.password_hash, admin_accounts.hash_password(password))


def _finish(
    session: Session,
    username: str,
    ok: bool,
    ip: str,
    previous_token: str,
    now: datetime,
    rehash: _Rehash | None,
) -> tuple[str, Principal] | None:
    """(new token, who) after a right password; None (and a logged failure) otherwise."""
    account = admin_accounts.find(session, username) if ok else None
    # A wrong password, or the account was removed or disabled while the password was checked.
    if account is None or not account.active:
        audit.record(session, username, audit.SIGN_IN_FAILED, ip=ip, at=now)
        return None
    principal = _principal(account)
    # Only over the hash that was verified: a password changed meanwhile is kept.
    if rehash is not None and account.password_hash == rehash.verified:
        account.password_hash = rehash.new
        session.add(account)
    if previous_token:  # rotation: whatever this browser had before is over
        old = session.get(AdminSession, token_hash(previous_token))
        if old is not None and old.revoked_at is None:
            old.revoked_at = now
            session.add(old)
    token = secrets.token_urlsafe(32)
    session.add(
        AdminSession(
            token_hash=token_hash(token),
            account_id=principal.account_id,
            created_at=now,
            last_seen_at=now,
            ip=ip[:64],
        )
    )
    audit.record(session, username, audit.SIGN_IN, detail=f"role {account.role}", ip=ip, at=now)
    return token, principal


async def sign_in(
    username: str,
    password: str,
    *,
    ip: str = "",
    previous_token: str = "",
    uow: UnitOfWork,
    now: datetime | None = None,
) -> tuple[str, Principal]:
    """A new session token for a right username and password; SignInRefused otherwise."""
    now = now or utcnow()
    username = admin_accounts.normalise_username(username)[:60]
    if not username or not password:
        raise SignInRefused("Enter your username and password.")
    wait, account = await uow.run(_begin, username, ip, now)
    if wait:
        raise SignInRefused(
            f"Too many failed sign-ins. Try again in {wait} seconds.", retry_after=wait
        )
    # Slow on purpose (argon2): off the event loop, outside any transaction.
    ok, rehash = await asyncio.to_thread(_check, account, password)
    signed_in = await uow.run(_finish, username, ok, ip, previous_token, now, rehash)
    if signed_in is None:
        raise SignInRefused("Wrong username or password.")
    return signed_in


def _validate(session: Session, token: str, now: datetime, touch: bool) -> Principal | None:
    row = session.get(AdminSession, token_hash(token))
    if row is None or _expired(row, now):
        return None
    account = session.get(AdminAccount, row.account_id)
    if account is None or not account.active:
        return None
    if touch and (now - row.last_seen_at).total_seconds() >= TOUCH_SECONDS:
        row.last_seen_at = now
        session.add(row)
    return _principal(account)


async def validate(
    token: str,
    *,
    touch: bool = True,
    uow: UnitOfWork,
    now: datetime | None = None,
) -> Principal | None:
    """Who holds this token, or None (unknown, signed out, idle too long, too old).

    touch=False checks without counting as activity (a page's background refresh must not
    keep an unattended session alive)."""
    if not token or not isinstance(token, str) or len(token) > 200:
        return None
    return await uow.run(_validate, token, now or utcnow(), touch)


def _revoke(session: Session, token: str, ip: str, now: datetime) -> bool:
    row = session.get(AdminSession, token_hash(token))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = now
    session.add(row)
    account = session.get(AdminAccount, row.account_id)
    audit.record(session, account.username if account else "?", audit.SIGN_OUT, ip=ip, at=now)
    return True


async def sign_out(
    token: str, *, ip: str = "", uow: UnitOfWork, now: datetime | None = None
) -> bool:
    """End the session (idempotent: False when it was already over or never existed)."""
    if not token or not isinstance(token, str) or len(token) > 200:
        return False
    return await uow.run(_revoke, token, ip, now or utcnow())
