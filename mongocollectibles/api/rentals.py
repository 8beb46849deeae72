"""Every /api/rentals route: quote, checkout, a rental's status, the customer's cancel.
The request schemas here document the bodies; the domain rules do the checking, for clear
messages."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from mongocollectibles.api.deps import client_ip, gateway, limiter_of, uow_of
from mongocollectibles.api.envelope import (
    JSON_ONLY,
    ApiError,
    error_responses,
    is_json,
    ok,
    ok_body,
    read_json_object,
)
from mongocollectibles.domain.ids import required_id
from mongocollectibles.domain.pricing import pesos
from mongocollectibles.domain.reservations import parse_pickup_date, shop_today
from mongocollectibles.payments import PaymentGateway
from mongocollectibles.payments.methods import METHOD_CODES
from mongocollectibles.services import catalog, checkout, quotes, rentals
from mongocollectibles.services.limits import CheckoutLimiter
from mongocollectibles.services.unit_of_work import UnitOfWork

router = APIRouter(
    prefix="/api/rentals",
    tags=["rentals"],
    responses=error_responses(400, 404, 408, 409, 413, 415, 422, 429, 502),
)
TOKEN = Query(max_length=100, description="The rental's secret token (from its links)")


class QuoteRequest(BaseModel):
    collectible_id: str = Field(examples=["col-002"])
    store_id: str = Field(examples=["store-a"])
    duration: int = Field(ge=1, description="Whole days, 1 to MAX_DURATION_DAYS", examples=[3])
    pickup_date: str | None = Field(
        default=None,
        description="ISO date (Asia/Manila); default the earliest possible date",
        examples=["2026-12-24"],
    )


class CustomerBody(BaseModel):
    name: str = Field(examples=["Juan dela Cruz"])
    email: str = Field(examples=["juan@example.com"])
    phone: str = Field(examples=["0917 123 4567"])
    address: str = Field(examples=["12 Mabini Street"])
    city: str = Field(examples=["Manila"])
    postal_code: str = Field(examples=["1000"])


class CheckoutRequest(BaseModel):
    collectible_id: str = Field(examples=["col-002"])
    store_id: str = Field(examples=["store-a"])
    duration: int = Field(ge=1, examples=[7])
    pickup_date: str | None = Field(default=None, examples=["2026-12-24"])
    payment_method: str = Field(examples=["gcash"], description=", ".join(METHOD_CODES))
    customer: CustomerBody


def body_doc(model: type[BaseModel]) -> dict:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


def iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def quote_json(q: quotes.Quote) -> dict:
    body = {
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
        "pickup_date": iso(q.pickup_date),
        "return_date": iso(q.return_date),
        "earliest_pickup_date": iso(q.earliest_pickup_date),
        "latest_pickup_date": iso(q.latest_pickup_date),
    }
    if not q.available and q.pickup_date is not None:
        body["nearest_pickup_date"] = iso(q.nearest_pickup_date)
        body["other_stores"] = [
            {
                "store_id": a.store_id,
                "store_name": a.store_name,
                "serves_pickup_date": a.serves_pickup_date,
                "earliest_pickup_date": iso(a.earliest_pickup_date),
            }
            for a in q.alternatives
        ]
    return body


def rental_json(view: rentals.RentalView) -> dict:
    return {
        "rental_id": view.id,
        "order_code": view.order_code,
        "status": view.status,
        "status_label": view.status_label,
        "collectible_id": view.collectible_id,
        "collectible_name": view.collectible_name,
        "store_id": view.store_id,
        "store_name": view.store_name,
        "duration": view.duration_days,
        "daily_rate": pesos(view.daily_rate_centavos),
        "total_fee": pesos(view.total_centavos),
        "total_fee_centavos": view.total_centavos,
        "is_special_rate": view.is_special_rate,
        "eta": view.eta_days,
        "pickup_date": view.pickup_date.isoformat(),
        "return_date": view.return_date.isoformat(),
        "payment_method": view.payment_method,
        "needs_refund": view.needs_refund,
        "payment_url": view.payment_url,
    }


async def quote_body(
    data: dict, uow: UnitOfWork, snapshot: catalog.Snapshot | None = None
) -> bytes:
    """The quote's JSON for a request body (the route and the fast path both answer with it);
    raises the domain's errors for bad input. Priced from the in-process catalog snapshot
    (`snapshot`, else the current one): no query and no thread while it is fresh; its dates
    are kept with that snapshot (services/quotes.py), so a repeated quote costs no query
    either."""
    collectible_id = required_id(data, "collectible_id")
    store_id = required_id(data, "store_id")
    days = quotes.parse_days(data.get("duration"))
    pickup = parse_pickup_date(data.get("pickup_date"))
    snapshot = snapshot or await catalog.get_snapshot(uow=uow)
    # Rendered once per snapshot and question (only answers that succeeded are kept).
    key = (collectible_id, store_id, days, pickup, shop_today())
    rendered = snapshot.memo.setdefault("api:quote", {})
    body = rendered.get(key)
    if body is None:
        q = await quotes.dated_quote(snapshot, collectible_id, store_id, days, pickup, uow)
        body = ok_body(quote_json(q))
        if len(rendered) >= quotes.MEMO_LIMIT:
            rendered.clear()
        rendered[key] = body
    return body


@router.post(
    "/quote",
    summary="Price, special rate, stock, pickup/return dates and ETA (reserves nothing)",
    openapi_extra=body_doc(QuoteRequest),
)
async def quote(request: Request, uow: UnitOfWork = Depends(uow_of)) -> Response:
    body = await quote_body(await read_json_object(request), uow)
    return Response(body, media_type="application/json")


@router.post(
    "/checkout",
    summary="Hold the nearest unit and open a PayMongo checkout; returns payment_url",
    openapi_extra=body_doc(CheckoutRequest),
)
async def start_checkout(
    request: Request,
    idempotency_key: str | None = Header(default=None, max_length=100),
    uow: UnitOfWork = Depends(uow_of),
    payments: PaymentGateway = Depends(gateway),
    limits: CheckoutLimiter = Depends(limiter_of),
) -> Response:
    data = await read_json_object(request)
    result = await checkout.start_checkout(
        data,
        gateway=payments,
        idempotency_key=idempotency_key,
        client_ip=client_ip(request),
        limiter=limits,
        uow=uow,
    )
    return ok(
        {
            "rental_id": result.rental_id,
            "order_code": result.order_code,
            "token": result.secret_token,
            "total_fee": pesos(result.total_centavos),
            "total_fee_centavos": result.total_centavos,
            "eta": result.eta_days,
            "pickup_date": iso(result.pickup_date),
            "return_date": iso(result.return_date),
            "payment_url": result.payment_url,
            "message": result.message,
        }
    )


@router.get("/{rental_id}", summary="A rental's status (confirms pending payments)")
async def rental_status(
    rental_id: str,
    token: str = TOKEN,
    uow: UnitOfWork = Depends(uow_of),
    payments: PaymentGateway = Depends(gateway),
) -> Response:
    view = await rentals.refresh_rental_status(rental_id, token, gateway=payments, uow=uow)
    return ok(rental_json(view))


@router.post("/{rental_id}/cancel", summary="Customer cancel of an unpaid rental")
async def cancel_rental(
    request: Request,
    rental_id: str,
    token: str = TOKEN,
    uow: UnitOfWork = Depends(uow_of),
    payments: PaymentGateway = Depends(gateway),
) -> Response:
    content_type = request.headers.get("content-type")
    if content_type and not is_json(content_type):  # e.g. a cross-site form post
        raise ApiError(415, JSON_ONLY)
    view = await rentals.cancel_rental(rental_id, token, gateway=payments, uow=uow)
    return ok(rental_json(view))
