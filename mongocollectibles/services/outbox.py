"""The email outbox: messages are rows written in the same transaction as the change they
tell about (`enqueue`), and a worker in every app process sends them (`deliver_due`).

Safe with several processes: a worker claims rows with a conditional UPDATE (and SKIP LOCKED
on PostgreSQL), holding a lease (`claimed_until`) under its own claim token; it marks a row
sent only while its claim stands. A mail server that is down loses nothing: the row stays
unsent and is retried with backoff. A crash between "sent" and "marked sent" is the only
way to repeat a message; its Message-ID is derived from the row, so the repeat is
recognisable as the same message."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.engine import CursorResult
from sqlmodel import Session, col, select

from mongocollectibles.db import is_postgres
from mongocollectibles.mail import MailError, MailTransport, OutgoingMail
from mongocollectibles.mail.message import sender_domain
from mongocollectibles.models import OutboxMessage, utcnow
from mongocollectibles.services.unit_of_work import UnitOfWork
from mongocollectibles.settings import get_settings

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12  # about a day of retries with the backoff below
LEASE = timedelta(minutes=5)  # longer than a batch can take to send (15 s timeout each)
BATCH = 10


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    html: str


def enqueue(
    session: Session,
    kind: str,
    email: Email,
    *,
    rental_id: str | None = None,
    dedupe_key: str | None = None,
) -> bool:
    """Add a message to the outbox in the caller's transaction. With a dedupe key, a message
    already enqueued under that key is not added again (returns False)."""
    if dedupe_key is not None:
        existing = session.exec(
            select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
        ).first()
        if existing is not None:
            return False
    session.add(
        OutboxMessage(
            kind=kind,
            dedupe_key=dedupe_key,
            rental_id=rental_id,
            to_address=email.to,
            subject=email.subject,
            text_body=email.text,
            html_body=email.html,
        )
    )
    session.flush()
    return True


def message_id(row_id: int, created_at: datetime, sender: str) -> str:
    """The row's Message-ID: the same row always gets the same one."""
    digest = hashlib.sha256(f"{row_id}:{created_at.isoformat()}".encode()).hexdigest()[:16]
    return f"<outbox-{row_id}.{digest}@{sender_domain(sender)}>"


