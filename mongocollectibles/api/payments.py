"""Checkout, the customer's rental status/cancel, and the signed PayMongo webhook."""

from __future__ import annotations

from fastapi import APIRouter, Header, Query, Request

from mongocollectibles.api.envelope import ok, read_json_object
from mongocollectibles.api.rentals import body_doc
from mongocollectibles.domain.pricing import pesos
from mongocollectibles.services import checkout, rentals, webhooks
from mongocollectibles.services.payment_gateway import get_gateway

router = APIRouter(tags=["payments"])
TOKEN = Query(max_length=100, description="The rental's secret token (from its links)")


def rental_json(view: rentals.RentalView) -> dict:
    return {
        "rental_id": view.id,
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
        "payment_method": view.payment_method,
        "needs_refund": view.needs_refund,
        "payment_url": view.payment_url,
    }


@router.post(
    "/api/rentals/checkout",
    summary="Hold the nearest unit and open a PayMongo checkout; returns payment_url",
    openapi_extra=body_doc(checkout.CheckoutBody),
)
async def start_checkout(
    request: Request, idempotency_key: str | None = Header(default=None, max_length=100)
):
    data = await read_json_object(request)
    result = await checkout.start_checkout(
        data, gateway=get_gateway(), idempotency_key=idempotency_key
    )
    return ok(
        {
            "rental_id": result.rental_id,
            "token": result.secret_token,
            "total_fee": pesos(result.total_centavos),
            "total_fee_centavos": result.total_centavos,
            "eta": result.eta_days,
            "payment_url": result.payment_url,
            "message": result.message,
        }
    )


@router.get("/api/rentals/{rental_id}", summary="A rental's status (confirms pending payments)")
async def rental_status(rental_id: str, token: str = TOKEN):
    view = await rentals.refresh_rental_status(rental_id, token, gateway=get_gateway())
    return ok(rental_json(view))


@router.post("/api/rentals/{rental_id}/cancel", summary="Customer cancel of an unpaid rental")
async def cancel_rental(rental_id: str, token: str = TOKEN):
    view = await rentals.cancel_rental(rental_id, token, gateway=get_gateway())
    return ok(rental_json(view))


@router.post("/api/webhooks/paymongo", summary="PayMongo events (signed)", include_in_schema=True)
async def paymongo_webhook(
    request: Request, paymongo_signature: str | None = Header(default=None, max_length=1000)
):
    raw = await request.body()
    outcome = await webhooks.handle_webhook(raw, paymongo_signature)
    return ok({"received": True, "outcome": outcome})
