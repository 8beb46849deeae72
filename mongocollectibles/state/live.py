"""Live updates for open tabs: one cheap background poll per tab, stopped when it goes away.

A page state mixes in `LiveStockMixin` and implements three hooks; `watch_stock` (started from
the page's on_load) re-reads stock every POLL_SECONDS while the tab is connected and still on
that page. The guard `_watching` keeps it to one task per tab, however often the page loads.
"""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx
from reflex.utils import prerequisites

POLL_SECONDS = 3.0


def tab_is_open(client_token: str) -> bool:
    """Is this browser tab still connected to this backend worker?"""
    try:
        namespace = prerequisites.get_app().app.event_namespace
    except Exception:  # noqa: BLE001 - no running app (unit tests): nothing to poll for
        return False
    if namespace is None:
        return False
    sockets = getattr(getattr(namespace, "_token_manager", None), "token_to_socket", None)
    if sockets is not None:  # O(1); `token_to_sid` copies the whole mapping each time
        return client_token in sockets
    return client_token in namespace.token_to_sid


class LiveStockMixin(rx.State, mixin=True):
    _watching: bool = False

    async def _poll_args(self) -> tuple | None:
        """Inside the state lock: what to read next, or None to stop (the tab left the page)."""
        raise NotImplementedError

    @staticmethod
    async def _poll_read(*args: Any) -> Any:
        """Outside the lock: read the fresh stock (through the services)."""
        raise NotImplementedError

    def _poll_apply(self, fresh: Any) -> None:
        """Inside the state lock: store what was read."""
        raise NotImplementedError

    @rx.event(background=True)
    async def watch_stock(self):
        async with self:
            if self._watching:
                return
            self._watching = True
            token = self.router.session.client_token
        stopped = False  # set, under the lock, when the tab left the page
        try:
            while True:
                await asyncio.sleep(POLL_SECONDS)
                if not tab_is_open(token):
                    return
                async with self:
                    args = await self._poll_args()
                    if args is None:
                        self._watching = False
                        stopped = True
                        return
                try:
                    fresh = await self._poll_read(*args)
                except Exception:  # noqa: BLE001 - a failed poll is retried on the next tick
                    continue
                async with self:
                    self._poll_apply(fresh)
        finally:
            if not stopped:
                async with self:
                    self._watching = False
