"""GET /api/collectibles, /api/collectibles/{id}, /api/stores."""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import Response

from mongocollectibles.api.envelope import ok
from mongocollectibles.db import run_in_session
from mongocollectibles.domain.pricing import pesos
from mongocollectibles.services import catalog

router = APIRouter(prefix="/api", tags=["catalog"])

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


@router.get("/collectibles", summary="List collectibles with stock (and ETA for a store)")
async def list_collectibles(store_id: str | None = STORE_ID):
    # From the in-process catalog snapshot: no query and no thread while it is fresh, and
    # the JSON is rendered once per snapshot and store.
    snapshot = await catalog.current_snapshot()
    key = ("api:collectibles", store_id)
    body = snapshot.memo.get(key)
    if body is None:
        views = snapshot.views(store_id)
        body = snapshot.memo[key] = ok([collectible_json(v) for v in views]).body
    return Response(body, media_type="application/json")


@router.get("/collectibles/{collectible_id}", summary="One collectible; 404 if unknown")
async def get_collectible(collectible_id: str, store_id: str | None = STORE_ID):
    view = await run_in_session(catalog.get_collectible, collectible_id, store_id)
    return ok(collectible_json(view))


@router.get("/stores", summary="Pickup stores")
async def list_stores():
    stores = (await catalog.current_snapshot()).stores
    return ok([{"id": s.id, "name": s.name, "address": s.address} for s in stores])
