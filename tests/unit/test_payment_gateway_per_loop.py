"""The shop's payment client: one connection pool per event loop, released at shutdown so that
an app started again in the same loop gets a live client, never the closed one."""

from __future__ import annotations

import pytest

from mongocollectibles.payments import PaymentGateway
from mongocollectibles.services.payment_gateway import close_gateway, get_gateway


@pytest.mark.asyncio
async def test_one_client_per_loop_and_a_new_one_after_shutdown():
    await close_gateway()  # an app that shuts down before any payment call closes nothing
    first = get_gateway()
    assert isinstance(first, PaymentGateway)
    assert get_gateway() is first  # every request of this loop shares its pool
    await close_gateway()  # the app shuts down
    with pytest.raises(RuntimeError, match="client has been closed"):
        await first.retrieve_checkout_session("cs_after_shutdown")  # its pool is released
    second = get_gateway()  # and starts again in the same loop
    assert second is not first
    assert get_gateway() is second
    await close_gateway()
    await close_gateway()  # nothing left to close is fine
    assert get_gateway() not in (first, second)
    await close_gateway()