def backoff(attempts: int) -> timedelta:
    """30 s, 1, 2, 4 ... minutes, at most 2 hours between tries."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 2 * 3600))


def claim_due(session: Session, now: datetime, token: str, limit: int = BATCH) -> list[int]:
    """Claim up to `limit` due rows for `token`; returns their ids."""
    query = (
        select(OutboxMessage.id)
        .where(
            col(OutboxMessage.sent_at).is_(None),
            col(OutboxMessage.next_attempt_at) <= now,
            col(OutboxMessage.attempts) < MAX_ATTEMPTS,
            or_(col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) < now),
        )
        .order_by(col(OutboxMessage.id))
        .limit(limit)
    )
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    claimed = []
    for row_id in session.exec(query).all():
        # Conditional: on SQLite (no row locks) a row another worker claimed meanwhile is
        # left alone.
        result = session.execute(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id) == row_id,
                col(OutboxMessage.sent_at).is_(None),
                or_(
                    col(OutboxMessage.claimed_until).is_(None),
                    col(OutboxMessage.claimed_until) < now,
                ),
            )
            .values(
                claim_token=token,
                claimed_until=now + LEASE,
                attempts=col(OutboxMessage.attempts) + 1,
            )
        )
        if isinstance(result, CursorResult) and result.rowcount == 1 and row_id is not None:
            claimed.append(row_id)
    return claimed


def load_claimed(session: Session, ids: list[int], token: str, sender: str) -> list[OutgoingMail]:
    rows = session.exec(
        select(OutboxMessage)
        .where(col(OutboxMessage.id).in_(ids), OutboxMessage.claim_token == token)
        .order_by(col(OutboxMessage.id))
    ).all()
    return [
        OutgoingMail(
            outbox_id=row.id or 0,
            message_id=message_id(row.id or 0, row.created_at, sender),
            sender=sender,
            to=row.to_address,
            subject=row.subject,
            text=row.text_body,
            html=row.html_body,
            created_at=row.created_at,
        )
        for row in rows
    ]


def _claim(session: Session, now: datetime, token: str, sender: str) -> list[OutgoingMail]:
    return load_claimed(session, claim_due(session, now, token), token, sender)


def mark_sent(session: Session, row_id: int, token: str, now: datetime) -> bool:
    """Sent, if our claim still stands (False: the lease ran out and another worker has it)."""
    result = session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == row_id, col(OutboxMessage.claim_token) == token)
        .values(sent_at=now, claim_token=None, claimed_until=None, last_error=None)
    )
    return isinstance(result, CursorResult) and result.rowcount == 1


def mark_failed(session: Session, row_id: int, token: str, now: datetime, error: MailError) -> None:
    row = session.get(OutboxMessage, row_id)
    if row is None or row.claim_token != token:
        return
    row.claim_token = None
    row.claimed_until = None
    row.last_error = error.message[:500]
    # A permanent refusal is not retried (attempts at the limit); the row stays for the owner.
    row.attempts = MAX_ATTEMPTS if error.permanent else row.attempts
    row.next_attempt_at = now + backoff(row.attempts)
    session.add(row)


@dataclass(frozen=True)
class DeliveryReport:
    sent: int = 0
    failed: int = 0


async def deliver_due(
    transport: MailTransport, *, uow: UnitOfWork, now: datetime | None = None
) -> DeliveryReport:
    """One pass: claim the due messages, send each, record the outcome."""
    now = now or utcnow()
    token = uuid.uuid4().hex
    sender = get_settings().mail_from
    sent = failed = 0
    for mail in await uow.run(_claim, now, token, sender):
        try:
            await transport.send(mail)
        except MailError as error:
            failed += 1
            log.warning("email %s to %s not sent: %s", mail.outbox_id, mail.to, error.message)
            await uow.run(mark_failed, mail.outbox_id, token, utcnow(), error)
            continue
        if await uow.run(mark_sent, mail.outbox_id, token, utcnow()):
            sent += 1
        else:
            log.warning("email %s sent after its claim ran out", mail.outbox_id)
    return DeliveryReport(sent=sent, failed=failed)


async def run_outbox_worker(
    transport_factory: Callable[[], MailTransport | None],
    interval_seconds: float,
    *,
    uow: UnitOfWork,
    before_each_pass: Callable[[], object] | None = None,
) -> None:
    """Send forever (a lifespan task). `before_each_pass` (e.g. enqueue due reminders) runs
    first; errors are logged and the next pass retries."""
    while True:
        try:
            if before_each_pass is not None:
                result = before_each_pass()
                if asyncio.iscoroutine(result):
                    await result
            transport = transport_factory()
            if transport is not None:
                report = await deliver_due(transport, uow=uow)
                while report.sent == BATCH:  # more waiting: keep going
                    report = await deliver_due(transport, uow=uow)
        except Exception:  # noqa: BLE001 - a database restart must not kill the loop
            log.exception("outbox pass failed; retrying")
        await asyncio.sleep(interval_seconds)


def transport_from_settings() -> MailTransport | None:
    """The transport the settings name; None when mail is not configured (production)."""
    from mongocollectibles.mail import HttpApiTransport, SmtpTransport

    settings = get_settings()
    if settings.mail_mode == "api":
        return HttpApiTransport(settings.email_api_url, settings.email_api_key)
    if settings.mail_mode == "smtp":
        return SmtpTransport(
            settings.smtp_host,
            settings.smtp_port_in_use,
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_security == "starttls",
            implicit_tls=settings.smtp_security == "tls",
        )
    if settings.mail_mode == "embedded":
        return SmtpTransport("127.0.0.1", settings.smtp_port_in_use)
    return None
