"""GET /api/stores."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from mongocollectibles.api.deps import uow_of
from mongocollectibles.api.envelope import ok
from mongocollectibles.services import catalog
from mongocollectibles.services.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api", tags=["catalog"])


@router.get("/stores", summary="Pickup stores")
async def list_stores(uow: UnitOfWork = Depends(uow_of)) -> Response:
    stores = await catalog.list_stores(uow=uow)
    return ok(
        [
            {"id": s.id, "name": s.name, "address": s.address, "opening_hours": s.opening_hours}
            for s in stores
        ]
    )
