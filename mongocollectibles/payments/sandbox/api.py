"""The PayMongo REST endpoints (``/v1/...``) served by the sandbox."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse

from .models import SandboxError, error_item
from .service import Sandbox
from .store import StoredResponse
from .validation import envelope_attributes

JSON = "application/json"
RATE_LIMIT_TEXT = "Too many requests, please try again later."


def json_response(data: dict[str, Any], status_code: int = 200) -> Response:
    return Response(json.dumps({"data": data}).encode("utf-8"), status_code, media_type=JSON)


def authenticate(request: Request, secret_key: str) -> None:
    """HTTP Basic with the secret key as user and an empty password (colon optional)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic" or not token.strip():
        raise SandboxError.one(
            401,
            "api_key_missing",
            "API key is missing. Use HTTP Basic auth with your secret key as the username.",
        )
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        decoded = ""
    user, _, password = decoded.partition(":")
    if password or not hmac.compare_digest(user.encode(), secret_key.encode()):
        raise SandboxError.one(401, "api_key_invalid", "The API key provided is invalid.")


def parse_json(raw: bytes) -> Any:
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SandboxError.one(
            400, "parameter_format_invalid", "The request body is not valid JSON."
        ) from exc


def require_json_body(request: Request) -> None:
    """A create's body is read only when declared ``application/json`` (media types are
    case-insensitive; parameters such as charset are allowed). PayMongo finds no attributes
    in any other body and answers 400 (``invalid_payload_format``)."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != JSON:
        raise SandboxError.one(
            400,
            "invalid_payload_format",
            "The request body must be JSON sent with Content-Type: application/json.",
            "headers.Content-Type",
        )


def run_idempotent(
    sandbox: Sandbox,
    request: Request,
    raw: bytes,
    create: Callable[[dict[str, Any]], dict[str, Any]],
) -> Response:
    """Run ``create`` once per ``Idempotency-Key``; replay its stored response after.

    Only successes are stored (like PayMongo, validation failures store
    nothing). Same key with a different request is a 400. There is no await
    between the look-up and the store, so concurrent retries cannot both run.
    """
    require_json_body(request)
    payload = parse_json(raw)
    key = request.headers.get("idempotency-key")
    fingerprint = ""
    if key is not None:
        if not key.strip() or len(key) > 255:
            raise SandboxError.one(
                400,
                "parameter_invalid",
                "Idempotency-Key must be 1 to 255 characters.",
                "headers.Idempotency-Key",
            )
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        fingerprint = hashlib.sha256(
            f"{request.method} {request.url.path}\n{canonical}".encode()
        ).hexdigest()
        stored = sandbox.store.idempotency.get(key)
        if stored is not None:
            if stored.fingerprint != fingerprint:
                raise SandboxError.one(
                    400,
                    "idempotency_key_reused",
                    "This Idempotency-Key was already used with different request parameters.",
                    "headers.Idempotency-Key",
                )
            headers = {"Idempotent-Replayed": "true"}
            return Response(stored.body, stored.status_code, headers=headers, media_type=JSON)
    data = create(envelope_attributes(payload))
    response = json_response(data)
    if key is not None:
        sandbox.store.idempotency[key] = StoredResponse(fingerprint, 200, bytes(response.body))
    return response


def build_api_router(sandbox: Sandbox) -> APIRouter:
    router = APIRouter(prefix="/v1")
    store = sandbox.store

    def auth(request: Request) -> None:
        authenticate(request, sandbox.config.secret_key)

    @router.post("/checkout_sessions")
    async def create_checkout_session(request: Request) -> Response:
        auth(request)
        raw = await request.body()
        fault = sandbox.faults.create_checkout
        if fault == "error_500":
            detail = "Something went wrong on our end (sandbox fault error_500)."
            body = {"errors": [error_item("internal_server_error", detail)]}
            return Response(json.dumps(body).encode(), 500, media_type=JSON)
        if fault == "error_429":
            return PlainTextResponse(RATE_LIMIT_TEXT, status_code=429)
        if fault == "timeout":
            # Answer only after the client has given up; the session is still
            # created, as a real provider may do, so an idempotent retry finds it.
            await asyncio.sleep(sandbox.faults.timeout_seconds)

        def create(attributes: dict[str, Any]) -> dict[str, Any]:
            return store.render_session(store.create_session(attributes))

        return run_idempotent(sandbox, request, raw, create)

    @router.get("/checkout_sessions/{session_id}")
    async def retrieve_checkout_session(session_id: str, request: Request) -> Response:
        auth(request)
        return json_response(store.render_session(store.session(session_id)))

    @router.post("/checkout_sessions/{session_id}/expire")
    async def expire_checkout_session(session_id: str, request: Request) -> Response:
        auth(request)
        return json_response(store.render_session(store.expire_session(session_id)))

    @router.post("/refunds")
    async def create_refund(request: Request) -> Response:
        auth(request)
        raw = await request.body()
        return run_idempotent(sandbox, request, raw, sandbox.refund)

    @router.get("/refunds/{refund_id}")
    async def retrieve_refund(refund_id: str, request: Request) -> Response:
        auth(request)
        return json_response(store.render_refund(store.refund(refund_id)))

    @router.get("/payments/{payment_id}")
    async def retrieve_payment(payment_id: str, request: Request) -> Response:
        auth(request)
        return json_response(store.render_payment(store.payment(payment_id)))

    return router
