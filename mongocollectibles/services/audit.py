"""The audit log: every owner-console action and sign-in attempt, and reading it back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import SelectOfScalar

from mongocollectibles.models import AuditEvent, utcnow
from mongocollectibles.services.unit_of_work import UnitOfWork

SIGN_IN = "sign_in"
SIGN_IN_FAILED = "sign_in_failed"
SIGN_IN_THROTTLED = "sign_in_throttled"
SIGN_OUT = "sign_out"
ACCOUNT_CREATED = "account_created"
UNITS_ADDED = "units_added"
UNIT_RETIRED = "unit_retired"
UNIT_RESTORED = "unit_restored"
UNIT_BLOCKED = "unit_blocked"
UNIT_UNBLOCKED = "unit_unblocked"
SIGN_IN_ACTIONS = (SIGN_IN, SIGN_IN_FAILED, SIGN_IN_THROTTLED, SIGN_OUT)
PAGE_SIZE = 50


def record(
    session: Session,
    actor: str,
    action: str,
    target: str = "",
    detail: str = "",
    ip: str = "",
    at: datetime | None = None,
) -> None:
    """Add one entry to the log (in the caller's transaction: it commits with the action)."""
    session.add(
        AuditEvent(
            created_at=at or utcnow(),
            actor=actor[:60],
            action=action[:40],
            target=target[:100],
            detail=detail[:500],
            ip=ip[:64],
        )
    )


@dataclass(frozen=True)
class AuditRow:
    id: int
    created_at: datetime
    actor: str
    action: str
    target: str
    detail: str
    ip: str


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    total: int
    page: int
    pages: int


def _query(
    action: str, actor: str, since: datetime | None, until: datetime | None
) -> SelectOfScalar[AuditEvent]:
    query = select(AuditEvent)
    if action == "sign_in_failures":
        query = query.where(col(AuditEvent.action).in_([SIGN_IN_FAILED, SIGN_IN_THROTTLED]))
    elif action:
        query = query.where(AuditEvent.action == action)
    if actor:
        query = query.where(func.lower(AuditEvent.actor).contains(actor.lower().strip()))
    if since is not None:
        query = query.where(AuditEvent.created_at >= since)
    if until is not None:
        query = query.where(AuditEvent.created_at < until)
    return query


def _row(event: AuditEvent) -> AuditRow:
    assert event.id is not None  # a stored event
    return AuditRow(
        event.id,
        event.created_at,
        event.actor,
        event.action,
        event.target,
        event.detail,
        event.ip,
    )


def _list(
    session: Session,
    action: str,
    actor: str,
    since: datetime | None,
    until: datetime | None,
    page: int,
) -> AuditPage:
    query = _query(action, actor, since, until)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    events = session.exec(
        query.order_by(col(AuditEvent.id).desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    return AuditPage([_row(e) for e in events], total, page, pages)


async def list_events(
    *,
    action: str = "",
    actor: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    page: int = 1,
    uow: UnitOfWork,
) -> AuditPage:
    """Newest first, PAGE_SIZE a page. action "sign_in_failures" = failed and throttled tries."""
    return await uow.run(_list, action, actor, since, until, page)


def _actions(session: Session) -> list[str]:
    return list(session.exec(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


async def known_actions(*, uow: UnitOfWork) -> list[str]:
    return await uow.run(_actions)


def count_failed_sign_ins(session: Session, since: datetime) -> int:
    return session.exec(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            col(AuditEvent.action).in_([SIGN_IN_FAILED, SIGN_IN_THROTTLED]),
            AuditEvent.created_at >= since,
        )
    ).one()
