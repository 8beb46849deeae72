"""Work that runs beside the web server in every app process: the hold-expiry sweep, the
late-return check (services/schedule.py), and the clean shutdown of the PayMongo client
(and of the embedded sandbox's webhook deliveries)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from mongocollectibles.services.expiry import run_sweeper
from mongocollectibles.services.payment_gateway import close_gateway, get_gateway
from mongocollectibles.services.schedule import run_schedule
from mongocollectibles.services.unit_of_work import UnitOfWork
from mongocollectibles.settings import get_settings


@asynccontextmanager
async def background_tasks(api: FastAPI, *, uow: UnitOfWork | None = None) -> AsyncIterator[None]:
    sweeper = asyncio.create_task(
        run_sweeper(get_gateway, get_settings().sweep_interval_seconds, uow=uow),
        name="hold-expiry",
    )
    schedule = asyncio.create_task(
        run_schedule(get_settings().sweep_interval_seconds * 10, uow=uow), name="late-returns"
    )
    try:
        yield
    finally:
        for task in (sweeper, schedule):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await close_gateway()
        sandbox = getattr(api.state, "sandbox_app", None)
        if sandbox is not None:
            await sandbox.state.sandbox.aclose()
