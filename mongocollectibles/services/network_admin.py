"""The owner's network: stores (shown to customers), warehouses and the distance matrix.

Every edit is checked against the domain rules (>= 3 active stores, a whole, non-negative
distance from every active warehouse to every active store) on the network as it would be
after the edit, with a message per cell; when anything is wrong nothing is saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlmodel import Session, col, select

from mongocollectibles.domain.network import matrix_problems
from mongocollectibles.domain.problems import Problem, ProblemsFound
from mongocollectibles.models import Distance, Store, Warehouse
from mongocollectibles.services import catalog_version
from mongocollectibles.services.admin_checks import id_problem, text_problem
from mongocollectibles.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class StoreRow:
    id: str
    name: str
    address: str
    opening_hours: str
    active: bool


@dataclass(frozen=True)
class WarehouseRow:
    id: str
    name: str
    active: bool


@dataclass(frozen=True)
class NetworkView:
    stores: tuple[StoreRow, ...]
    warehouses: tuple[WarehouseRow, ...]
    distances: dict[str, dict[str, int]]  # warehouse id -> store id -> km


def store_problems(
    *, name: object, address: object, opening_hours: object, where: str = ""
) -> list[Problem]:
    prefix = f"{where}." if where else ""
    found = [
        text_problem(name, f"{prefix}name", 200),
        text_problem(address, f"{prefix}address", 500),
        text_problem(opening_hours, f"{prefix}opening_hours", 300, required=False),
    ]
    return [p for p in found if p is not None]


def _read(session: Session) -> NetworkView:
    stores = session.exec(select(Store).order_by(col(Store.id))).all()
    warehouses = session.exec(select(Warehouse).order_by(col(Warehouse.id))).all()
    distances: dict[str, dict[str, int]] = {}
    for d in session.exec(select(Distance)).all():
        distances.setdefault(d.warehouse_id, {})[d.store_id] = d.km
    return NetworkView(
        stores=tuple(StoreRow(s.id, s.name, s.address, s.opening_hours, s.active) for s in stores),
        warehouses=tuple(WarehouseRow(w.id, w.name, w.active) for w in warehouses),
        distances=distances,
    )


async def get_network(*, uow: UnitOfWork) -> NetworkView:
    return await uow.run(_read)


def stored_problems(session: Session) -> list[Problem]:
    """The stored network (as the transaction sees it) against the rules, per cell."""
    session.flush()
    stores = session.exec(select(Store.id).where(col(Store.active))).all()
    warehouses = session.exec(select(Warehouse.id).where(col(Warehouse.active))).all()
    cells: dict[tuple[str, str], object] = {
        (d.warehouse_id, d.store_id): d.km for d in session.exec(select(Distance)).all()
    }
    _, problems = matrix_problems(stores, warehouses, cells)
    return problems


def _check_and_announce(session: Session) -> None:
    problems = stored_problems(session)
    if problems:
        raise ProblemsFound(problems)  # the unit of work rolls everything back
    catalog_version.changed(session)


def write_distances(session: Session, distances: Mapping[tuple[str, str], int]) -> None:
    """Upsert checked distances {(warehouse, store): km} in the caller's transaction."""
    for (warehouse_id, store_id), km in distances.items():
        row = session.get(Distance, (warehouse_id, store_id))
        if row is None:
            session.add(Distance(warehouse_id=warehouse_id, store_id=store_id, km=km))
        elif row.km != km:
            row.km = km
            session.add(row)


def _cells(
    session: Session,
    values: Mapping[str, object] | None,
    *,
    warehouse: str | None = None,
    store: str | None = None,
    where: str,
) -> tuple[dict[tuple[str, str], int], list[Problem]]:
    """Parse one row (a warehouse's distances by store) or one column (a store's by warehouse)."""
    if values is None:
        return {}, []
    known_stores = set(session.exec(select(Store.id)).all())
    known_warehouses = set(session.exec(select(Warehouse.id)).all())
    raw: dict[tuple[str, str], object] = {}
    problems: list[Problem] = []
    for other, value in values.items():
        pair = (warehouse, other) if warehouse is not None else (other, store)
        if (warehouse is not None and other not in known_stores) or (
            store is not None and other not in known_warehouses
        ):
            problems.append(
                Problem(
                    f"{where}.{other}",
                    f"Unknown {'store' if warehouse else 'warehouse'} {other!r}.",
                )
            )
            continue
        raw[(str(pair[0]), str(pair[1]))] = value
    parsed, cell_problems = matrix_problems((), (), raw, where="distances")
    # matrix_problems with no active ids only parses; the "3 stores" rule is checked later.
    cell_problems = [p for p in cell_problems if p.where != "stores"]
    return parsed, problems + cell_problems


