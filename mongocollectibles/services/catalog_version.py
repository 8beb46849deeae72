"""The catalog version: one database row that moves on with every owner edit of the catalog,
the network or the prices, so every worker sees the edit.

`changed(session)` inside the editing transaction bumps the row and notes the change; when
the unit of work commits, this process's snapshot is dropped at once
(`stock_changes.note_all`). Other workers (and other machines) compare the row with the
version their snapshot was read at, at most every `catalog_snapshot.CACHE_SECONDS`, and
re-read everything when it moved: an edit shows everywhere within about a second, however
large the inventory (a full re-read of a huge inventory is otherwise spaced out).
"""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, col

from mongocollectibles.models import CatalogVersion, utcnow
from mongocollectibles.services import stock_changes


def changed(session: Session) -> None:
    """Record a catalog edit in the caller's transaction (announced when it commits)."""
    bumped = session.execute(
        update(CatalogVersion)
        .where(col(CatalogVersion.id) == 1)
        .values(version=col(CatalogVersion.version) + 1, changed_at=utcnow())
    )
    if bumped.rowcount == 0:  # type: ignore[attr-defined]  # a CursorResult for UPDATE
        session.add(CatalogVersion(id=1, version=1))
        session.flush()
    stock_changes.note_all(session)


def current(session: Session) -> int:
    """The stored version (0 when the row is missing)."""
    row = session.get(CatalogVersion, 1, populate_existing=True)
    return row.version if row is not None else 0
