"""PayMongo implementation of :class:`PaymentGateway` over one ``httpx.AsyncClient``.

Retry policy (kept deliberately small; see the PayMongo reference, 3.4/3.5):

* GET (retrieve): retried on connection errors and 5xx.
* POST creates: retried only on connection errors, with the same
  ``Idempotency-Key``; never on timeouts, 4xx or 5xx.
* POST expire: retried on connection errors (expiring twice is harmless).
* 401 and every other 4xx are never retried.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from .events import first_paid_payment
from .gateway import (
    CheckoutRequest,
    CheckoutSession,
    GatewayError,
    GatewayRejected,
    GatewayUnavailable,
    Refund,
)

__all__ = ["PayMongoClient", "build_checkout_attributes", "parse_checkout_session", "parse_refund"]

DEFAULT_BASE_URL = "https://api.paymongo.com"
# Connection-level failures (not timeouts: a slow provider is not hammered).
_RETRYABLE = (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


class PayMongoClient:
    """Async PayMongo client; one instance per process, close it with :meth:`aclose`."""

    def __init__(
        self,
        secret_key: str,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 10.0,
        http: httpx.AsyncClient | None = None,
        *,
        max_retries: int = 2,
        retry_backoff: float = 0.25,
    ) -> None:
        if not secret_key:
            raise ValueError("secret_key is required")
        self._base_url = base_url.rstrip("/")
        self._auth = httpx.BasicAuth(secret_key, "")
        self._timeout = httpx.Timeout(timeout, connect=min(timeout, 5.0))
        self._owns_http = http is None
        self._http = http or httpx.AsyncClient(timeout=self._timeout)
        self._max_retries = max_retries
        self._retry_backoff = retry_backoff

    async def __aenter__(self) -> PayMongoClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    # -- PaymentGateway -------------------------------------------------------------

    async def create_checkout_session(self, request: CheckoutRequest) -> CheckoutSession:
        data = await self._request(
            "POST",
            "/v1/checkout_sessions",
            attributes=build_checkout_attributes(request),
            idempotency_key=request.idempotency_key,
        )
        return parse_checkout_session(data)

    async def retrieve_checkout_session(self, session_id: str) -> CheckoutSession:
        data = await self._request("GET", f"/v1/checkout_sessions/{_path_id(session_id)}")
        return parse_checkout_session(data)

    async def expire_checkout_session(self, session_id: str) -> CheckoutSession:
        data = await self._request("POST", f"/v1/checkout_sessions/{_path_id(session_id)}/expire")
        return parse_checkout_session(data)

    async def create_refund(
        self, *, payment_id: str, amount_centavos: int, reason: str, idempotency_key: str
    ) -> Refund:
        if isinstance(amount_centavos, bool) or not isinstance(amount_centavos, int):
            raise TypeError("amount_centavos must be an int number of centavos")
        if not idempotency_key:
            raise ValueError("idempotency_key must not be empty")
        attributes = {"amount": amount_centavos, "payment_id": payment_id, "reason": reason}
        data = await self._request(
            "POST", "/v1/refunds", attributes=attributes, idempotency_key=idempotency_key
        )
        return parse_refund(data)

    # -- transport ------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        *,
        attributes: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Send one call; returns the envelope's ``data``. Only GETs are retried on 5xx."""
        headers = {"Accept": "application/json"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        content = None
        if attributes is not None:
            content = json.dumps({"data": {"attributes": attributes}}).encode()
            headers["Content-Type"] = "application/json"
        attempt = 0
        while True:
            try:
                response = await self._http.request(
                    method,
                    self._base_url + path,
                    content=content,
                    headers=headers,
                    auth=self._auth,
                    timeout=self._timeout,
                )
            except httpx.TimeoutException as exc:
                # Not retried: the caller's latency stays bounded by one timeout.
                raise GatewayUnavailable(
                    f"payment provider timed out ({type(exc).__name__} on {method} {path})"
                ) from exc
            except httpx.TransportError as exc:
                # Every call we make is safe to repeat on a broken connection: GET and
                # expire are idempotent, creates carry the same Idempotency-Key.
                if isinstance(exc, _RETRYABLE) and attempt < self._max_retries:
                    attempt += 1
                    await self._sleep(attempt)
                    continue
                raise GatewayUnavailable(
                    f"could not reach payment provider ({type(exc).__name__}: {exc})"
                ) from exc
            if response.status_code >= 500 and method == "GET" and attempt < self._max_retries:
                attempt += 1
                await self._sleep(attempt)
                continue
            return _handle_response(response, method, path)

    async def _sleep(self, attempt: int) -> None:
        if self._retry_backoff > 0:
            await asyncio.sleep(self._retry_backoff * attempt)


def _path_id(resource_id: str) -> str:
    if not resource_id or "/" in resource_id or "?" in resource_id or "#" in resource_id:
        raise ValueError(f"invalid resource id: {resource_id!r}")
    return resource_id


def _handle_response(response: httpx.Response, method: str, path: str) -> dict[str, Any]:
    status = response.status_code
    if 200 <= status < 300:
        try:
            payload = response.json()
            data = payload["data"]
            if not isinstance(data, dict) or "id" not in data or "attributes" not in data:
                raise ValueError("no data.attributes")
        except (ValueError, KeyError, TypeError) as exc:
            raise GatewayUnavailable(
                f"payment provider returned an unreadable response to {method} {path}",
                status_code=status,
            ) from exc
        return data
    raise _error_from_response(response, method, path)


def _error_from_response(response: httpx.Response, method: str, path: str) -> GatewayError:
    status = response.status_code
    errors = _parse_errors(response)
    code = next((e["code"] for e in errors if e.get("code")), None)
    details = [str(e.get("detail") or e.get("code") or "").strip() for e in errors]
    details = [d for d in details if d]
    if status == 429:
        text = "; ".join(details) or response.text.strip() or "Too many requests"
        return GatewayUnavailable(
            f"payment provider rate limit hit on {method} {path}: {text}",
            status_code=status,
            code=code or "too_many_requests",
            errors=errors,
        )
    if details:
        message = "; ".join(details)
    else:
        snippet = response.text.strip()[:200]
        message = f"HTTP {status} from payment provider on {method} {path}" + (
            f": {snippet}" if snippet else ""
        )
    if status >= 500:
        return GatewayUnavailable(
            f"payment provider error (HTTP {status}): {message}",
            status_code=status,
            code=code,
            errors=errors,
        )
    return GatewayRejected(message, status_code=status, code=code, errors=errors)


def _parse_errors(response: httpx.Response) -> tuple[dict[str, Any], ...]:
    try:
        payload = response.json()
    except ValueError:
        return ()
    raw = payload.get("errors") if isinstance(payload, dict) else None
    if not isinstance(raw, list):
        return ()
    return tuple(e for e in raw if isinstance(e, dict))


def build_checkout_attributes(request: CheckoutRequest) -> dict[str, Any]:
    """The ``data.attributes`` of ``POST /v1/checkout_sessions`` for ``request``."""
    attributes: dict[str, Any] = {
        "line_items": [
            {
                "name": request.line_item_name,
                "amount": request.amount_centavos,
                "currency": "PHP",
                "quantity": 1,
            }
        ],
        "payment_method_types": list(request.payment_method_types),
        "reference_number": request.reference_number,
        "success_url": request.success_url,
        "cancel_url": request.cancel_url,
        "send_email_receipt": False,
        "show_line_items": True,
        "show_description": request.description is not None,
    }
    if request.description is not None:
        attributes["description"] = request.description
    if request.billing is not None:
        b = request.billing
        attributes["billing"] = {
            "name": b.name,
            "email": b.email,
            "phone": b.phone,
            "address": {
                "line1": b.line1,
                "city": b.city,
                "postal_code": b.postal_code,
                "country": b.country,
            },
        }
    return attributes


def parse_checkout_session(data: dict[str, Any]) -> CheckoutSession:
    """Map a checkout_session resource (``data`` of the envelope) to :class:`CheckoutSession`."""
    attrs = data.get("attributes") or {}
    paid_payment = first_paid_payment(attrs)
    intent_attrs = (attrs.get("payment_intent") or {}).get("attributes") or {}
    paid = paid_payment is not None or intent_attrs.get("status") == "succeeded"
    paid_attrs = (paid_payment.get("attributes") or {}) if paid_payment else {}
    paid_amount = paid_attrs.get("amount")
    paid_currency = paid_attrs.get("currency")
    amount = 0
    for item in attrs.get("line_items") or []:
        amount += int(item.get("amount") or 0) * int(item.get("quantity") or 1)
    if not amount:
        amount = int(intent_attrs.get("amount") or 0)
    return CheckoutSession(
        id=str(data["id"]),
        checkout_url=str(attrs.get("checkout_url") or ""),
        status=str(attrs.get("status") or ""),
        paid=paid,
        payment_id=str(paid_payment["id"]) if paid_payment else None,
        reference_number=attrs.get("reference_number"),
        amount_centavos=amount,
        livemode=bool(attrs.get("livemode", False)),
        paid_amount_centavos=(
            paid_amount
            if isinstance(paid_amount, int) and not isinstance(paid_amount, bool)
            else None
        ),
        paid_currency=paid_currency if isinstance(paid_currency, str) and paid_currency else None,
    )


def parse_refund(data: dict[str, Any]) -> Refund:
    attrs = data.get("attributes") or {}
    return Refund(
        id=str(data["id"]),
        status=str(attrs.get("status") or ""),
        amount_centavos=int(attrs.get("amount") or 0),
        payment_id=str(attrs.get("payment_id") or ""),
    )
