"""The earlier system's JSON envelope, request-body reading with limits, error mapping."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from mongocollectibles.domain.errors import DomainError

MAX_BODY_BYTES = 16 * 1024


class ApiError(Exception):
    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        # Only at the JSON boundary: pesos with centavos (e.g. 1500.5) as a JSON number.
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


class EnvelopeResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return json.dumps(content, default=_json_default, separators=(",", ":")).encode()


def ok(data: Any, status_code: int = 200) -> EnvelopeResponse:
    return EnvelopeResponse({"success": True, "data": data}, status_code=status_code)


def fail(status_code: int, message: str) -> EnvelopeResponse:
    return EnvelopeResponse({"success": False, "error": message}, status_code=status_code)


def domain_error_response(error: DomainError) -> EnvelopeResponse:
    response = fail(error.status_code, error.message)
    retry_after = getattr(error, "retry_after", None)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


async def read_json_object(request: Request, max_bytes: int = MAX_BODY_BYTES) -> dict:
    """The request body as a JSON object, or an ApiError with a clear 4xx."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise ApiError(413, f"Request body is too large (at most {max_bytes} bytes).")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > max_bytes:
            raise ApiError(413, f"Request body is too large (at most {max_bytes} bytes).")
    if not body.strip():
        raise ApiError(400, "Request body is empty; send a JSON object.")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise ApiError(400, "Request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise ApiError(400, "Request body must be a JSON object.")
    return data
