"""`/`: the catalog (placeholder until the storefront issue)."""

import reflex as rx

from mongocollectibles.db import run_in_session
from mongocollectibles.services import catalog


class CatalogState(rx.State):
    items: list[dict] = []

    @rx.event
    async def load(self):
        views = await run_in_session(catalog.list_collectibles, None)
        self.items = [
            {"id": v.id, "name": v.name, "stock": v.stock, "image": v.image_url} for v in views
        ]


def _card(item) -> rx.Component:
    return rx.card(
        rx.image(src=item["image"], width="160px"),
        rx.text(item["name"]),
        rx.text("Stock: ", item["stock"]),
    )


def index() -> rx.Component:
    return rx.container(
        rx.heading("MongoCollectibles"),
        rx.flex(rx.foreach(CatalogState.items, _card), wrap="wrap", gap="3"),
    )


def register(app: rx.App) -> None:
    app.add_page(index, route="/", title="MongoCollectibles", on_load=CatalogState.load)
