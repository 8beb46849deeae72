"""The FastAPI app: mounted in Reflex (api_transformer) and servable alone as
`mongocollectibles.api:app` (API tests, benchmarks, deploy)."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect

from mongocollectibles.api import admin, collectibles, media, rentals, stores, webhooks
from mongocollectibles.api.deps import reject_bad_characters
from mongocollectibles.api.docs import install_docs
from mongocollectibles.api.envelope import ApiError, domain_error_response, fail
from mongocollectibles.api.security import (
    HostAllowList,
    SecurityHeaders,
    allowed_hosts,
    install_unknown_api_routes,
)
from mongocollectibles.background import background_tasks
from mongocollectibles.domain.errors import DomainError
from mongocollectibles.services.limits import CheckoutLimiter
from mongocollectibles.services.unit_of_work import UnitOfWork
from mongocollectibles.settings import SANDBOX_PREFIX, Settings, get_settings
from mongocollectibles.wiring import default_uow

log = logging.getLogger(__name__)


def _install_error_handlers(api: FastAPI) -> None:
    @api.exception_handler(DomainError)
    async def _domain(_request: Request, error: DomainError):
        return domain_error_response(error)

    @api.exception_handler(ApiError)
    async def _api(_request: Request, error: ApiError):
        response = fail(error.status_code, error.message)
        response.headers.update(error.headers)
        return response

    @api.exception_handler(ClientDisconnect)
    async def _gone(_request: Request, _error: ClientDisconnect):
        # The client went away mid-body: normal on mobile networks. No log line, no
        # traceback; the answer goes nowhere.
        return Response(status_code=400, headers={"Connection": "close"})

    @api.exception_handler(RequestValidationError)
    async def _validation(_request: Request, error: RequestValidationError):
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "path", "body"))
        return fail(422, f"{where}: {first.get('msg', 'invalid value')}".strip(": "))

    @api.exception_handler(HTTPException)
    async def _http(_request: Request, error: HTTPException):
        message = error.detail if isinstance(error.detail, str) else "Request failed."
        return fail(error.status_code, message)

    @api.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return fail(500, "Something went wrong on our side; nothing was charged. Please try again.")


def _mount_sandbox(api: FastAPI, settings: Settings) -> None:
    """No PayMongo keys: serve the local PayMongo sandbox at /paymongo-sandbox (test mode)."""
    from mongocollectibles.payments.sandbox import create_sandbox_app

    sandbox = create_sandbox_app(
        secret_key=settings.secret_key,
        webhook_secret=settings.webhook_secret,
        webhook_url=settings.webhook_url,
        public_url=settings.api_base_url.rstrip("/") + SANDBOX_PREFIX,
        controls_secret=settings.sandbox_controls_secret,
    )
    api.mount(SANDBOX_PREFIX, sandbox)
    api.state.sandbox_app = sandbox


def create_api(
    *,
    uow: UnitOfWork | None = None,
    run_background_tasks: bool = True,
    media_dir: str | None = None,
    limiter: CheckoutLimiter | None = None,
) -> FastAPI:
    """The API on `uow`'s database (default: the app's). Inside Reflex, pass
    run_background_tasks=False and register `mongocollectibles.background.background_tasks`
    as a Reflex lifespan task instead."""
    settings = get_settings()
    uow = uow or default_uow()

    @asynccontextmanager
    async def lifespan(api: FastAPI):
        async with background_tasks(api, uow=uow):
            yield

    production = settings.environment == "production"
    api = FastAPI(
        title="MongoCollectibles API",
        version="1.0",
        docs_url=None,  # served by api/docs.py (local assets); off in production
        redoc_url=None,
        openapi_url=None if production else "/api/openapi.json",
        lifespan=lifespan if run_background_tasks else None,
        dependencies=[Depends(reject_bad_characters)],
    )
    api.state.uow = uow
    api.state.media_dir = media_dir  # local image files (None: MEDIA_DIR)
    api.state.limiter = limiter  # None: the limits the settings describe
    _install_error_handlers(api)
    for module in (collectibles, stores, rentals, webhooks, media, admin):
        api.include_router(module.router)
    if not production:
        install_docs(api)
    if not production:
        from mongocollectibles.api import dev_mailbox

        api.include_router(dev_mailbox.router)
    install_unknown_api_routes(api)  # after every /api route and mount
    if settings.uses_sandbox and not production:
        _mount_sandbox(api, settings)
    api.add_middleware(SecurityHeaders)
    if production:  # outermost: nothing answers an unknown host
        api.add_middleware(HostAllowList, hosts=allowed_hosts(settings))
    return api
