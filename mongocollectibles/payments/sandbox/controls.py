"""Test controls under ``/_sandbox/`` (not PayMongo endpoints; for tests and demos).

They can pay any session and reset everything, so they answer only requests from this
machine (a loopback client that no proxy forwarded) or that carry ``X-Sandbox-Secret`` equal
to the configured secret; everyone else gets 403. The event log shows each event's type,
state and deliveries, never its payload (which holds return URLs with the rental's token and
the customer's billing details).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response

from .api import json_response, parse_json
from .models import SandboxError
from .service import Sandbox


def _ok(payload: dict[str, Any]) -> Response:
    return Response(json.dumps(payload).encode(), 200, media_type="application/json")


FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")
REFUSED = (
    "Sandbox controls answer only requests from this machine (loopback, not through a "
    "proxy) or with the X-Sandbox-Secret header."
)


def _is_loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def controls_guard(secret: str) -> Callable[[Request], Awaitable[None]]:
    """A dependency that lets only this machine, or a holder of `secret`, through."""

    async def guard(request: Request) -> None:
        given = request.headers.get("x-sandbox-secret", "")
        if secret and given and hmac.compare_digest(given.encode(), secret.encode()):
            return
        forwarded = any(name in request.headers for name in FORWARDING_HEADERS)
        client = request.client.host if request.client else None
        if _is_loopback(client) and not forwarded:
            return
        raise SandboxError.one(403, "forbidden", REFUSED)

    return guard


def build_controls_router(sandbox: Sandbox, secret: str = "") -> APIRouter:
    router = APIRouter(prefix="/_sandbox", dependencies=[Depends(controls_guard(secret))])
    store = sandbox.store

    async def method_from(request: Request) -> str | None:
        payload = parse_json(await request.body())
        method = payload.get("method") if isinstance(payload, dict) else None
        return method if isinstance(method, str) else None

    @router.get("/faults")
    async def get_faults() -> Response:
        return _ok(sandbox.faults.as_dict())

    @router.post("/faults")
    async def set_faults(request: Request) -> Response:
        return _ok(sandbox.update_faults(parse_json(await request.body())).as_dict())

    @router.post("/reset")
    async def reset() -> Response:
        sandbox.reset()
        return _ok({"reset": True})

    @router.post("/checkout_sessions/{session_id}/pay")
    async def pay(session_id: str, request: Request) -> Response:
        record = sandbox.pay(session_id, await method_from(request))
        return json_response(store.render_session(record))

    @router.post("/checkout_sessions/{session_id}/fail")
    async def fail(session_id: str, request: Request) -> Response:
        record = sandbox.fail(session_id, await method_from(request))
        return json_response(store.render_session(record))

    @router.get("/events")
    async def events(event_type: str | None = Query(None, alias="type")) -> Response:
        records = [
            e.summary()
            for e in sandbox.webhooks.events.values()
            if event_type is None or e.type == event_type
        ]
        return _ok({"data": records})

    @router.get("/events/{event_id}")
    async def event(event_id: str) -> Response:
        record = sandbox.webhooks.events.get(event_id)
        if record is None:
            raise SandboxError.one(404, "resource_not_found", f"No such event {event_id}.")
        return _ok({"data": record.summary()})

    @router.post("/events/{event_id}/resend")
    async def resend(event_id: str) -> Response:
        record = sandbox.webhooks.resend(event_id)
        if record is None:
            raise SandboxError.one(404, "resource_not_found", f"No such event {event_id}.")
        return _ok({"data": record.summary()})

    return router
