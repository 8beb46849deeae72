"""Live stock for open tabs, pushed: nothing runs per tab while stock stays the same.

A page state mixes in `LiveStockMixin`, calls `self._show_stock(collectible_id or None)` first
in its on_load, before it reads anything (None: it shows every collectible), and implements
two hooks. Registered first, a tab misses no change committed while its on_load reads: the
push for it waits for the tab's state lock and re-reads once the on_load is done. The process's one
stock feed (services/stock_feed.py, started by `stock_push(uow)` as a lifespan task) says which
collectibles changed; `push` then opens (PUSH_AT_ONCE at a time) the state of each registered
tab that shows one of them (`app.modify_state`, the same lock and delta as an event) and
calls its `_refresh_stock`, which re-reads through the services; Reflex sends the tab what
changed. Tabs that closed or left the page are dropped from the register when met. The
register is this worker's: a tab's socket and its on_load are served by the same worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Container
from dataclasses import dataclass
from typing import Any, cast

import reflex as rx
from reflex.utils import prerequisites

from mongocollectibles.services.stock_feed import Changed, StockFeed
from mongocollectibles.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

PUSH_AT_ONCE = 32  # tabs updated concurrently in one push


def _app() -> Any:
    try:
        return prerequisites.get_app().app
    except Exception:  # noqa: BLE001 - no running app (unit tests)
        return None


def tab_is_open(client_token: str) -> bool:
    """Is this browser tab still connected to this backend worker?"""
    return client_token in _connected(_app())


def _connected(app: Any) -> Container[str]:
    """The client tokens of the tabs connected to this worker (a live view, when it can)."""
    namespace = getattr(app, "event_namespace", None)
    if namespace is None:
        return ()
    sockets = getattr(getattr(namespace, "_token_manager", None), "token_to_socket", None)
    if sockets is not None:  # O(1); `token_to_sid` copies the whole mapping each time
        return cast("Container[str]", sockets)
    return cast("Container[str]", namespace.token_to_sid)


@dataclass(frozen=True)
class Watch:
    state: type[rx.State]  # the page's state class
    shows: str | None  # the collectible it shows; None: every collectible


# client token -> what the tab shows (its page's on_load registered it). One tab, one page.
_watches: dict[str, Watch] = {}
_sweep_at = 1024  # the register's size at which closed tabs are swept out of it


def _register(token: str, watch: Watch) -> None:
    global _sweep_at
    _watches[token] = watch
    if len(_watches) >= _sweep_at:  # tabs that closed and never met a push since
        connected = _connected(_app())
        for closed in [t for t in _watches if t not in connected]:
            del _watches[closed]
        _sweep_at = max(1024, 2 * len(_watches))


class LiveStockMixin(rx.State, mixin=True):
    def _show_stock(self, collectible_id: str | None) -> None:
        """First in the page's on_load: push this tab the stock of `collectible_id` (None: all)."""
        _register(self.router.session.client_token, Watch(type(self), collectible_id))

    def _on_page(self) -> bool:
        """Is the tab still on the page that registered it (else it is dropped)?"""
        raise NotImplementedError

    async def _refresh_stock(self, shared: Shared) -> None:
        """Inside the tab's state lock: re-read the stock shown (through the services)."""
        raise NotImplementedError


class Shared:
    """What one push computes once for every tab (e.g. the catalog's cards per store)."""

    def __init__(self) -> None:
        self._found: dict[Any, asyncio.Future[Any]] = {}

    async def once(self, key: Any, compute: Callable[[], Awaitable[Any]]) -> Any:
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = asyncio.ensure_future(compute())
        return await found


async def push(changed: Changed) -> None:
    """Bring every registered tab that shows a changed collectible up to date.

    The cyclic garbage collector waits meanwhile: with many tabs open, its full passes over
    their states took as long as the push itself (measured: 1,000 tabs in ~0.3-0.9 s instead
    of ~0.7-2.9 s, bench/memory.py); it runs once the push is done."""
    app = _app()
    if app is None:
        return
    collecting = gc.isenabled()
    gc.disable()
    try:
        await _push_all(app, changed)
    finally:
        if collecting:
            gc.enable()


async def _push_all(app: Any, changed: Changed) -> None:
    targets = [
        (token, watch)
        for token, watch in list(_watches.items())
        if changed is None or watch.shows is None or watch.shows in changed
    ]
    shared = Shared()
    connected = _connected(app)
    for start in range(0, len(targets), PUSH_AT_ONCE):
        batch = targets[start : start + PUSH_AT_ONCE]
        await asyncio.gather(
            *(_push_to(app, token, watch, shared, connected) for token, watch in batch)
        )


async def _push_to(
    app: Any, token: str, watch: Watch, shared: Shared, connected: Container[str]
) -> None:
    if token not in connected:
        _forget(token, watch)
        return
    try:
        async with app.modify_state(rx.BaseStateToken(ident=token, cls=watch.state)) as root:
            state = await root.get_state(watch.state)
            if not state._on_page():
                _forget(token, watch)
                return
            await state._refresh_stock(shared)
    except Exception:  # noqa: BLE001 - this tab misses one update; the others go on
        log.exception("live stock: pushing to a tab failed")


def _forget(token: str, watch: Watch) -> None:
    if _watches.get(token) is watch:  # not a newer registration of the same tab
        del _watches[token]


@contextlib.asynccontextmanager
async def stock_push(uow: UnitOfWork) -> AsyncIterator[StockFeed]:
    """The app's lifespan task: this process's stock feed on `uow`'s database, pushing to the
    registered tabs."""
    feed = StockFeed(uow)
    feed.subscribe(push)
    async with feed.running():
        yield feed
