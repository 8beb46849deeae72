"""The background hold sweeper as the owner sees it: unpaid holds past their time are let go
on the next pass, a failing pass is logged and the loop carries on. On SQLite and PostgreSQL,
with a fake gateway."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from mongocollectibles.models import Rental, utcnow
from mongocollectibles.services import checkout, expiry
from tests.support.fakes import FakeGateway
from tests.support.orders import another_customer, order


def statuses(uow, ids) -> list[str]:
    return uow.call(lambda session: [session.get_one(Rental, i).status for i in ids])


async def test_the_sweeper_lets_go_of_due_holds_and_survives_a_failing_pass(uow, caplog):
    gateway = FakeGateway()
    ids = [
        (
            await checkout.start_checkout(
                order(customer=another_customer()), gateway=gateway, uow=uow
            )
        ).rental_id
        for _ in range(2)
    ]

    def run_out(session) -> None:  # both holds ran out a minute ago
        for rental_id in ids:
            session.get_one(Rental, rental_id).hold_expires_at = utcnow() - timedelta(minutes=1)

    uow.call(run_out)
    passes = []

    def gateway_factory():  # noqa: ANN202
        passes.append(1)
        if len(passes) == 1:
            raise RuntimeError("database restarting")
        return gateway

    with caplog.at_level("INFO", logger="mongocollectibles.services.expiry"):
        task = asyncio.create_task(expiry.run_sweeper(gateway_factory, 0.05, uow=uow))
        try:
            for _ in range(200):
                if "expired 2 unpaid holds" in caplog.messages:  # the pass has ended
                    break
                await asyncio.sleep(0.05)
        finally:
            task.cancel()
    assert statuses(uow, ids) == ["expired", "expired"]
    assert "hold expiry sweep failed; retrying" in caplog.messages
    assert "expired 2 unpaid holds" in caplog.messages
    assert sorted(gateway.expired) == ["cs_fake1", "cs_fake2"]  # their payment pages closed
