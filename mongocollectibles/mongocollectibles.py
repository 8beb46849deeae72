"""The Reflex app: pages, the REST API (api_transformer) and background lifespan tasks."""

from contextlib import asynccontextmanager

import reflex as rx

from mongocollectibles.api import create_api
from mongocollectibles.background import background_tasks
from mongocollectibles.pages import register_pages

api = create_api(run_background_tasks=False)
app = rx.App(
    api_transformer=api,
    theme=rx.theme(accent_color="indigo", radius="large"),
)
register_pages(app)


@app.register_lifespan_task
@asynccontextmanager
async def _background():
    async with background_tasks(api):
        yield
