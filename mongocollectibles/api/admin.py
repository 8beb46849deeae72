"""/api/admin/*: owner-console downloads. Each route checks the session cookie on the server
(the same session the /admin pages use) and the role, before reading anything."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from mongocollectibles.api.deps import uow_of
from mongocollectibles.api.envelope import ApiError, error_responses
from mongocollectibles.domain import admin
from mongocollectibles.services import admin_sessions, owner_rentals
from mongocollectibles.services.admin_sessions import Principal
from mongocollectibles.services.owner_rentals import RentalFilters
from mongocollectibles.services.unit_of_work import UnitOfWork

router = APIRouter(
    prefix="/api/admin",
    tags=["owner console"],
    responses={
        **error_responses(400, 403, 422),
        401: {**error_responses(401)[401], "description": "Not signed in to the owner console"},
    },
)


@dataclass(frozen=True)
class RoleCheck:
    """A dependency: the signed-in principal, 401 without a valid session, 403 without the role.

    `admin_role` says which role a route needs (the security test finds every route's check by
    it)."""

    admin_role: str

    async def __call__(self, request: Request, uow: UnitOfWork = Depends(uow_of)) -> Principal:
        token = request.cookies.get(admin_sessions.COOKIE_NAME, "")
        principal = await admin_sessions.validate(token, uow=uow)
        if principal is None:
            raise ApiError(401, "Sign in at /admin first (or your session has ended).")
        if not principal.allows(self.admin_role):
            raise ApiError(403, "Only the owner can do that.")
        return principal


def require(role: str) -> RoleCheck:
    """The dependency that lets in only a signed-in principal with `role`."""
    return RoleCheck(role)


@router.get(
    "/rentals.csv",
    summary="The filtered rentals as CSV (owner)",
    responses=error_responses(400, 401, 403, 422),
)
async def export_rentals(
    q: str = Query("", max_length=100),
    status: str = Query("", max_length=32),
    store_id: str = Query("", max_length=40),
    date_from: str = Query("", max_length=10),
    date_to: str = Query("", max_length=10),
    sort: str = Query("newest", max_length=20),
    principal: Principal = Depends(require(admin.OWNER)),
    uow: UnitOfWork = Depends(uow_of),
) -> StreamingResponse:
    filters = RentalFilters.parse(q, status, store_id, date_from, date_to, sort)
    stamp = datetime.now().strftime("%Y%m%d-%H%M")
    return StreamingResponse(
        owner_rentals.export_csv(filters, principal, uow=uow),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="rentals-{stamp}.csv"',
            "Cache-Control": "no-store",
        },
    )
