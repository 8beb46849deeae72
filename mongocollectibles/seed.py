"""Demo data from DOMAIN.md: 6 collectibles, 3 stores, 4 warehouses, one unit of each
collectible in each warehouse, kept as a catalog file (mongocollectibles/data/demo-shop.json)
and loaded through the same import path as a real shop's file
(`python -m mongocollectibles.manage import FILE`).

Idempotent: rows that exist are left as the owner set them (only what is missing is added).
Loaded by the prestart path (python -m mongocollectibles.prestart) unless SEED_DEMO_DATA=false.
"""

from __future__ import annotations

from sqlmodel import Session

from mongocollectibles.services.catalog_io import DEMO_FILE, load_demo

__all__ = ["DEMO_FILE", "seed"]


def seed(session: Session) -> int:
    """Add the demo rows that are missing; return how many additions were made."""
    return load_demo(session)
