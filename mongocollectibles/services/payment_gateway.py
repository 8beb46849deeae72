"""The configured payment gateway: PayMongo, or the local sandbox when no keys are set."""

from __future__ import annotations

import asyncio
import weakref

from mongocollectibles.payments import PaymentGateway
from mongocollectibles.payments.registry import aclose_gateway, create_gateway
from mongocollectibles.settings import get_settings

# One client (one httpx connection pool) per event loop: clients are bound to their loop, and
# a client must never outlive its loop (a new loop may reuse a dead one's id()).
_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, PaymentGateway] = (
    weakref.WeakKeyDictionary()
)


def get_gateway() -> PaymentGateway:
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None:
        settings = get_settings()
        client = create_gateway(
            "paymongo",  # the local sandbox speaks PayMongo's API too
            secret_key=settings.secret_key,
            base_url=settings.gateway_base_url,
            timeout=settings.paymongo_timeout_seconds,
        )
        _clients[loop] = client
    return client


async def close_gateway() -> None:
    client = _clients.pop(asyncio.get_running_loop(), None)
    if client is not None:
        await aclose_gateway(client)
