"""The FastAPI app: mounted in Reflex (api_transformer) and servable alone as
`mongocollectibles.api:app` (API tests, benchmarks, deploy)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from mongocollectibles.api import catalog, rentals
from mongocollectibles.api.envelope import ApiError, domain_error_response, fail
from mongocollectibles.domain.errors import DomainError

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


def create_api() -> FastAPI:
    api = FastAPI(
        title="MongoCollectibles API",
        version="1.0",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    _install_error_handlers(api)
    api.include_router(catalog.router)
    api.include_router(rentals.router)
    return api
