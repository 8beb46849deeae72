"""The owner's Network page: each problem named when stores, warehouses or the distance
matrix are saved (message and the field or cell the form highlights), edits of an existing
warehouse, and the order the page lists them in; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from mongocollectibles.domain.problems import ProblemsFound
from mongocollectibles.services import network_admin
from mongocollectibles.services.admin_checks import ID_RULE
from mongocollectibles.services.unit_of_work import UnitOfWork

SEED_DISTANCES = {
    "wh-north": {"store-a": 5, "store-b": 1, "store-c": 10},
    "wh-south": {"store-a": 8, "store-b": 12, "store-c": 1},
    "wh-east": {"store-a": 6, "store-b": 4, "store-c": 3},
    "wh-west": {"store-a": 1, "store-b": 6, "store-c": 6},
}
FROM_EVERY_WAREHOUSE = {"wh-north": 2, "wh-south": 3, "wh-east": 4, "wh-west": 5}
TO_EVERY_STORE = {"store-a": 1, "store-b": 2, "store-c": 3}


def named(refused: pytest.ExceptionInfo[ProblemsFound]) -> list[tuple[str, str]]:
    """What the form shows: (the field or cell highlighted, its message), in order."""
    return [(p.where, p.message) for p in refused.value.problems]


async def unchanged(uow: UnitOfWork) -> None:
    network = await network_admin.get_network(uow=uow)
    assert [s.id for s in network.stores] == ["store-a", "store-b", "store-c"]
    assert [w.id for w in network.warehouses] == ["wh-east", "wh-north", "wh-south", "wh-west"]
    assert network.distances == SEED_DISTANCES


# ---------------------------------------------------------------------- distance matrix


async def test_a_matrix_names_unknown_ids_and_rows_that_are_not_rows(uow):
    matrix: dict[str, object] = {
        "wh-zz": {"store-a": 1},
        "wh-north": 5,
        "wh-south": {"store-zz": 3, **SEED_DISTANCES["wh-south"]},
        "wh-east": SEED_DISTANCES["wh-east"],
        "wh-west": SEED_DISTANCES["wh-west"],
    }
    with pytest.raises(ProblemsFound) as refused:
        await network_admin.save_distance_matrix(matrix, uow=uow)  # type: ignore[arg-type]
    assert named(refused) == [
        ("distances.wh-zz", "Unknown warehouse 'wh-zz'."),
        ("distances.wh-north", "Must map store ids to km."),
        ("distances.wh-south.store-zz", "Unknown store 'store-zz'."),
    ] + [
        (
            f"distances.wh-north.{store}",
            f"Missing: warehouse wh-north needs a distance to store {store}.",
        )
        for store in ("store-a", "store-b", "store-c")
    ]
    await unchanged(uow)


# ------------------------------------------------------------------------------- stores


async def test_a_store_with_a_bad_id_and_no_name_names_both_fields(uow):
    with pytest.raises(ProblemsFound) as refused:
        await network_admin.save_store(
            "Store D", name=" ", address="1 Ayala Ave", distances=FROM_EVERY_WAREHOUSE, uow=uow
        )
    assert named(refused) == [
        ("id", f"An id must be {ID_RULE} (got 'Store D')."),
        ("name", "Required."),
    ]
    await unchanged(uow)


async def test_a_stores_distances_name_unknown_warehouses_and_bad_cells(uow):
    with pytest.raises(ProblemsFound) as refused:
        await network_admin.save_store(
            "store-d",
            name="Store D",
            address="1 Ayala Ave",
            distances={"wh-zz": 1, "wh-yy": 2, **FROM_EVERY_WAREHOUSE},
            uow=uow,
        )
    assert named(refused) == [
        ("distances.wh-zz", "Unknown warehouse 'wh-zz'."),
        ("distances.wh-yy", "Unknown warehouse 'wh-yy'."),
    ]
    with pytest.raises(ProblemsFound) as refused:
        await network_admin.save_store(
            "store-d",
            name="Store D",
            address="1 Ayala Ave",
            distances={**FROM_EVERY_WAREHOUSE, "wh-east": "-2"},
            uow=uow,
        )
    assert named(refused) == [("distances.wh-east.store-d", "Must not be negative (got -2).")]
    await unchanged(uow)


# --------------------------------------------------------------------------- warehouses


async def test_a_warehouse_with_a_bad_id_and_a_long_name_names_both_fields(uow):
    with pytest.raises(ProblemsFound) as refused:
        await network_admin.save_warehouse(
            "WH Pasay", name="n" * 201, distances=TO_EVERY_STORE, uow=uow
        )
    assert named(refused) == [
        ("id", f"An id must be {ID_RULE} (got 'WH Pasay')."),
        ("name", "At most 200 characters (got 201)."),
    ]
    await unchanged(uow)
    row = await network_admin.save_warehouse(
        "wh-pasay", name="n" * 200, distances=TO_EVERY_STORE, uow=uow
    )
    assert row.name == "n" * 200


async def test_a_warehouses_distances_name_unknown_stores_and_bad_cells(uow):
    with pytest.raises(ProblemsFound) as refused:
        await network_admin.save_warehouse(
            "wh-pasay",
            name="Warehouse Pasay",
            distances={"store-zz": 1, "store-yy": 2, **TO_EVERY_STORE},
            uow=uow,
        )
    assert named(refused) == [
        ("distances.store-zz", "Unknown store 'store-zz'."),
        ("distances.store-yy", "Unknown store 'store-yy'."),
    ]
    with pytest.raises(ProblemsFound) as refused:
        await network_admin.save_warehouse(
            "wh-pasay",
            name="Warehouse Pasay",
            distances={**TO_EVERY_STORE, "store-b": 2.5},
            uow=uow,
        )
    assert named(refused) == [
        ("distances.wh-pasay.store-b", "Must be a whole number of km (got 2.5).")
    ]
    await unchanged(uow)


async def test_an_existing_warehouse_is_renamed_and_closed(uow):
    row = await network_admin.save_warehouse(
        "wh-north", name=" Warehouse North (Caloocan) ", active=False, uow=uow
    )
    assert (row.name, row.active) == ("Warehouse North (Caloocan)", False)
    network = await network_admin.get_network(uow=uow)
    north = next(w for w in network.warehouses if w.id == "wh-north")
    assert (north.name, north.active) == ("Warehouse North (Caloocan)", False)
    assert network.distances == SEED_DISTANCES  # its distances are kept for when it reopens


async def test_the_network_page_lists_stores_and_warehouses_by_id(uow):
    await network_admin.save_store(
        "store-0", name="Zapote Store", address="Zapote Rd", distances=FROM_EVERY_WAREHOUSE, uow=uow
    )
    await network_admin.save_warehouse(
        "wh-0", name="Warehouse Zero", distances={**TO_EVERY_STORE, "store-0": 4}, uow=uow
    )
    network = await network_admin.get_network(uow=uow)
    assert [s.id for s in network.stores] == ["store-0", "store-a", "store-b", "store-c"]
    assert [w.id for w in network.warehouses] == [
        "wh-0",
        "wh-east",
        "wh-north",
        "wh-south",
        "wh-west",
    ]
