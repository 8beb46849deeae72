"""The Reflex app: pages, the REST API (api_transformer) and background lifespan tasks."""

import reflex as rx

from mongocollectibles.api import create_api
from mongocollectibles.pages import register_pages

app = rx.App(
    api_transformer=create_api(),
    theme=rx.theme(accent_color="indigo", radius="large"),
)
register_pages(app)
