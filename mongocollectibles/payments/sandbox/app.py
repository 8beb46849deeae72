"""``create_sandbox_app``: a local PayMongo stand-in as a FastAPI application."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from .api import build_api_router
from .controls import build_controls_router
from .models import DEFAULT_METHODS, DEFAULT_RETRY_DELAYS, SandboxConfig, SandboxError, error_item
from .page import build_page_router
from .service import Sandbox


def _errors_response(status_code: int, errors: list[dict[str, Any]]) -> Response:
    body = json.dumps({"errors": errors}).encode()
    return Response(body, status_code, media_type="application/json")


def create_sandbox_app(
    *,
    secret_key: str,
    webhook_secret: str,
    webhook_url: str,
    public_url: str,
    livemode: bool = False,
    allowed_methods: Iterable[str] = DEFAULT_METHODS,
    webhook_retry_delays: Iterable[float] = DEFAULT_RETRY_DELAYS,
    webhook_timeout: float = 30.0,
    merchant: str = "MongoCollectibles",
    controls_secret: str = "",
) -> FastAPI:
    """Build a sandbox app; each call has its own in-memory state.

    ``public_url`` is where browsers reach this app (``checkout_url`` is built
    from it), e.g. ``http://localhost:8000/paymongo-sandbox`` when mounted.
    The test controls (``/_sandbox/...``) answer loopback clients, or requests carrying
    ``X-Sandbox-Secret: <controls_secret>``. The :class:`Sandbox` object is available as
    ``app.state.sandbox``. When the
    app is mounted inside another one, Starlette does not run its lifespan:
    call ``await app.state.sandbox.aclose()`` on shutdown to cancel pending
    webhook deliveries (or let them die with the event loop).
    """
    if not secret_key or not webhook_secret:
        raise ValueError("secret_key and webhook_secret are required")
    config = SandboxConfig(
        secret_key=secret_key,
        webhook_secret=webhook_secret,
        webhook_url=webhook_url,
        public_url=public_url.rstrip("/"),
        livemode=livemode,
        allowed_methods=tuple(allowed_methods),
        webhook_retry_delays=tuple(webhook_retry_delays),
        webhook_timeout=webhook_timeout,
        merchant=merchant,
    )
    sandbox = Sandbox(config)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await sandbox.aclose()

    app = FastAPI(
        title="PayMongo sandbox",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.sandbox = sandbox

    @app.exception_handler(SandboxError)
    async def sandbox_error(_: Request, exc: SandboxError) -> Response:
        return _errors_response(exc.status_code, exc.errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> Response:
        code = "resource_not_found" if exc.status_code == 404 else "request_invalid"
        return _errors_response(exc.status_code, [error_item(code, str(exc.detail))])

    app.include_router(build_api_router(sandbox))
    app.include_router(build_page_router(sandbox))
    app.include_router(build_controls_router(sandbox, controls_secret))
    return app
