"""Hold (or release) a unit from a process of its own, as another worker or droplet would:
`python -m bench.hold_elsewhere DATABASE_URL book COLLECTIBLE_ID` prints the wall-clock time
right after the commit and the rental's id; `... cancel RENTAL_ID` releases it.

(bench/memory.py uses it for the hold -> tab latency from another process.)
"""

from __future__ import annotations

import os
import sys
import time
import uuid


def main() -> None:
    os.environ.setdefault("ENVIRONMENT", "test")
    os.environ["CHECKOUT_LIMITS_ENABLED"] = "false"
    from mongocollectibles.domain import status
    from mongocollectibles.domain.customer import parse_customer
    from mongocollectibles.services import checkout, lifecycle
    from mongocollectibles.services.unit_of_work import UnitOfWork

    url, action, what = sys.argv[1:4]
    uow = UnitOfWork(url)
    if action == "book":
        customer = {
            "name": "Bench Shopper",
            "email": f"bench-{uuid.uuid4().hex[:8]}@example.com",
            "phone": "0917 555 0199",
            "address": "1 Bench Street",
            "city": "Manila",
            "postal_code": "1000",
        }
        order = checkout.Order(
            collectible_id=what,
            store_id="store-a",
            duration_days=2,
            payment_method="gcash",
            customer=parse_customer(customer),
            pickup_date=None,
        )
        with uow() as session:
            rental = checkout.create_pending_rental(session, order, None)
        print(f"{time.time():.6f} {rental.id}", flush=True)
    else:
        with uow() as session:
            rental = lifecycle.load_for_update(session, what)
            lifecycle.transition(session, rental, status.CANCELLED, "bench", "Released.")
        print(f"{time.time():.6f} {what}", flush=True)


if __name__ == "__main__":
    main()
