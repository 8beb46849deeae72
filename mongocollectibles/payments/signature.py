"""PayMongo webhook signatures (``Paymongo-Signature: t=<ts>,te=<hex>,li=<hex>``).

The signed message is ``f"{t}."`` followed by the *raw* request body, keyed
with the webhook secret (``whsk_...``), HMAC-SHA256, lowercase hex. Test-mode
events carry the signature in ``te`` and live-mode events in ``li``; which
field to check comes from the configured mode, never from the (unverified)
body.
"""

from __future__ import annotations

import hashlib
import hmac
import time

__all__ = ["compute_signature", "parse_signature_header", "sign_header", "verify_signature"]


def compute_signature(secret: str, raw_body: bytes, timestamp: str | int) -> str:
    """Hex HMAC-SHA256 of ``"<timestamp>.<raw_body>"`` keyed with ``secret``."""
    message = str(timestamp).encode("ascii") + b"." + raw_body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign_header(secret: str, raw_body: bytes, timestamp: int, livemode: bool) -> str:
    """Build a ``Paymongo-Signature`` header value the way PayMongo sends it."""
    signature = compute_signature(secret, raw_body, int(timestamp))
    if livemode:
        return f"t={int(timestamp)},te=,li={signature}"
    return f"t={int(timestamp)},te={signature},li="


def parse_signature_header(header: str | None) -> dict[str, str]:
    """Split ``t=..,te=..,li=..`` into a dict; tolerant of spaces and missing parts."""
    parts: dict[str, str] = {}
    if not header:
        return parts
    for segment in header.split(","):
        key, sep, value = segment.partition("=")
        if sep:
            parts[key.strip().lower()] = value.strip()
    return parts


# Signed timestamps may be this far in the future (clock skew between PayMongo and us).
MAX_CLOCK_SKEW_SECONDS = 300


def signature_age(header: str | None, now: float | None = None) -> float | None:
    """Seconds since the header's signed timestamp (negative: in the future), or None."""
    timestamp = parse_signature_header(header).get("t", "")
    if not (timestamp.isascii() and timestamp.isdigit()):
        return None
    return (time.time() if now is None else now) - int(timestamp)


def verify_signature(
    header: str | None,
    raw_body: bytes,
    secret: str,
    livemode: bool,
    *,
    tolerance_seconds: float | None = None,
    now: float | None = None,
) -> bool:
    """True only if ``header`` carries a valid signature of ``raw_body``, signed at most
    ``tolerance_seconds`` ago (None: any age) and at most MAX_CLOCK_SKEW_SECONDS ahead.

    Never raises: a missing, empty or garbled header, a non-numeric timestamp
    or an empty signature field all give False. PayMongo documents no
    tolerance and retries an event for up to ~136.5 minutes, possibly with its
    first timestamp, so the tolerance must be longer than that (the app uses 3
    hours); replays within it are handled by de-duplicating on the event id.
    """
    try:
        if not secret or not isinstance(raw_body, bytes | bytearray):
            return False
        parts = parse_signature_header(header)
        provided = parts.get("li" if livemode else "te", "")
        # signature_age is the one check that the timestamp is plain ASCII digits.
        age = signature_age(header, now)
        if age is None or not provided:
            return False
        if tolerance_seconds is not None and (
            age > tolerance_seconds or age < -MAX_CLOCK_SKEW_SECONDS
        ):
            return False
        expected = compute_signature(secret, bytes(raw_body), parts["t"])
        return hmac.compare_digest(
            expected.encode("ascii"), provided.lower().encode("utf-8", "replace")
        )
    except Exception:  # noqa: BLE001 - a verifier must never crash the webhook handler
        return False
