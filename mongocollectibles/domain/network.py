"""Rules for the store/warehouse network the shop ships through."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from mongocollectibles.domain.errors import NetworkInvalid

MIN_ACTIVE_STORES = 3


def network_problems(
    active_store_ids: Iterable[str],
    active_warehouse_ids: Iterable[str],
    distances: Mapping[tuple[str, str], int],
) -> list[str]:
    """Everything wrong with the network; empty when it is usable.

    `distances` maps (warehouse_id, store_id) to kilometres.
    """
    stores = sorted(set(active_store_ids))
    problems = []
    if len(stores) < MIN_ACTIVE_STORES:
        problems.append(
            f"At least {MIN_ACTIVE_STORES} active stores are required; there are {len(stores)}."
        )
    for warehouse in sorted(set(active_warehouse_ids)):
        for store in stores:
            km = distances.get((warehouse, store))
            if km is None:
                problems.append(f"Warehouse {warehouse} has no distance to store {store}.")
            elif not isinstance(km, int) or isinstance(km, bool) or km < 0:
                problems.append(
                    f"Distance from warehouse {warehouse} to store {store} must be a "
                    f"non-negative whole number of km (got {km!r})."
                )
    return problems


def validate_network(
    active_store_ids: Iterable[str],
    active_warehouse_ids: Iterable[str],
    distances: Mapping[tuple[str, str], int],
) -> None:
    problems = network_problems(active_store_ids, active_warehouse_ids, distances)
    if problems:
        raise NetworkInvalid(" ".join(problems))
