"""The earlier system's JSON envelope, request-body reading with limits, error mapping."""

from __future__ import annotations

import asyncio
import json
import secrets
from decimal import Decimal
from typing import Any, Literal

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from mongocollectibles.domain.errors import DomainError
from mongocollectibles.settings import get_settings

MAX_BODY_BYTES = 16 * 1024
JSON_ONLY = "Send the request body as JSON (Content-Type: application/json)."
TOO_SLOW = "The request body took too long to arrive; please send it again."


class ErrorEnvelope(BaseModel):
    """Every error answer: `{"success": false, "error": "<what went wrong, for people>"}`."""

    success: Literal[False]
    error: str


ERROR_MEANINGS = {
    400: "Malformed input (bad JSON, a forbidden character in a field, ...)",
    401: "Missing or invalid signature, or no valid owner session",
    403: "The signed-in account's role may not do this",
    404: "Unknown collectible, store or rental",
    408: "The request body did not arrive in time",
    409: "Out of stock, or the rental cannot change that way",
    413: "Request body too large",
    415: "The body is not JSON",
    422: "A field breaks a rule (the message names it)",
    429: "Too many checkouts or unpaid holds (see Retry-After)",
    502: "The payment provider failed; nothing was charged",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these error status codes, all with the error envelope."""
    return {code: {"model": ErrorEnvelope, "description": ERROR_MEANINGS[code]} for code in codes}


class ApiError(Exception):
    def __init__(self, status_code: int, message: str, headers: dict | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.headers = headers or {}


def is_json(content_type: str | None) -> bool:
    """application/json (any parameters, e.g. charset) or an application/...+json type."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def too_large(max_bytes: int) -> ApiError:
    # Close the connection after answering: the rest of the body is not worth reading.
    return ApiError(
        413, f"Request body is too large (at most {max_bytes} bytes).", {"Connection": "close"}
    )


def too_slow() -> ApiError:
    # The rest of the body may never come: close the connection after answering.
    return ApiError(408, TOO_SLOW, {"Connection": "close"})


async def read_body(request: Request, max_bytes: int = MAX_BODY_BYTES) -> bytes:
    """The raw JSON request body: 415 unless it is declared JSON, 413 past `max_bytes`
    (checked before reading when declared, and while reading), 408 when it does not arrive
    within BODY_READ_TIMEOUT_SECONDS. A client that goes away raises ClientDisconnect, which
    the API answers quietly (a disconnect is normal, not an error)."""
    if not is_json(request.headers.get("content-type")):
        raise ApiError(415, JSON_ONLY)
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise too_large(max_bytes)
    body = bytearray()
    try:
        async with asyncio.timeout(get_settings().body_read_timeout_seconds):
            async for chunk in request.stream():
                body.extend(chunk)
                if len(body) > max_bytes:
                    raise too_large(max_bytes)
    except TimeoutError:
        raise too_slow() from None
    return bytes(body)


# Decimals (pesos with centavos) reach JSON as their exact digits, never through a float: the
# encoder writes each as a string wrapped in this per-process marker, and the quotes and markers
# are then dropped. No client string can contain the marker (it is random and never shown).
_DECIMAL_MARK = "dec" + secrets.token_hex(12)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a JSON number")
        return f"{_DECIMAL_MARK}{value}{_DECIMAL_MARK}"
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def render(content: Any) -> bytes:
    text = json.dumps(content, default=_json_default, separators=(",", ":"))
    if _DECIMAL_MARK in text:
        text = text.replace(f'"{_DECIMAL_MARK}', "").replace(f'{_DECIMAL_MARK}"', "")
    return text.encode()


class EnvelopeResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return render(content)


def ok_body(data: Any) -> bytes:
    """The bytes `ok(data)` sends (for answers rendered once and cached)."""
    return render({"success": True, "data": data})


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
    body = await read_body(request, max_bytes)
    if not body.strip():
        raise ApiError(400, "Request body is empty; send a JSON object.")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise ApiError(400, "Request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise ApiError(400, "Request body must be a JSON object.")
    return data
