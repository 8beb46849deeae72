"""Owner-console accounts: argon2id password hashes in the database, one role each."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, func, select

from mongocollectibles.domain import admin
from mongocollectibles.domain.errors import Conflict, InvalidInput, NotFound
from mongocollectibles.models import AdminAccount, AdminSession, AuditEvent, utcnow
from mongocollectibles.services import audit
from mongocollectibles.services.unit_of_work import UnitOfWork

_hasher = PasswordHasher()  # argon2id, the library's current recommended parameters
# Verified when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-password-of-anyone")


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    role: str
    active: bool


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(account: AdminAccount | None, password: str) -> bool:
    """Constant-ish time: an unknown account still pays for one verification."""
    try:
        ok = _hasher.verify(account.password_hash if account else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return ok and account is not None and account.active


def needs_rehash(account: AdminAccount) -> bool:
    return _hasher.check_needs_rehash(account.password_hash)


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


def find(session: Session, username: str) -> AdminAccount | None:
    return session.exec(
        select(AdminAccount).where(AdminAccount.username == normalise_username(username))
    ).first()


def _create(
    session: Session, username: str, password_hash: str, role: str, actor: str, ip: str = ""
) -> Account:
    if find(session, username) is not None:
        raise Conflict(f"An account named {username!r} already exists.")
    account = AdminAccount(username=username, password_hash=password_hash, role=role)
    session.add(account)
    session.flush()
    assert account.id is not None  # the flush gave it one
    audit.record(
        session, actor, audit.ACCOUNT_CREATED, target=username, detail=f"role {role}", ip=ip
    )
    return Account(account.id, account.username, account.role, account.active)


async def create_account(
    username: str,
    password: str,
    role: str = admin.OWNER,
    *,
    actor: str = "manage",
    ip: str = "",
    uow: UnitOfWork,
) -> Account:
    """A new account; the password must pass the rule (no defaults, nothing hard-coded)."""
    username = normalise_username(username)
    if role not in admin.ROLES:
        raise InvalidInput(f"Role must be one of {', '.join(admin.ROLES)}.", field="role")
    problem = admin.username_problem(username) or admin.password_problem(password, username)
    if problem:
        raise InvalidInput(problem)
    # Slow on purpose (argon2): off the event loop, before the transaction.
    password_hash = await asyncio.to_thread(hash_password, password)
    return await uow.run(_create, username, password_hash, role, actor, ip)


@dataclass(frozen=True)
class AccountRow:
    username: str
    role: str
    active: bool
    created_at: datetime
    last_sign_in: datetime | None


def _list(session: Session) -> list[AccountRow]:
    last = dict(
        session.exec(
            select(AuditEvent.actor, func.max(AuditEvent.created_at))
            .where(AuditEvent.action == audit.SIGN_IN)
            .group_by(AuditEvent.actor)
        ).all()
    )
    accounts = session.exec(select(AdminAccount).order_by(AdminAccount.username)).all()
    return [
        AccountRow(a.username, a.role, a.active, a.created_at, last.get(a.username))
        for a in accounts
    ]


async def list_accounts(*, uow: UnitOfWork) -> list[AccountRow]:
    return await uow.run(_list)


def _set_active(session: Session, username: str, active: bool, actor: str, ip: str) -> bool:
    account = find(session, username)
    if account is None:
        raise NotFound(f"No account named {username!r}.")
    if account.active == active:
        return False
    account.active = active
    session.add(account)
    if not active:  # signed out everywhere at once
        for row in session.exec(
            select(AdminSession).where(
                AdminSession.account_id == account.id, col(AdminSession.revoked_at).is_(None)
            )
        ).all():
            row.revoked_at = utcnow()
            session.add(row)
    action = "account_enabled" if active else "account_disabled"
    audit.record(session, actor, action, target=account.username, ip=ip)
    return True


async def set_active(
    username: str,
    active: bool,
    *,
    actor: str,
    ip: str = "",
    uow: UnitOfWork,
) -> bool:
    """Disable (every session ends) or enable an account; False when nothing changed. The
    caller must not disable itself (the page checks: an owner cannot lock the shop out)."""
    if normalise_username(username) == normalise_username(actor):
        raise Conflict("You cannot disable your own account.")
    return await uow.run(_set_active, normalise_username(username), active, actor, ip)
