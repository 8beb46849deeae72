"""Which collectibles' stock changed, per database, so the catalog snapshot re-counts only them.

Holds and releases note the collectible on their session (`note`); when the unit of work
commits, it announces them (`announce_noted`), never before: a reader could otherwise cache
the old stock again. A rollback drops them with the session. Other direct changes (owner
edits of units, warehouses, collectibles, stores or prices) call `note_all(session)` (announced
on commit like the rest) or `announce(bind, None)`.

Beyond this process: on PostgreSQL the unit of work also sends what it noted as a NOTIFY on
`CHANNEL` inside the transaction (`publish_noted`), so PostgreSQL delivers it to the other
processes (services/stock_feed.py listens) exactly when, and only if, the transaction commits.
Listeners (`add_listener`) hear every announcement of this process, from any thread.
"""

from __future__ import annotations

import os
import socket
import threading
import weakref
from collections.abc import Callable, Iterable

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

_NOTED = "mongocollectibles.stock_changed"
_EVERYTHING = "*"  # noted: possibly everything changed (owner edits)
CHANNEL = "mc_stock"  # PostgreSQL NOTIFY channel: "<origin>|<id>,<id>..." or "<origin>|*"
_MAX_PAYLOAD = 7000  # NOTIFY payloads must stay under 8000 bytes: more ids -> "*"

Listener = Callable[[Engine, frozenset[str] | None], None]
_listeners: list[Listener] = []


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


def publish_noted(session: Session) -> None:
    """Before the commit (PostgreSQL): queue a NOTIFY of what the transaction noted, delivered to
    other processes on commit (never on rollback)."""
    noted = session.info.get(_NOTED)
    if not noted or session.get_bind().dialect.name != "postgresql":
        return
    ids = _EVERYTHING if _EVERYTHING in noted else ",".join(sorted(noted))
    if len(ids) > _MAX_PAYLOAD:
        ids = _EVERYTHING
    session.execute(
        text("SELECT pg_notify(:channel, :payload)"),
        {"channel": CHANNEL, "payload": f"{origin()}|{ids}"},
    )


def origin() -> str:
    """This process, as named in its NOTIFY payloads (so it can skip its own)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def parse_payload(payload: str) -> tuple[str, frozenset[str] | None]:
    """(origin, changed collectible ids or None for everything) of a NOTIFY payload."""
    sender, _, ids = payload.partition("|")
    if not ids or ids == _EVERYTHING:
        return sender, None
    return sender, frozenset(ids.split(","))


def forget_noted(session: Session) -> None:
    """After a rollback: nothing the transaction noted happened."""
    session.info.pop(_NOTED, None)


def announce(
    bind: Engine | Connection | Session,
    collectible_ids: Iterable[str] | None,
    *,
    tell_listeners: bool = True,
) -> None:
    """Tell this process's caches that stock changed (None: possibly everything), then the
    listeners (unless `tell_listeners` is False: the caller finds out what changed itself)."""
    log = change_log(bind)
    ids = None if collectible_ids is None else frozenset(collectible_ids)
    with log.lock:
        log.version += 1
        if ids is None:
            log.everything = True
        else:
            log.collectibles.update(ids)
    if not tell_listeners:
        return
    engine = engine_of(bind)
    for listener in list(_listeners):
        try:
            listener(engine, ids)
        except Exception:  # noqa: BLE001, S112 - a listener's trouble never undoes a commit
            continue


def add_listener(listener: Listener) -> None:
    """Call `listener(engine, ids or None)` after every announcement (from the announcing
    thread: it must be quick and thread-safe)."""
    _listeners.append(listener)


def remove_listener(listener: Listener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


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
