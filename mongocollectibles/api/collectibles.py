"""GET /api/collectibles and /api/collectibles/{id}."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from mongocollectibles.api.deps import uow_of
from mongocollectibles.api.envelope import error_responses, ok, ok_body
from mongocollectibles.domain.pricing import pesos
from mongocollectibles.services import catalog
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