def _save_store(
    session: Session,
    store_id: str,
    name: str,
    address: str,
    opening_hours: str,
    active: bool,
    distances: Mapping[str, object] | None,
) -> StoreRow:
    problems = [p for p in [id_problem(store_id, "id")] if p is not None]
    problems += store_problems(name=name, address=address, opening_hours=opening_hours)
    if problems:
        raise ProblemsFound(problems)
    store = session.get(Store, store_id)
    if store is None:
        store = Store(id=store_id, name=name, address=address)
    store.name, store.address = name.strip(), address.strip()
    store.opening_hours, store.active = opening_hours.strip(), active
    session.add(store)
    session.flush()
    parsed, problems = _cells(session, distances, store=store_id, where="distances")
    if problems:
        raise ProblemsFound(problems)
    write_distances(session, parsed)
    _check_and_announce(session)
    return StoreRow(store.id, store.name, store.address, store.opening_hours, store.active)


async def save_store(
    store_id: str,
    *,
    name: str,
    address: str,
    opening_hours: str = "",
    active: bool = True,
    distances: Mapping[str, object] | None = None,
    uow: UnitOfWork,
) -> StoreRow:
    """Create or change a store; `distances`: km from each warehouse (a new store needs one
    from every active warehouse). Refused, with nothing saved, when the network breaks a rule
    (e.g. fewer than 3 active stores after deactivating one)."""
    return await uow.run(_save_store, store_id, name, address, opening_hours, active, distances)


def _save_warehouse(
    session: Session,
    warehouse_id: str,
    name: str,
    active: bool,
    distances: Mapping[str, object] | None,
) -> WarehouseRow:
    problems = [p for p in [id_problem(warehouse_id, "id"), text_problem(name, "name", 200)] if p]
    if problems:
        raise ProblemsFound(problems)
    warehouse = session.get(Warehouse, warehouse_id)
    if warehouse is None:
        warehouse = Warehouse(id=warehouse_id, name=name)
    warehouse.name, warehouse.active = name.strip(), active
    session.add(warehouse)
    session.flush()
    parsed, problems = _cells(session, distances, warehouse=warehouse_id, where="distances")
    if problems:
        raise ProblemsFound(problems)
    write_distances(session, parsed)
    _check_and_announce(session)
    return WarehouseRow(warehouse.id, warehouse.name, warehouse.active)


async def save_warehouse(
    warehouse_id: str,
    *,
    name: str,
    active: bool = True,
    distances: Mapping[str, object] | None = None,
    uow: UnitOfWork,
) -> WarehouseRow:
    """Create or change a warehouse; `distances`: km to each store (a new warehouse needs
    one to every active store)."""
    return await uow.run(_save_warehouse, warehouse_id, name, active, distances)


def _save_matrix(session: Session, matrix: Mapping[str, Mapping[str, object]]) -> NetworkView:
    stores = {s.id: s for s in session.exec(select(Store)).all()}
    warehouses = {w.id: w for w in session.exec(select(Warehouse)).all()}
    problems: list[Problem] = []
    raw: dict[tuple[str, str], object] = {}
    for warehouse_id, row in matrix.items():
        if warehouse_id not in warehouses:
            problems.append(
                Problem(f"distances.{warehouse_id}", f"Unknown warehouse {warehouse_id!r}.")
            )
            continue
        if not isinstance(row, Mapping):
            problems.append(Problem(f"distances.{warehouse_id}", "Must map store ids to km."))
            continue
        for store_id, value in row.items():
            if store_id not in stores:
                problems.append(
                    Problem(f"distances.{warehouse_id}.{store_id}", f"Unknown store {store_id!r}.")
                )
                continue
            raw[(warehouse_id, store_id)] = value
    # The matrix given must be whole: every active warehouse to every active store.
    parsed, cell_problems = matrix_problems(
        [s for s, row in stores.items() if row.active],
        [w for w, row in warehouses.items() if row.active],
        raw,
    )
    problems += cell_problems
    if problems:
        raise ProblemsFound(problems)
    write_distances(session, parsed)
    _check_and_announce(session)
    return _read(session)


async def save_distance_matrix(
    matrix: Mapping[str, Mapping[str, object]], *, uow: UnitOfWork
) -> NetworkView:
    """Replace the distances: {warehouse id: {store id: km}} with a cell for every active
    warehouse and store; each wrong or missing cell is named, nothing saved unless all are
    right."""
    return await uow.run(_save_matrix, matrix)
