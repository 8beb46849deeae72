"""The Reflex app: pages, the REST API (api_transformer) and what runs as each app process
starts and stops (Reflex lifespan tasks, entered in the order registered here)."""

import asyncio
from contextlib import asynccontextmanager
from functools import partial

import reflex as rx

from mongocollectibles.api import create_api, hot_paths
from mongocollectibles.background import background_tasks
from mongocollectibles.pages import register_pages
from mongocollectibles.settings import get_settings
from mongocollectibles.state.live import stock_push
from mongocollectibles.wiring import default_uow

# The app's unit of work, handed to everything started here (the API's routes, the fast
# path, the background jobs, the stock feed); the pages' states take it from wiring too.
uow = default_uow()
api = create_api(uow=uow, run_background_tasks=False)
app = rx.App(
    # FastAPI routes first (Reflex mounts itself under them), then the catalog/quote fast path.
    api_transformer=[api, partial(hot_paths, uow=uow)],
    # The theme is in rxconfig.py (RadixThemesPlugin); App(theme=) is deprecated.
    head_components=[rx.el.link(rel="icon", type="image/svg+xml", href="/favicon.svg")],
)
register_pages(app)


@app.register_lifespan_task
@asynccontextmanager
async def _prepare_database():
    """Development and test: migrate and (unless SEED_DEMO_DATA=false) seed before serving, so
    plain `reflex run` opens a working shop. Production runs the same prestart as the service's
    ExecStartPre instead, once per release, before any worker starts."""
    if get_settings().environment != "production":
        # Imported here: production workers never load Alembic (~11 MB of each worker).
        from mongocollectibles.prestart import prestart  # noqa: PLC0415

        await asyncio.to_thread(prestart)
    yield


@app.register_lifespan_task
@asynccontextmanager
async def _background():
    async with background_tasks(api, uow=uow):
        yield


@app.register_lifespan_task
@asynccontextmanager
async def _live_stock():
    """One stock feed per process, pushing stock changes to the open storefront tabs."""
    async with stock_push(uow):
        yield
