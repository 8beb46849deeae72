"""What routes take from the app they run in: its unit of work and its payment gateway."""

from __future__ import annotations

from fastapi import Request

from mongocollectibles.domain.text import check_characters
from mongocollectibles.payments import PaymentGateway
from mongocollectibles.services.limits import CheckoutLimiter, default_limiter
from mongocollectibles.services.payment_gateway import get_gateway
from mongocollectibles.services.unit_of_work import UnitOfWork
from mongocollectibles.settings import get_settings


async def uow_of(request: Request) -> UnitOfWork:
    """The unit of work `create_api(uow=...)` was given (the app's by default): the routes
    hand it to the services."""
    uow: UnitOfWork = request.app.state.uow
    return uow


async def gateway() -> PaymentGateway:
    """The gateway of the running event loop (so an async dependency, never a thread)."""
    return get_gateway()


async def limiter_of(request: Request) -> CheckoutLimiter:
    """The checkout limits `create_api(limiter=...)` was given (the settings' by default)."""
    return getattr(request.app.state, "limiter", None) or default_limiter()


def client_ip(request: Request) -> str | None:
    """The client's address: the peer's, or behind TRUSTED_PROXY_HOPS reverse proxies (Caddy
    on the droplet: 1) the address the outermost of them saw, from X-Forwarded-For (the
    entries the client sent itself come before the ones our proxies appended, so they are
    never taken)."""
    address = request.client.host if request.client else None
    hops = get_settings().trusted_proxy_hops
    if hops:
        forwarded = request.headers.get("x-forwarded-for", "")
        chain = [part.strip() for part in forwarded.split(",") if part.strip()]
        if len(chain) >= hops:
            address = chain[-hops]
    return address


async def reject_bad_characters(request: Request) -> None:
    """Every route: ids and other values in the path, the query and the Idempotency-Key
    header may hold no control or invisible formatting character (400 naming the field)."""
    for name, value in request.path_params.items():
        check_characters(value, name)
    for name, value in request.query_params.multi_items():
        check_characters(name, "query parameter name")
        check_characters(value, name)
    check_characters(request.headers.get("idempotency-key"), "Idempotency-Key")
