"""The customer's pickup store: chosen once, kept in the browser (localStorage, all tabs)."""

from __future__ import annotations

import reflex as rx

from mongocollectibles.services import catalog
from mongocollectibles.wiring import default_uow


class StoreChoiceState(rx.State):
    """The selected store id and the list of stores to pick from."""

    store_id: str = rx.LocalStorage("", name="mongocollectibles_store", sync=True)
    stores: list[dict[str, str]] = []

    @rx.var
    def chosen_details(self) -> str:
        """The chosen store's address and opening hours, for the picker."""
        store = self.store()
        if not store["id"]:
            return ""
        hours = store.get("hours", "")
        return store["address"] + (f" - open {hours}" if hours else "")

    async def ensure_store(self) -> str:
        """The chosen store id; the first active store when none (or a retired one) is chosen.

        Pages call this from their own handlers (`await self.get_state(StoreChoiceState)`).
        """
        if not self.stores:
            views = await catalog.list_stores(uow=default_uow())
            self.stores = [
                {"id": s.id, "name": s.name, "address": s.address, "hours": s.opening_hours}
                for s in views
            ]
        if self.stores and self.store_id not in {s["id"] for s in self.stores}:
            self.store_id = self.stores[0]["id"]
        return self.store_id

    def store(self, store_id: str | None = None) -> dict[str, str]:
        """The chosen (or given) store's id, name and address; empty values when unknown."""
        wanted = store_id or self.store_id
        for store in self.stores:
            if store["id"] == wanted:
                return store
        return {"id": "", "name": "", "address": "", "hours": ""}

    @rx.event
    async def load(self):
        await self.ensure_store()

    @rx.event
    async def choose(self, store_id: str):
        await self.ensure_store()
        if any(s["id"] == store_id for s in self.stores):
            self.store_id = store_id
