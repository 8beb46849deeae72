"""POST /api/webhooks/paymongo: PayMongo's signed events."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import Response

from mongocollectibles.api.deps import uow_of
from mongocollectibles.api.envelope import MAX_BODY_BYTES, error_responses, ok, read_body
from mongocollectibles.services import webhooks
from mongocollectibles.services.unit_of_work import UnitOfWork

router = APIRouter(tags=["payments"], responses=error_responses(400, 401, 408, 413, 415, 422))


@router.post("/api/webhooks/paymongo", summary="PayMongo events (signed)")
async def paymongo_webhook(
    request: Request,
    paymongo_signature: str | None = Header(default=None, max_length=1000),
    uow: UnitOfWork = Depends(uow_of),
) -> Response:
    # Capped and timed like every other body, before anything else looks at it: PayMongo's
    # events are a few kilobytes.
    raw = await read_body(request, MAX_BODY_BYTES)
    outcome = await webhooks.handle_webhook(raw, paymongo_signature, uow=uow)
    return ok({"received": True, "outcome": outcome})
