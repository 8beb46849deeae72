"""POST /api/rentals/quote (checkout lives in api/payments.py)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.types import Message, Receive, Scope, Send

from mongocollectibles.api.envelope import MAX_BODY_BYTES, ok, read_json_object
from mongocollectibles.domain.ids import required_id
from mongocollectibles.domain.pricing import pesos
from mongocollectibles.services import catalog, quotes

router = APIRouter(prefix="/api/rentals", tags=["rentals"])


class QuoteRequest(BaseModel):
    """Documentation of the body; parsing is done by the domain rules for clear messages."""

    collectible_id: str = Field(examples=["col-002"])
    store_id: str = Field(examples=["store-a"])
    duration: int = Field(ge=1, description="Whole days, 1 to MAX_DURATION_DAYS", examples=[3])


def body_doc(model: type[BaseModel]) -> dict:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


def quote_json(q: quotes.Quote) -> dict:
    return {
        "collectible_id": q.collectible_id,
        "collectible_name": q.collectible_name,
        "size": q.size,
        "store_id": q.store_id,
        "duration": q.duration_days,
        "daily_rate": pesos(q.daily_rate_centavos),
        "total_fee": pesos(q.total_centavos),
        "daily_rate_centavos": q.daily_rate_centavos,
        "total_fee_centavos": q.total_centavos,
        "is_special_rate": q.is_special_rate,
        "stock": q.stock,
        "available": q.available,
        "eta": q.eta_days,
    }


@router.post(
    "/quote",
    summary="Price, special rate, stock and ETA (reserves nothing)",
    openapi_extra=body_doc(QuoteRequest),
)
async def quote(request: Request):
    body = await quote_body(await read_json_object(request))
    return Response(body, media_type="application/json")


async def quote_body(data: dict) -> bytes:
    """The quote's JSON for a request body (the route and the fast path both answer with it);
    raises the domain's errors for bad input. Priced from the in-process catalog snapshot: no
    query and no thread while it is fresh."""
    collectible_id = required_id(data, "collectible_id")
    store_id = required_id(data, "store_id")
    days = quotes.parse_days(data.get("duration"))
    snapshot = await catalog.current_snapshot()
    return ok(quote_json(quotes.quote_from(snapshot, collectible_id, store_id, days))).body


async def answer_quote(scope: Scope, receive: Receive, send: Send) -> Receive | None:
    """Answer a well-formed `POST /api/rentals/quote` from the catalog snapshot (see
    `api.catalog.hot_paths`): None once answered; otherwise, having sent nothing, the
    `receive` to hand to the app, which replays the body already read."""
    declared = dict(scope["headers"]).get(b"content-length", b"")
    if not declared.isdigit() or int(declared) > MAX_BODY_BYTES:
        return receive
    chunks: list[bytes] = []
    size, more = 0, True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            return _replay(chunks, receive, last=message)
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        more = message.get("more_body", False)
        if size > MAX_BODY_BYTES:
            return _replay(chunks, receive, more=more)
    try:
        body = await quote_body(json.loads(b"".join(chunks)))
    except Exception:  # noqa: BLE001 - the route answers it (4xx or its 500) from the replay
        return _replay(chunks, receive)
    await send_json(send, body)
    return None


async def send_json(send: Send, body: bytes) -> None:
    """A 200 with the same headers as the routes' JSON responses."""
    headers = [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _replay(
    chunks: list[bytes], receive: Receive, *, more: bool = False, last: Message | None = None
) -> Receive:
    """A receive that gives the body read so far again, then goes on with `receive`."""
    pending: list[Message] = [
        {"type": "http.request", "body": b"".join(chunks), "more_body": more or last is not None}
    ]
    if last is not None:
        pending.append(last)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay
