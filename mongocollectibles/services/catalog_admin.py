"""The owner's catalog: create, edit, archive and restore collectibles.

A collectible that rentals reference is never deleted (archived instead: hidden from the
storefront, its rentals untouched). Every change moves the catalog version
(`services.catalog_version`), so the storefront shows it at once in every worker.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from mongocollectibles.domain.errors import Conflict, NotFound
from mongocollectibles.domain.pricing import SIZE_LABELS, SIZES
from mongocollectibles.domain.problems import Problem, ProblemsFound
from mongocollectibles.models import Collectible, Rental, Unit, UnitBlock
from mongocollectibles.services import catalog_version
from mongocollectibles.services.admin_checks import id_problem, text_problem
from mongocollectibles.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class CollectibleRow:
    id: str
    name: str
    description: str
    size: str
    image_url: str
    active: bool
    units: int  # active units, all warehouses
    rentals: int  # rentals that reference it (any status)


def collectible_problems(
    *, name: object, description: object, size: object, image_url: object, where: str = ""
) -> list[Problem]:
    prefix = f"{where}." if where else ""
    problems = [
        text_problem(name, f"{prefix}name", 200),
        text_problem(description, f"{prefix}description", 2000, required=False),
        text_problem(image_url, f"{prefix}image_url", 500, required=False),
    ]
    if size not in SIZES:
        sizes = ", ".join(f"{s} ({SIZE_LABELS[s]})" for s in SIZES)
        problems.append(Problem(f"{prefix}size", f"Unknown size {size!r}; one of {sizes}."))
    return [p for p in problems if p is not None]


def _row(session: Session, c: Collectible) -> CollectibleRow:
    units = session.exec(
        select(func.count()).where(col(Unit.collectible_id) == c.id, col(Unit.active))
    ).one()
    rentals = session.exec(select(func.count()).where(col(Rental.collectible_id) == c.id)).one()
    return CollectibleRow(
        c.id, c.name, c.description, c.size, c.image_url, c.active, int(units), int(rentals)
    )


def _get(session: Session, collectible_id: str) -> Collectible:
    found = session.get(Collectible, collectible_id) if isinstance(collectible_id, str) else None
    if found is None:
        raise NotFound(f"Collectible {collectible_id!r} not found.")
    return found


def _create(
    session: Session, collectible_id: str, name: str, description: str, size: str, image_url: str
) -> CollectibleRow:
    problems = [
        p
        for p in [id_problem(collectible_id, "id")]
        + collectible_problems(name=name, description=description, size=size, image_url=image_url)
        if p is not None
    ]
    if not problems and session.get(Collectible, collectible_id) is not None:
        problems.append(Problem("id", f"A collectible with id {collectible_id!r} exists already."))
    if problems:
        raise ProblemsFound(problems)
    c = Collectible(
        id=collectible_id,
        name=name.strip(),
        description=description.strip(),
        size=size,
        image_url=image_url.strip(),
    )
    session.add(c)
    session.flush()
    catalog_version.changed(session)
    return _row(session, c)


async def create_collectible(
    collectible_id: str,
    *,
    name: str,
    size: str,
    description: str = "",
    image_url: str = "",
    uow: UnitOfWork,
) -> CollectibleRow:
    """A new collectible (no units yet: add them with units_admin.add_units)."""
    return await uow.run(_create, collectible_id, name, description, size, image_url)


def _edit(
    session: Session,
    collectible_id: str,
    name: str | None,
    description: str | None,
    size: str | None,
    image_url: str | None,
) -> CollectibleRow:
    c = _get(session, collectible_id)
    new_name = c.name if name is None else name
    new_description = c.description if description is None else description
    new_size = c.size if size is None else size
    new_image = c.image_url if image_url is None else image_url
    problems = collectible_problems(
        name=new_name, description=new_description, size=new_size, image_url=new_image
    )
    if problems:
        raise ProblemsFound(problems)
    c.name, c.description = new_name.strip(), new_description.strip()
    c.size, c.image_url = new_size, new_image.strip()
    session.add(c)
    session.flush()
    catalog_version.changed(session)
    return _row(session, c)


async def edit_collectible(
    collectible_id: str,
    *,
    name: str | None = None,
    description: str | None = None,
    size: str | None = None,
    image_url: str | None = None,
    uow: UnitOfWork,
) -> CollectibleRow:
    """Change what is given (None: keep). Existing rentals keep their name and price."""
    return await uow.run(_edit, collectible_id, name, description, size, image_url)


def get_row(session: Session, collectible_id: str) -> CollectibleRow:
    return _row(session, _get(session, collectible_id))


async def get_collectible(collectible_id: str, *, uow: UnitOfWork) -> CollectibleRow:
    """One collectible, archived or not (NotFound when there is none)."""
    return await uow.run(get_row, collectible_id)


def set_image(session: Session, collectible_id: str, image_url: str) -> CollectibleRow:
    c = _get(session, collectible_id)
    if c.image_url != image_url:
        c.image_url = image_url
        session.add(c)
        session.flush()
        catalog_version.changed(session)
    return _row(session, c)


def set_active(session: Session, collectible_id: str, active: bool) -> CollectibleRow:
    c = _get(session, collectible_id)
    if c.active != active:
        c.active = active
        session.add(c)
        session.flush()
        catalog_version.changed(session)
    return _row(session, c)


async def archive_collectible(collectible_id: str, *, uow: UnitOfWork) -> CollectibleRow:
    """Hide it from the storefront (rentals in progress go on as they are)."""
    return await uow.run(set_active, collectible_id, False)


async def restore_collectible(collectible_id: str, *, uow: UnitOfWork) -> CollectibleRow:
    return await uow.run(set_active, collectible_id, True)


def _delete(session: Session, collectible_id: str) -> None:
    c = _get(session, collectible_id)
    rentals = session.exec(select(func.count()).where(col(Rental.collectible_id) == c.id)).one()
    if rentals:
        raise Conflict(
            f"Collectible {c.id!r} has {rentals} rental(s) on record and cannot be deleted; "
            "archive it instead."
        )
    unit_ids = select(Unit.id).where(col(Unit.collectible_id) == c.id)
    session.execute(delete(UnitBlock).where(col(UnitBlock.unit_id).in_(unit_ids)))
    session.execute(delete(Unit).where(col(Unit.collectible_id) == c.id))
    session.delete(c)
    session.flush()
    catalog_version.changed(session)


async def delete_collectible(collectible_id: str, *, uow: UnitOfWork) -> None:
    """Delete a collectible never rented (a mistake); Conflict when rentals reference it."""
    await uow.run(_delete, collectible_id)


def _list(session: Session, include_archived: bool) -> list[CollectibleRow]:
    query = select(Collectible).order_by(col(Collectible.id))
    if not include_archived:
        query = query.where(col(Collectible.active))
    return [_row(session, c) for c in session.exec(query).all()]


async def list_collectibles(
    *, include_archived: bool = True, uow: UnitOfWork
) -> list[CollectibleRow]:
    return await uow.run(_list, include_archived)
