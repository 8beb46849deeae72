"""POST /api/rentals/quote (checkout lives in api/checkout.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from mongocollectibles.api.envelope import ok, read_json_object, required_id
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
    data = await read_json_object(request)
    collectible_id = required_id(data, "collectible_id")
    store_id = required_id(data, "store_id")
    days = quotes.parse_days(data.get("duration"))
    # Priced from the in-process catalog snapshot: no query and no thread while it is fresh.
    snapshot = await catalog.current_snapshot()
    return ok(quote_json(quotes.quote_from(snapshot, collectible_id, store_id, days)))
