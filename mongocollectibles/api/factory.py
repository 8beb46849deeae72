"""The FastAPI app: mounted in Reflex (api_transformer) and servable alone as
`mongocollectibles.api:app` (API tests, benchmarks, deploy)."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from mongocollectibles.api import collectibles, rentals, stores, webhooks
from mongocollectibles.api.envelope import ApiError, domain_error_response, fail
from mongocollectibles.background import background_tasks
from mongocollectibles.domain.errors import DomainError
from mongocollectibles.services.unit_of_work import UnitOfWork, default_uow
from mongocollectibles.settings import SANDBOX_PREFIX, Settings, get_settings

log = logging.getLogger(__name__)


def _install_error_handlers(api: FastAPI) -> None:
    @api.exception_handler(DomainError)
    async def _domain(_request: Request, error: DomainError):
        return domain_error_response(error)

    @api.exception_handler(ApiError)
    async def _api(_request: Request, error: ApiError):
        return fail(error.status_code, error.message)

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
    )
    api.mount(SANDBOX_PREFIX, sandbox)
    api.state.sandbox_app = sandbox


def create_api(*, uow: UnitOfWork | None = None, run_background_tasks: bool = True) -> FastAPI:
    """The API on `uow`'s database (default: the app's). Inside Reflex, pass
    run_background_tasks=False and register `mongocollectibles.background.background_tasks`
    as a Reflex lifespan task instead."""
    settings = get_settings()
    uow = uow or default_uow()

    @asynccontextmanager
    async def lifespan(api: FastAPI):
        async with background_tasks(api, uow=uow):
            yield

    api = FastAPI(
        title="MongoCollectibles API",
        version="1.0",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan if run_background_tasks else None,
    )
    api.state.uow = uow
    _install_error_handlers(api)
    for module in (collectibles, stores, rentals, webhooks):
        api.include_router(module.router)
    if settings.environment != "production":
        from mongocollectibles.api import dev_mailbox

        api.include_router(dev_mailbox.router)
    if settings.uses_sandbox:
        _mount_sandbox(api, settings)
    return api
