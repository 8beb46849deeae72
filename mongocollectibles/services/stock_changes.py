"""Which collectibles' stock changed, per database, so the catalog snapshot re-counts only them.

Holds and releases note the collectible on their session (`note`); when the unit of work
commits, it announces them (`announce_noted`), never before: a reader could otherwise cache
the old stock again. A rollback drops them with the session. Other direct changes (owner
edits of units, warehouses, collectibles, stores or prices) call `note_all(session)` (announced
on commit like the rest) or `announce(bind, None)`.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

_NOTED = "mongocollectibles.stock_changed"
_EVERYTHING = "*"  # noted: possibly everything changed (owner edits)


class ChangeLog:
    """One database's change record: `version` moves on with every announced change."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.version = 0
        self.collectibles: set[str] = set()
        self.everything = False


_logs: weakref.WeakKeyDictionary[Engine, ChangeLog] = weakref.WeakKeyDictionary()
_logs_lock = threading.Lock()


def engine_of(bind: Engine | Connection | Session) -> Engine:
    if isinstance(bind, Session):
        bind = bind.get_bind()
    return bind.engine


def change_log(bind: Engine | Connection | Session) -> ChangeLog:
    engine = engine_of(bind)
    log = _logs.get(engine)
    if log is None:
        with _logs_lock:
            log = _logs.setdefault(engine, ChangeLog())
    return log


def note(session: Session, collectible_id: str) -> None:
    """Remember that this transaction changed the collectible's stock."""
    session.info.setdefault(_NOTED, set()).add(collectible_id)


def note_all(session: Session) -> None:
    """Remember that this transaction changed the catalog itself (re-read everything)."""
    session.info.setdefault(_NOTED, set()).add(_EVERYTHING)


def announce_noted(session: Session) -> None:
    """After a commit: announce what the transaction noted (and forget it)."""
    noted = session.info.pop(_NOTED, None)
    if noted:
        announce(session, None if _EVERYTHING in noted else noted)


def forget_noted(session: Session) -> None:
    """After a rollback: nothing the transaction noted happened."""
    session.info.pop(_NOTED, None)


def announce(bind: Engine | Connection | Session, collectible_ids: Iterable[str] | None) -> None:
    """Tell this process's caches that stock changed (None: possibly everything)."""
    log = change_log(bind)
    with log.lock:
        log.version += 1
        if collectible_ids is None:
            log.everything = True
        else:
            log.collectibles.update(collectible_ids)


def version(bind: Engine | Connection | Session) -> int:
    return change_log(bind).version


def take(bind: Engine | Connection | Session) -> tuple[int, set[str] | None]:
    """(version, changed collectibles or None for everything) since the last call; resets."""
    log = change_log(bind)
    with log.lock:
        taken = None if log.everything else set(log.collectibles)
        log.collectibles.clear()
        log.everything = False
        return log.version, taken
