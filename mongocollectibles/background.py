"""Work that runs beside the web server in every app process: the hold-expiry sweep, the
late-return check (services/schedule.py), the email outbox worker (and, in development, the
embedded mail server), and the clean shutdown of the PayMongo client (and of the embedded
sandbox's webhook deliveries)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from mongocollectibles.mail import SmtpTransport
from mongocollectibles.mail.dev_server import free_port, start_dev_mail_server
from mongocollectibles.services import notifications, stock_alerts
from mongocollectibles.services.expiry import run_sweeper
from mongocollectibles.services.outbox import run_outbox_worker, transport_from_settings
from mongocollectibles.services.payment_gateway import close_gateway, get_gateway
from mongocollectibles.services.schedule import run_schedule
from mongocollectibles.services.unit_of_work import UnitOfWork
from mongocollectibles.settings import get_settings

log = logging.getLogger(__name__)


async def _enqueue_due_mail(uow: UnitOfWork) -> None:
    """Reminders and back-in-stock notes that are due now go into the outbox."""
    await notifications.send_due_reminders(uow=uow)
    await stock_alerts.send_back_in_stock(uow=uow)


@asynccontextmanager
async def background_tasks(api: FastAPI, *, uow: UnitOfWork) -> AsyncIterator[None]:
    """Start the jobs on `uow`'s database (their starter's: the app's, or a test's)."""
    settings = get_settings()
    sweeper = asyncio.create_task(
        run_sweeper(get_gateway, settings.sweep_interval_seconds, uow=uow),
        name="hold-expiry",
    )
    schedule = asyncio.create_task(
        run_schedule(get_settings().sweep_interval_seconds * 10, uow=uow), name="late-returns"
    )
    mail_server = None
    transport = transport_from_settings()
    if settings.mail_mode == "embedded":
        # Development: 8025 (or SMTP_PORT); tests: a free port unless SMTP_PORT is set.
        port = settings.smtp_port or (free_port() if settings.environment == "test" else 8025)
        mail_server = start_dev_mail_server(Path(settings.mailbox_dir), "127.0.0.1", port)
        transport = SmtpTransport("127.0.0.1", port)
    if transport is None:
        log.warning(
            "email is not configured (EMAIL_API_URL or SMTP_HOST): messages wait in the "
            "outbox until it is; see docs/email.md"
        )
    mailer = asyncio.create_task(
        run_outbox_worker(
            lambda: transport,
            settings.outbox_interval_seconds,
            uow=uow,
            before_each_pass=lambda: _enqueue_due_mail(uow),
        ),
        name="email-outbox",
    )
    try:
        yield
    finally:
        for task in (sweeper, schedule, mailer):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if mail_server is not None:
            mail_server.stop()
        await close_gateway()
        sandbox = getattr(api.state, "sandbox_app", None)
        if sandbox is not None:
            await sandbox.state.sandbox.aclose()
