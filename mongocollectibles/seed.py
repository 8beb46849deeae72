"""Demo data from DOMAIN.md: 6 collectibles, 3 stores, 4 warehouses, one unit of each
collectible in each warehouse. Idempotent: rows that exist are left as the owner set them.

Loaded by the prestart path (python -m mongocollectibles.prestart).
"""

from __future__ import annotations

from sqlmodel import Session, SQLModel

from mongocollectibles.models import Collectible, Distance, PricingSettings, Store, Unit, Warehouse

COLLECTIBLES = [
    (
        "col-001",
        "Vintage Batman Action Figure",
        "S",
        "A 1989 Kenner Batman in his black suit, cape and utility belt, on its original card.",
    ),
    (
        "col-002",
        "Star Wars Millennium Falcon Model",
        "M",
        "A detailed 1:72 model of the Corellian freighter, with lit engines and a display stand.",
    ),
    (
        "col-003",
        "Life-Size Iron Man Suit",
        "L",
        "A full-size Mark III armour replica with light-up arc reactor and eyes. Needs a van.",
    ),
    (
        "col-004",
        "Pokemon Card Collection Set",
        "S",
        "A binder of first-edition Base Set cards, sleeved and graded, Charizard included.",
    ),
    (
        "col-005",
        "Gundam Perfect Grade Model",
        "M",
        "A 1:60 Perfect Grade RX-78-2 with inner frame, LED unit and action base.",
    ),
    (
        "col-006",
        "Arcade Machine - Street Fighter II",
        "L",
        "An original Champion Edition upright cabinet, two players, free play. Needs a van.",
    ),
]

STORES = [
    ("store-a", "MongoCollectibles Store A", "123 Main Street, Manila"),
    ("store-b", "MongoCollectibles Store B", "456 Quezon Avenue, Quezon City"),
    ("store-c", "MongoCollectibles Store C", "789 Makati Boulevard, Makati"),
]
OPENING_HOURS = {
    "store-a": "Mon-Sat 10:00-20:00, Sun 11:00-18:00",
    "store-b": "Mon-Sat 10:00-21:00, Sun 10:00-19:00",
    "store-c": "Daily 11:00-21:00",
}

# warehouse id, name, km to store-a, store-b, store-c
WAREHOUSES = [
    ("wh-north", "Warehouse North (QC)", (5, 1, 10)),
    ("wh-south", "Warehouse South (Alabang)", (8, 12, 1)),
    ("wh-east", "Warehouse East (Pasig)", (6, 4, 3)),
    ("wh-west", "Warehouse West (Port Area)", (1, 6, 6)),
]


def image_url(collectible_id: str) -> str:
    return f"/collectibles/{collectible_id}.svg"


def _add_missing(session: Session, row: SQLModel, *key) -> int:
    if session.get(type(row), key if len(key) > 1 else key[0]) is None:
        session.add(row)
        return 1
    return 0


def seed(session: Session) -> int:
    """Insert the demo rows that are missing; return how many were added."""
    added = _add_missing(session, PricingSettings(id=1), 1)
    for cid, name, size, description in COLLECTIBLES:
        added += _add_missing(
            session,
            Collectible(
                id=cid, name=name, size=size, description=description, image_url=image_url(cid)
            ),
            cid,
        )
    for sid, name, address in STORES:
        store = Store(id=sid, name=name, address=address, opening_hours=OPENING_HOURS[sid])
        added += _add_missing(session, store, sid)
    session.flush()
    for wid, name, kms in WAREHOUSES:
        added += _add_missing(session, Warehouse(id=wid, name=name), wid)
        session.flush()
        for (sid, _, _), km in zip(STORES, kms, strict=True):
            added += _add_missing(
                session, Distance(warehouse_id=wid, store_id=sid, km=km), wid, sid
            )
        for cid, *_ in COLLECTIBLES:
            uid = f"{cid}-{wid}"
            added += _add_missing(session, Unit(id=uid, collectible_id=cid, warehouse_id=wid), uid)
    session.flush()
    return added
