"""The whole catalog and network as one JSON document: export, check, import.

Format (`docs/catalog-file.md` describes it for shop owners):

    {
      "format": "mongocollectibles.catalog", "version": 1,
      "pricing": {"rate_s_centavos": 100000, "rate_m_centavos": 500000,
                  "rate_l_centavos": 1000000, "special_threshold_days": 7,
                  "special_multiplier_percent": 200, "turnaround_days": 1},
      "stores": [{"id": "store-a", "name": "...", "address": "...",
                  "opening_hours": "Mon-Sun 10:00-21:00", "active": true}, ...],
      "warehouses": [{"id": "wh-north", "name": "...", "active": true}, ...],
      "distances": {"wh-north": {"store-a": 5, ...}, ...},      # km = days of shipping
      "collectibles": [{"id": "col-001", "name": "...", "size": "S", "description": "...",
                        "image_url": "/collectibles/col-001.svg",   # or "image_file":
                        "active": true,                              #   "images/col-001.png"
                        "units": {"wh-north": 1, ...}}, ...]         # active units
    }

Importing makes the database match the file: rows are added or changed, stores and
warehouses missing from the file are deactivated and collectibles archived (never
deleted: rentals reference them), unit counts reached by adding units or retiring free ones.
Everything is checked first, against the rules and the database (a unit on a rental cannot
be retired); when anything is wrong nothing is written and every problem is listed with
where it is. Importing the same file twice changes nothing the second time.

The demo data is such a file (mongocollectibles/data/demo-shop.json); the seed loads it in
`only_missing` mode: rows that exist are left as the owner set them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from mongocollectibles.domain.network import matrix_problems
from mongocollectibles.domain.problems import Problem, ProblemsFound
from mongocollectibles.domain.reservations import shop_today
from mongocollectibles.models import Collectible, Distance, PricingSettings, Store, Unit, Warehouse
from mongocollectibles.services import catalog_version, images, reservations, units_admin
from mongocollectibles.services.admin_checks import id_problem, whole_number
from mongocollectibles.services.catalog_admin import collectible_problems
from mongocollectibles.services.network_admin import store_problems
from mongocollectibles.services.pricing_admin import SETTINGS, apply_pricing, pricing_problems
from mongocollectibles.storage import ImageStorage

FORMAT = "mongocollectibles.catalog"
VERSION = 1
MAX_UNITS_PER_PLACE = 100_000
DEMO_FILE = Path(__file__).resolve().parent.parent / "data" / "demo-shop.json"

_TOP_KEYS = {"format", "version", "pricing", "stores", "warehouses", "distances", "collectibles"}
_STORE_KEYS = {"id", "name", "address", "opening_hours", "active"}
_WAREHOUSE_KEYS = {"id", "name", "active"}
_COLLECTIBLE_KEYS = {
    "id",
    "name",
    "size",
    "description",
    "image_url",
    "image_file",
    "active",
    "units",
}


@dataclass
class Plan:
    """A checked document, ready to apply."""

    pricing: dict[str, int]
    stores: list[dict[str, Any]]
    warehouses: list[dict[str, Any]]
    distances: dict[tuple[str, str], int]
    collectibles: list[dict[str, Any]]
    units: dict[tuple[str, str], int]  # (collectible, warehouse) -> active units wanted
    image_files: dict[str, Path] = field(default_factory=dict)  # collectible id -> file


@dataclass(frozen=True)
class ImportResult:
    changes: tuple[str, ...]  # what was done, one line each (empty: nothing to do)


# --------------------------------------------------------------------------- export


def export_document(
    session: Session, images_to: tuple[ImageStorage, Path, Path] | None = None
) -> dict[str, Any]:
    """The catalog and network as a document (sorted by id: stable, diffable).

    `images_to` = (storage, folder, the document's folder): images kept in `storage` are
    written to `folder` and named as `image_file` (relative to the document) instead of
    their URL, so the file carries them to another shop or storage.
    """
    pricing = session.get(PricingSettings, 1) or PricingSettings(id=1)
    stores = session.exec(select(Store).order_by(col(Store.id))).all()
    warehouses = session.exec(select(Warehouse).order_by(col(Warehouse.id))).all()
    distances: dict[str, dict[str, int]] = {w.id: {} for w in warehouses}
    for d in session.exec(
        select(Distance).order_by(col(Distance.warehouse_id), col(Distance.store_id))
    ).all():
        distances.setdefault(d.warehouse_id, {})[d.store_id] = d.km
    counts = units_admin.active_unit_counts(session)
    collectibles = []
    for c in session.exec(select(Collectible).order_by(col(Collectible.id))).all():
        image: dict[str, str] = {"image_url": c.image_url}
        if images_to is not None:
            image = _export_image(c.image_url, *images_to) or image
        collectibles.append(
            {
                "id": c.id,
                "name": c.name,
                "size": c.size,
                "description": c.description,
                **image,
                "active": c.active,
                "units": {
                    w.id: counts[(c.id, w.id)] for w in warehouses if counts.get((c.id, w.id))
                },
            }
        )
    return {
        "format": FORMAT,
        "version": VERSION,
        "pricing": {name: int(getattr(pricing, name)) for name in SETTINGS},
        "stores": [
            {
                "id": s.id,
                "name": s.name,
                "address": s.address,
                "opening_hours": s.opening_hours,
                "active": s.active,
            }
            for s in stores
        ],
        "warehouses": [{"id": w.id, "name": w.name, "active": w.active} for w in warehouses],
        "distances": distances,
        "collectibles": collectibles,
    }


def _export_image(url: str, storage: ImageStorage, folder: Path, base: Path) -> dict[str, str]:
    key = storage.key_of(url) if url else None
    data = storage.get(key) if key else None
    if key is None or data is None:
        return {}
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / key.rsplit("/", 1)[-1]
    if not target.exists():
        target.write_bytes(data)
    return {"image_file": os.path.relpath(target.resolve(), base.resolve())}


def dumps(document: Mapping[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------- check


def _bool(value: object, where: str, problems: list[Problem]) -> bool:
    if value is None:
        return True
    if not isinstance(value, bool):
        problems.append(Problem(where, f"Must be true or false (got {value!r})."))
        return True
    return value


def _unknown_keys(item: Mapping[str, Any], allowed: set[str], where: str) -> list[Problem]:
    return [
        Problem(f"{where}.{key}", f"Unknown field {key!r}; known: {', '.join(sorted(allowed))}.")
        for key in sorted(set(item) - allowed)
    ]


def _records(
    document: Mapping[str, Any], key: str, allowed: set[str], problems: list[Problem]
) -> list[tuple[str, dict[str, Any]]]:
    """[(where, record)] for a list of objects with unique ids; problems for the rest."""
    value = document.get(key)
    if not isinstance(value, list):
        problems.append(Problem(key, "Must be a list of objects."))
        return []
    seen: dict[str, str] = {}
    records = []
    for i, item in enumerate(value):
        where = f"{key}[{i}]"
        if not isinstance(item, dict):
            problems.append(Problem(where, "Must be an object."))
            continue
        problems.extend(_unknown_keys(item, allowed, where))
        found = id_problem(item.get("id"), f"{where}.id")
        if found is not None:
            problems.append(found)
            continue
        item_id = item["id"]
        if item_id in seen:
            problems.append(
                Problem(f"{where}.id", f"Duplicate id {item_id!r} (also {seen[item_id]}).")
            )
            continue
        seen[item_id] = where
        records.append((where, item))
    return records


def check_document(
    document: object, base_dir: Path | None = None
) -> tuple[Plan | None, list[Problem]]:
    """Check a document on its own (no database): (plan, problems)."""
    problems: list[Problem] = []
    if not isinstance(document, dict):
        return None, [Problem("", "The file must hold one JSON object.")]
    problems.extend(_unknown_keys(document, _TOP_KEYS, "$"))
    if document.get("format") != FORMAT:
        problems.append(Problem("format", f"Must be {FORMAT!r} (got {document.get('format')!r})."))
    if document.get("version") != VERSION:
        problems.append(Problem("version", f"Must be {VERSION} (got {document.get('version')!r})."))

    raw_pricing = document.get("pricing", {})
    pricing: dict[str, int] = {}
    if not isinstance(raw_pricing, dict):
        problems.append(Problem("pricing", "Must be an object of price settings."))
    else:
        pricing, found = pricing_problems(raw_pricing, where="pricing")
        problems.extend(found)

    stores = []
    for where, item in _records(document, "stores", _STORE_KEYS, problems):
        problems.extend(
            store_problems(
                name=item.get("name"),
                address=item.get("address"),
                opening_hours=item.get("opening_hours", ""),
                where=where,
            )
        )
        item = {**item, "active": _bool(item.get("active"), f"{where}.active", problems)}
        stores.append(item)
    warehouses = []
    for where, item in _records(document, "warehouses", _WAREHOUSE_KEYS, problems):
        name = item.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            problems.append(Problem(f"{where}.name", "Required: text of at most 200 characters."))
        item = {**item, "active": _bool(item.get("active"), f"{where}.active", problems)}
        warehouses.append(item)
    store_ids = {s["id"] for s in stores}
    warehouse_ids = {w["id"] for w in warehouses}

    raw_distances = document.get("distances")
    cells: dict[tuple[str, str], object] = {}
    if not isinstance(raw_distances, dict):
        problems.append(Problem("distances", "Must map each warehouse id to {store id: km}."))
    else:
        for warehouse_id, row in raw_distances.items():
            where = f"distances.{warehouse_id}"
            if warehouse_id not in warehouse_ids:
                problems.append(Problem(where, f"Unknown warehouse {warehouse_id!r}."))
                continue
            if not isinstance(row, dict):
                problems.append(Problem(where, "Must map store ids to km."))
                continue
            for store_id, value in row.items():
                if store_id not in store_ids:
                    problems.append(Problem(f"{where}.{store_id}", f"Unknown store {store_id!r}."))
                    continue
                cells[(warehouse_id, store_id)] = value
    distances, found = matrix_problems(
        [s["id"] for s in stores if s["active"]],
        [w["id"] for w in warehouses if w["active"]],
        cells,
    )
    problems.extend(found)

    collectibles = []
    units: dict[tuple[str, str], int] = {}
    image_files: dict[str, Path] = {}
    for where, item in _records(document, "collectibles", _COLLECTIBLE_KEYS, problems):
        image_url = item.get("image_url", "")
        problems.extend(
            collectible_problems(
                name=item.get("name"),
                description=item.get("description", ""),
                size=item.get("size"),
                image_url=image_url,
                where=where,
            )
        )
        if "image_file" in item:
            problem = _image_file_problem(item, where, base_dir, image_files)
            if problem is not None:
                problems.append(problem)
        raw_units = item.get("units", {})
        if not isinstance(raw_units, dict):
            problems.append(Problem(f"{where}.units", "Must map warehouse ids to unit counts."))
            raw_units = {}
        for warehouse_id, raw_count in raw_units.items():
            unit_where = f"{where}.units.{warehouse_id}"
            count = whole_number(raw_count) if not isinstance(raw_count, str) else None
            if warehouse_id not in warehouse_ids:
                problems.append(Problem(unit_where, f"Unknown warehouse {warehouse_id!r}."))
            elif count is None or not 0 <= count <= MAX_UNITS_PER_PLACE:
                problems.append(
                    Problem(
                        unit_where,
                        f"Must be a whole number from 0 to {MAX_UNITS_PER_PLACE} "
                        f"(got {raw_count!r}).",
                    )
                )
            else:
                units[(item["id"], warehouse_id)] = count
        item = {**item, "active": _bool(item.get("active"), f"{where}.active", problems)}
        collectibles.append(item)

    if problems:
        return None, problems
    plan = Plan(
        pricing=pricing,
        stores=stores,
        warehouses=warehouses,
        distances=distances,
        collectibles=collectibles,
        units=units,
        image_files=image_files,
    )
    return plan, []


def _image_file_problem(
    item: Mapping[str, Any], where: str, base_dir: Path | None, image_files: dict[str, Path]
) -> Problem | None:
    name = item["image_file"]
    if item.get("image_url"):
        return Problem(f"{where}.image_file", "Give image_file or image_url, not both.")
    if not isinstance(name, str) or not name or base_dir is None:
        return Problem(f"{where}.image_file", "Must be a file path relative to the JSON file.")
    path = (base_dir / name).resolve()
    if not path.is_file():
        return Problem(f"{where}.image_file", f"No such file: {path}.")
    try:
        images.process_image(path.read_bytes(), filename=name)
    except images.ImageRejected as error:
        return Problem(f"{where}.image_file", error.message)
    image_files[item["id"]] = path
    return None


def _where_in_file(plan: Plan) -> dict[str, int]:
    return {c["id"]: i for i, c in enumerate(plan.collectibles)}


def _booked_units(session: Session, collectible_id: str, warehouse_id: str) -> dict[str, str]:
    """The active units of a collectible in a warehouse that a live rental takes today or
    later (out now or booked ahead): {unit id: rental id}. They cannot be retired."""
    units = session.exec(
        select(Unit.id).where(
            col(Unit.collectible_id) == collectible_id,
            col(Unit.warehouse_id) == warehouse_id,
            col(Unit.active),
        )
    ).all()
    return reservations.booked_units(session, list(units), shop_today())


def database_problems(session: Session, plan: Plan) -> list[Problem]:
    """What the database forbids: a unit count below the units out on rentals."""
    problems = []
    index = _where_in_file(plan)
    counts = units_admin.active_unit_counts(session)
    for (cid, wid), have in counts.items():
        if cid not in index:
            continue
        wanted = plan.units.get((cid, wid), 0)
        if wanted >= have:
            continue
        on_rental = len(_booked_units(session, cid, wid))
        if wanted < on_rental:
            problems.append(
                Problem(
                    f"collectibles[{index[cid]}].units.{wid}",
                    f"{on_rental} unit(s) of {cid} in {wid} are on rentals now or booked "
                    f"ahead; the count cannot go below {on_rental} (got {wanted}).",
                )
            )
    return problems


# ---------------------------------------------------------------------------- apply


def _upsert(
    session: Session,
    model: type[Any],
    key: str,
    values: dict[str, Any],
    only_missing: bool,
    changes: list[str],
    label: str,
) -> None:
    row = session.get(model, key)
    if row is None:
        session.add(model(id=key, **values))
        changes.append(f"{label} {key} added")
        return
    if only_missing:
        return
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    if changed:
        for name in changed:
            setattr(row, name, values[name])
        session.add(row)
        changes.append(f"{label} {key} changed: {', '.join(changed)}")


def _deactivate_missing(
    session: Session, model: type[Any], keep: set[str], changes: list[str], label: str, verb: str
) -> None:
    for row in session.exec(select(model).where(col(model.active))).all():
        if row.id not in keep:
            row.active = False
            session.add(row)
            changes.append(f"{label} {row.id} {verb} (not in the file)")


def _set_unit_counts(session: Session, plan: Plan, only_missing: bool, changes: list[str]) -> None:
    counts = units_admin.active_unit_counts(session)
    listed = {c["id"] for c in plan.collectibles}
    places = set(plan.units) | {(c, w) for (c, w) in counts if c in listed}
    for cid, wid in sorted(places):
        wanted = plan.units.get((cid, wid), 0)
        have = counts.get((cid, wid), 0)
        if only_missing:
            exists = session.exec(
                select(Unit.id).where(
                    col(Unit.collectible_id) == cid, col(Unit.warehouse_id) == wid
                )
            ).first()
            if exists is None and wanted:
                units_admin.add_units_in(session, cid, wid, wanted)
                changes.append(f"{wanted} unit(s) of {cid} added in {wid}")
            continue
        if wanted > have:
            units_admin.add_units_in(session, cid, wid, wanted - have)
            changes.append(f"{wanted - have} unit(s) of {cid} added in {wid}")
        elif wanted < have:
            booked = _booked_units(session, cid, wid)
            units = session.exec(
                select(Unit.id)
                .where(
                    col(Unit.collectible_id) == cid,
                    col(Unit.warehouse_id) == wid,
                    col(Unit.active),
                )
                .order_by(col(Unit.id).desc())
            ).all()
            free = [u for u in units if u not in booked][: have - wanted]
            for unit_id in free:
                units_admin.retire_in(session, unit_id)
            changes.append(f"{len(free)} unit(s) of {cid} retired in {wid}")


def collectible_values(item: Mapping[str, Any], stored_image: str | None = None) -> dict[str, Any]:
    """A checked collectible record as its row's values (`stored_image`: the URL its
    image_file was stored at, else the record's image_url)."""
    image_url = item.get("image_url", "") if stored_image is None else stored_image
    return {
        "name": item["name"].strip(),
        "size": item["size"],
        "description": item.get("description", "").strip(),
        "image_url": image_url.strip(),
        "active": item["active"],
    }


def apply_plan(
    session: Session,
    plan: Plan,
    *,
    only_missing: bool = False,
    storage: ImageStorage | None = None,
    actor: str = "import",
) -> ImportResult:
    """Write a checked plan in the caller's transaction (check database_problems first)."""
    changes: list[str] = []
    if session.get(PricingSettings, 1) is None:
        session.add(PricingSettings(id=1, **plan.pricing))
        session.flush()
        changes.append("pricing added")
    elif not only_missing:
        changes += [
            f"pricing {c.setting}: {c.old_value} -> {c.new_value}"
            for c in apply_pricing(session, plan.pricing, actor)
        ]
    for s in plan.stores:
        values = {
            "name": s["name"].strip(),
            "address": s["address"].strip(),
            "opening_hours": s.get("opening_hours", "").strip(),
            "active": s["active"],
        }
        _upsert(session, Store, s["id"], values, only_missing, changes, "store")
    for w in plan.warehouses:
        values = {"name": w["name"].strip(), "active": w["active"]}
        _upsert(session, Warehouse, w["id"], values, only_missing, changes, "warehouse")
    if not only_missing:
        _deactivate_missing(
            session, Store, {s["id"] for s in plan.stores}, changes, "store", "deactivated"
        )
        _deactivate_missing(
            session,
            Warehouse,
            {w["id"] for w in plan.warehouses},
            changes,
            "warehouse",
            "deactivated",
        )
    session.flush()
    for (warehouse_id, store_id), km in sorted(plan.distances.items()):
        row = session.get(Distance, (warehouse_id, store_id))
        if row is None:
            session.add(Distance(warehouse_id=warehouse_id, store_id=store_id, km=km))
            changes.append(f"distance {warehouse_id} -> {store_id} added")
        elif row.km != km and not only_missing:
            changes.append(f"distance {warehouse_id} -> {store_id}: {row.km} -> {km}")
            row.km = km
            session.add(row)
    if not only_missing:
        stale = [
            (d.warehouse_id, d.store_id)
            for d in session.exec(select(Distance)).all()
            if (d.warehouse_id, d.store_id) not in plan.distances
        ]
        for warehouse_id, store_id in stale:
            session.execute(
                delete(Distance).where(
                    col(Distance.warehouse_id) == warehouse_id, col(Distance.store_id) == store_id
                )
            )
            changes.append(f"distance {warehouse_id} -> {store_id} removed (not in the file)")
    for c in plan.collectibles:
        stored_image = None
        if c["id"] in plan.image_files:
            data = plan.image_files[c["id"]].read_bytes()
            stored_image = images.store_image(data, filename=c["image_file"], storage=storage).url
        values = collectible_values(c, stored_image)
        _upsert(session, Collectible, c["id"], values, only_missing, changes, "collectible")
    if not only_missing:
        _deactivate_missing(
            session,
            Collectible,
            {c["id"] for c in plan.collectibles},
            changes,
            "collectible",
            "archived",
        )
    session.flush()
    _set_unit_counts(session, plan, only_missing, changes)
    if changes:
        catalog_version.changed(session)
    return ImportResult(tuple(changes))


def import_in(
    session: Session,
    document: object,
    *,
    base_dir: Path | None = None,
    only_missing: bool = False,
    storage: ImageStorage | None = None,
) -> ImportResult:
    """Check everything, then write it all in the caller's transaction; ProblemsFound (and
    nothing written) when anything is wrong."""
    plan, problems = check_document(document, base_dir)
    if plan is not None and not only_missing:
        problems = database_problems(session, plan)
    if problems or plan is None:
        raise ProblemsFound(problems, "Nothing was imported.")
    return apply_plan(session, plan, only_missing=only_missing, storage=storage)


def read_file(path: Path) -> object:
    """The JSON in `path`; ProblemsFound naming the line when it is not JSON."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ProblemsFound(
            [Problem(str(path), "No such file.")], "Nothing was imported."
        ) from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        where = f"{path}:{error.lineno}" if isinstance(error, json.JSONDecodeError) else str(path)
        raise ProblemsFound(
            [Problem(where, f"Not valid JSON: {error}")], "Nothing was imported."
        ) from error


def demo_plan() -> Plan:
    """The demo shop (DEMO_FILE), read and checked: what the seed writes and what the
    storefront's build shows when it cannot read the database."""
    document = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    plan, problems = check_document(document, DEMO_FILE.parent)
    if plan is None:
        raise ProblemsFound(problems, f"{DEMO_FILE} is not a valid catalog file.")
    return plan


def load_demo(session: Session) -> int:
    """The demo shop, adding only what is missing; how many rows/changes."""
    return len(apply_plan(session, demo_plan(), only_missing=True).changes)
