"""GET /api/collectibles, /api/collectibles/{id} and its availability calendar."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from mongocollectibles.api.deps import uow_of
from mongocollectibles.api.envelope import ApiError, error_responses, ok, ok_body
from mongocollectibles.domain.errors import InvalidInput
from mongocollectibles.domain.pricing import pesos
from mongocollectibles.domain.reservations import REASON_TEXT
from mongocollectibles.services import catalog, reservations
from mongocollectibles.services.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api", tags=["catalog"], responses=error_responses(400, 404, 422))

STORE_ID = Query(default=None, max_length=100, description="Pickup store: stock and ETA for it")


def collectible_json(view: catalog.CollectibleView) -> dict:
    return {
        "id": view.id,
        "name": view.name,
        "description": view.description,
        "size": view.size,
        "image_url": view.image_url,
        "stock": view.stock,
        "available": view.available,
        "daily_rate": pesos(view.daily_rate_centavos),
        "daily_rate_centavos": view.daily_rate_centavos,
        "eta_days": view.eta_days,
    }


def collectibles_body(snapshot: catalog.Snapshot, store_id: str | None) -> bytes:
    """The list's JSON, rendered once per snapshot and store (NotFound for an unknown store)."""
    key = ("api:collectibles", store_id)
    body: bytes | None = snapshot.memo.get(key)
    if body is None:
        views = snapshot.views(store_id)
        body = snapshot.memo[key] = ok_body([collectible_json(v) for v in views])
    return body


@router.get("/collectibles", summary="List collectibles with stock (and ETA for a store)")
async def list_collectibles(
    store_id: str | None = STORE_ID, uow: UnitOfWork = Depends(uow_of)
) -> Response:
    # From the in-process catalog snapshot: no query and no thread while it is fresh.
    body = collectibles_body(await catalog.get_snapshot(uow=uow), store_id)
    return Response(body, media_type="application/json")


@router.get("/collectibles/{collectible_id}", summary="One collectible; 404 if unknown")
async def get_collectible(
    collectible_id: str, store_id: str | None = STORE_ID, uow: UnitOfWork = Depends(uow_of)
) -> Response:
    view = await catalog.get_collectible(collectible_id, store_id, uow=uow)
    return ok(collectible_json(view))


def availability_json(a: reservations.Availability) -> dict:
    max_ahead = (a.latest_pickup_date - reservations.today()).days
    return {
        "collectible_id": a.collectible_id,
        "store_id": a.store_id,
        "duration": a.days,
        "from": a.first.isoformat(),
        "days": len(a.calendar),
        "earliest_pickup_date": a.earliest_pickup_date.isoformat()
        if a.earliest_pickup_date
        else None,
        "latest_pickup_date": a.latest_pickup_date.isoformat(),
        "calendar": [
            {
                "date": d.day.isoformat(),
                "available": d.available,
                "eta": d.eta_days,
                "return_date": (d.day + timedelta(days=a.days)).isoformat(),
                "reason": d.reason,
                "reason_text": REASON_TEXT[d.reason].format(max_ahead=max_ahead)
                if d.reason
                else None,
            }
            for d in a.calendar
        ],
    }


@router.get(
    "/collectibles/{collectible_id}/availability",
    summary="Which days can start a rental of `duration` days at a store (max 180 days)",
)
async def availability(
    collectible_id: str,
    store_id: str | None = Query(default=None, max_length=100, description="Pickup store"),
    duration: str | None = Query(default=None, max_length=20, description="Rental days"),
    first: str | None = Query(
        default=None, alias="from", max_length=20, description="First day (default today)"
    ),
    days: str | None = Query(default=None, max_length=20, description="How many days (<= 180)"),
    uow: UnitOfWork = Depends(uow_of),
) -> Response:
    if not store_id:
        raise ApiError(400, "store_id is required.")
    try:
        found = await reservations.get_availability(
            collectible_id, store_id, duration, first, days, uow=uow
        )
    except InvalidInput as error:
        raise ApiError(400, error.message) from None
    return ok(availability_json(found))
