"""Which unit ships when warehouses are equally near: the owner must be able to tell in advance
(nearest, then warehouse id, then unit id), whatever order the rows were written in. Real
holds through the checkout, on SQLite and PostgreSQL."""

from __future__ import annotations

from mongocollectibles.models import Distance, Rental, Unit, Warehouse
from mongocollectibles.services import catalog_snapshot, checkout
from tests.support.fakes import FakeGateway
from tests.support.orders import order


def add_tied_warehouses(uow) -> None:
    """Two more warehouses 1 km from store-b (as near as wh-north), written in reverse order,
    with two units of col-001 each, also written in reverse order."""
    with uow() as session:
        for wid in ("wh-zeta", "wh-alpha"):
            session.add(Warehouse(id=wid, name=wid))
            session.flush()
            for store_id, km in (("store-a", 9), ("store-b", 1), ("store-c", 9)):
                session.add(Distance(warehouse_id=wid, store_id=store_id, km=km))
            for uid in (f"col-001-{wid}-2", f"col-001-{wid}-1"):
                session.add(Unit(id=uid, collectible_id="col-001", warehouse_id=wid))
        session.flush()
        catalog_snapshot.invalidate(session)


async def test_equally_near_units_ship_in_warehouse_then_unit_order(uow):
    add_tied_warehouses(uow)
    gateway = FakeGateway()
    taken = []
    for _ in range(6):
        result = await checkout.start_checkout(
            order(collectible_id="col-001", store_id="store-b"), gateway=gateway, uow=uow
        )
        rental = uow.call(lambda session, rid=result.rental_id: session.get(Rental, rid))
        taken.append((rental.warehouse_id, rental.unit_id, rental.eta_days))
    assert taken == [
        ("wh-alpha", "col-001-wh-alpha-1", 1),
        ("wh-alpha", "col-001-wh-alpha-2", 1),
        ("wh-north", "col-001-wh-north", 1),
        ("wh-zeta", "col-001-wh-zeta-1", 1),
        ("wh-zeta", "col-001-wh-zeta-2", 1),
        ("wh-east", "col-001-wh-east", 4),  # only then the next nearest
    ]
