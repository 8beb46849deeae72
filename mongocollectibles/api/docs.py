"""`/api/docs`: Swagger UI for the API, with its scripts and styles served from this app
(the `swagger-ui-dist` npm package that scripts/setup.sh installs in .tools/), never from
another host. Off in production (there is no owner sign-in yet), with /api/openapi.json."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from mongocollectibles.api.envelope import fail

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / ".tools" / "node_modules" / "swagger-ui-dist"
NOT_INSTALLED = "The API docs' files are not installed here; run scripts/setup.sh."


def install_docs(api: FastAPI, assets: Path = ASSETS) -> None:
    if (assets / "swagger-ui-bundle.js").is_file():
        api.mount("/api/docs/assets", StaticFiles(directory=assets), name="docs-assets")
        installed = True
    else:
        installed = False

    @api.get("/api/docs", include_in_schema=False)
    async def docs() -> Response:
        if not installed:
            return fail(404, NOT_INSTALLED)
        return get_swagger_ui_html(
            openapi_url=api.openapi_url or "/api/openapi.json",
            title=f"{api.title} - docs",
            swagger_js_url="/api/docs/assets/swagger-ui-bundle.js",
            swagger_css_url="/api/docs/assets/swagger-ui.css",
            swagger_favicon_url="/api/docs/assets/favicon-32x32.png",
        )
