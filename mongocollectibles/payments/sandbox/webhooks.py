"""Signed webhook events, delivered in background tasks with PayMongo-like retries."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from ..signature import sign_header
from .models import Faults, SandboxConfig, new_id, now


@dataclass
class DeliveryAttempt:
    at: int
    status_code: int | None
    error: str | None
    duration_ms: int


@dataclass
class EventRecord:
    id: str
    type: str
    created_at: int
    body: bytes  # the exact bytes sent (and signed) on every attempt
    state: str = "pending"  # pending | delivered | failed | dropped | no_webhook_url
    deliveries: int = 0  # successful (2xx) deliveries
    attempts: list[DeliveryAttempt] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        last = self.attempts[-1] if self.attempts else None
        return {
            "id": self.id,
            "type": self.type,
            "created_at": self.created_at,
            "state": self.state,
            "deliveries": self.deliveries,
            "attempt_count": len(self.attempts),
            "last_status": last.status_code if last else None,
            "last_error": last.error if last else None,
            "attempts": [attempt.__dict__ for attempt in self.attempts],
            # The resource only by type and id: the payload holds return URLs with tokens and
            # the customer's billing details.
            "resource": self._resource(),
        }

    def _resource(self) -> dict[str, Any]:
        try:
            data = json.loads(self.body)["data"]["attributes"]["data"]
            return {"type": data.get("type"), "id": data.get("id")}
        except (ValueError, KeyError, TypeError, AttributeError):
            return {}


class WebhookDispatcher:
    """Keeps every event and delivers it to ``config.webhook_url``.

    Delivery never blocks the request that caused the event: each delivery
    runs in its own asyncio task on the running loop.
    """

    def __init__(self, config: SandboxConfig, faults: Faults) -> None:
        self.config = config
        self.faults = faults
        self.events: dict[str, EventRecord] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def emit(self, event_type: str, data: dict[str, Any]) -> EventRecord:
        t = now()
        event_id = new_id("evt")
        payload = {
            "data": {
                "id": event_id,
                "type": "event",
                "attributes": {
                    "type": event_type,
                    "livemode": self.config.livemode,
                    "data": data,
                    "previous_data": {},
                    "created_at": t,
                    "updated_at": t,
                },
            }
        }
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        record = EventRecord(event_id, event_type, t, body)
        self.events[event_id] = record
        mode = self.faults.webhooks
        if mode == "drop":
            record.state = "dropped"
        else:
            self._schedule(record, times=2 if mode == "duplicate" else 1)
        return record

    def resend(self, event_id: str) -> EventRecord | None:
        record = self.events.get(event_id)
        if record is not None:
            self._schedule(record, times=1)
        return record

    def _schedule(self, record: EventRecord, *, times: int) -> None:
        if not self.config.webhook_url:
            record.state = "no_webhook_url"
            return
        record.state = "pending"
        task = asyncio.get_running_loop().create_task(self._run(record, times))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, record: EventRecord, times: int) -> None:
        timeout = httpx.Timeout(self.config.webhook_timeout)
        async with httpx.AsyncClient(timeout=timeout) as client:
            for _ in range(times):
                await self._deliver(client, record)

    async def _deliver(self, client: httpx.AsyncClient, record: EventRecord) -> bool:
        delays = self.config.webhook_retry_delays
        for attempt in range(len(delays) + 1):
            if await self._attempt(client, record):
                record.deliveries += 1
                record.state = "delivered"
                return True
            if attempt < len(delays):
                await asyncio.sleep(delays[attempt])
        record.state = "failed"
        return False

    async def _attempt(self, client: httpx.AsyncClient, record: EventRecord) -> bool:
        t = now()
        headers = {
            "Content-Type": "application/json",
            "Paymongo-Signature": sign_header(
                self.config.webhook_secret, record.body, t, self.config.livemode
            ),
            "User-Agent": "PayMongo-Sandbox/1.0",
        }
        started = time.monotonic()
        status_code: int | None = None
        error: str | None = None
        try:
            response = await client.post(
                self.config.webhook_url, content=record.body, headers=headers
            )
            status_code = response.status_code
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}".rstrip(": ")
        duration_ms = int((time.monotonic() - started) * 1000)
        record.attempts.append(DeliveryAttempt(t, status_code, error, duration_ms))
        return status_code is not None and 200 <= status_code < 300

    def clear(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        self._tasks.clear()
        self.events.clear()

    async def aclose(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
