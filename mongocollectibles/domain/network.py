"""Rules for the store/warehouse network the shop ships through."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from mongocollectibles.domain.errors import InvalidInput, NetworkInvalid
from mongocollectibles.domain.problems import Problem

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


def parse_distance(value: object) -> int:
    """One cell of the distance matrix: a whole number of km (= days of shipping), >= 0.

    Raises InvalidInput with a message fit to show next to the cell.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidInput("A distance is required (a whole number of km).")
    if isinstance(value, bool) or isinstance(value, float) and not value.is_integer():
        raise InvalidInput(f"Must be a whole number of km (got {value!r}).")
    if isinstance(value, float):
        value = int(value)
    if isinstance(value, str):
        text = value.strip()
        if not text.lstrip("-").isdigit():
            raise InvalidInput(f"Must be a whole number of km (got {value!r}).")
        value = int(text)
    if not isinstance(value, int):
        raise InvalidInput(f"Must be a whole number of km (got {value!r}).")
    if value < 0:
        raise InvalidInput(f"Must not be negative (got {value}).")
    return value


def matrix_problems(
    active_store_ids: Iterable[str],
    active_warehouse_ids: Iterable[str],
    cells: Mapping[tuple[str, str], object],
    where: str = "distances",
) -> tuple[dict[tuple[str, str], int], list[Problem]]:
    """Check a whole distance matrix, cell by cell: ({(warehouse, store): km}, problems).

    `cells` maps (warehouse_id, store_id) to the raw value entered; every active pair needs
    one. Each problem names its cell as `{where}.{warehouse}.{store}`; nothing is usable
    unless the problem list is empty.
    """
    stores = sorted(set(active_store_ids))
    warehouses = sorted(set(active_warehouse_ids))
    problems: list[Problem] = []
    if len(stores) < MIN_ACTIVE_STORES:
        problems.append(
            Problem(
                "stores",
                f"At least {MIN_ACTIVE_STORES} active stores are required; "
                f"there are {len(stores)}.",
            )
        )
    parsed: dict[tuple[str, str], int] = {}
    for (warehouse, store), value in sorted(cells.items()):
        try:
            parsed[(warehouse, store)] = parse_distance(value)
        except InvalidInput as error:
            problems.append(Problem(f"{where}.{warehouse}.{store}", error.message))
    for warehouse in warehouses:
        for store in stores:
            if (warehouse, store) not in cells:
                problems.append(
                    Problem(
                        f"{where}.{warehouse}.{store}",
                        f"Missing: warehouse {warehouse} needs a distance to store {store}.",
                    )
                )
    return parsed, problems
