"""Paymongo-Signature: signing and verification vectors."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from mongocollectibles.payments.signature import (
    compute_signature,
    parse_signature_header,
    sign_header,
    verify_signature,
)

SECRET = "whsk_test_secret_123"
BODY = b'{"data":{"id":"evt_1","type":"event","attributes":{"type":"payment.paid"}}}'
T = 1700000000


def _hmac(secret: str, t: int | str, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()


def test_compute_signature_matches_reference_algorithm() -> None:
    assert compute_signature(SECRET, BODY, T) == _hmac(SECRET, T, BODY)


def test_sign_header_test_mode_shape() -> None:
    assert sign_header(SECRET, BODY, T, livemode=False) == f"t={T},te={_hmac(SECRET, T, BODY)},li="


def test_sign_header_live_mode_shape() -> None:
    assert sign_header(SECRET, BODY, T, livemode=True) == f"t={T},te=,li={_hmac(SECRET, T, BODY)}"


def test_valid_test_mode() -> None:
    assert verify_signature(sign_header(SECRET, BODY, T, False), BODY, SECRET, livemode=False)


def test_valid_live_mode() -> None:
    assert verify_signature(sign_header(SECRET, BODY, T, True), BODY, SECRET, livemode=True)


def test_hand_built_header_from_reference() -> None:
    header = f"t={T},te={_hmac(SECRET, T, BODY)},li="
    assert verify_signature(header, BODY, SECRET, livemode=False)


def test_wrong_secret() -> None:
    header = sign_header("whsk_other", BODY, T, False)
    assert not verify_signature(header, BODY, SECRET, livemode=False)


def test_tampered_body() -> None:
    header = sign_header(SECRET, BODY, T, False)
    assert not verify_signature(header, BODY.replace(b"paid", b"PAID"), SECRET, livemode=False)


def test_reserialised_body_is_not_the_raw_body() -> None:
    header = sign_header(SECRET, BODY, T, False)
    assert not verify_signature(header, BODY.replace(b":", b": "), SECRET, livemode=False)


def test_tampered_timestamp() -> None:
    header = sign_header(SECRET, BODY, T, False).replace(f"t={T}", f"t={T + 1}")
    assert not verify_signature(header, BODY, SECRET, livemode=False)


@pytest.mark.parametrize("header", [None, ""])
def test_missing_header(header: str | None) -> None:
    assert not verify_signature(header, BODY, SECRET, livemode=False)


@pytest.mark.parametrize(
    "header",
    [
        "garbage",
        "t",
        ",,,",
        "=,=,=",
        "t=,te=,li=",
        f"t={T}",
        f"te={_hmac(SECRET, T, BODY)}",
        f"t={T};te={_hmac(SECRET, T, BODY)};li=",
        "t=1700000000,te=zzzz\u00e9\u2603,li=",
        "\x00\xff",
    ],
)
def test_garbled_header(header: str) -> None:
    assert not verify_signature(header, BODY, SECRET, livemode=False)


def test_live_mode_with_empty_li_is_rejected() -> None:
    # A test-mode header (te set, li empty) must not pass a live-mode verifier.
    header = sign_header(SECRET, BODY, T, livemode=False)
    assert not verify_signature(header, BODY, SECRET, livemode=True)


def test_test_mode_with_empty_te_is_rejected() -> None:
    header = sign_header(SECRET, BODY, T, livemode=True)
    assert not verify_signature(header, BODY, SECRET, livemode=False)


def test_test_mode_with_te_missing_entirely() -> None:
    header = f"t={T},li={_hmac(SECRET, T, BODY)}"
    assert not verify_signature(header, BODY, SECRET, livemode=False)
    assert verify_signature(header, BODY, SECRET, livemode=True)


@pytest.mark.parametrize("t", ["abc", "17000000.0", "-1700000000", "１７００", "0x10", " "])
def test_non_digit_timestamp(t: str) -> None:
    signature = _hmac(SECRET, t, BODY)
    assert not verify_signature(f"t={t},te={signature},li=", BODY, SECRET, livemode=False)


def test_header_with_extra_spaces() -> None:
    sig = _hmac(SECRET, T, BODY)
    header = f"  t = {T} ,  te = {sig}  , li =  "
    assert verify_signature(header, BODY, SECRET, livemode=False)


def test_header_fields_in_any_order_and_uppercase_hex() -> None:
    sig = _hmac(SECRET, T, BODY)
    assert verify_signature(f"li=,te={sig.upper()},t={T}", BODY, SECRET, livemode=False)


def test_empty_secret_never_verifies() -> None:
    header = sign_header("", BODY, T, False)
    assert not verify_signature(header, BODY, "", livemode=False)


def test_non_bytes_body_is_rejected_not_raised() -> None:
    header = sign_header(SECRET, BODY, T, False)
    assert not verify_signature(header, BODY.decode(), SECRET, livemode=False)  # type: ignore[arg-type]


def test_parse_signature_header_is_tolerant() -> None:
    assert parse_signature_header(" t=1 , te=ab ,li= ,junk") == {"t": "1", "te": "ab", "li": ""}
    assert parse_signature_header(None) == {}


@pytest.mark.parametrize(
    ("age", "valid"),
    [(0, True), (8190, True), (10_800, True), (10_801, False), (-300, True), (-301, False)],
)
def test_timestamp_tolerance(age: int, valid: bool) -> None:
    header = sign_header(SECRET, BODY, T, False)
    assert (
        verify_signature(
            header, BODY, SECRET, livemode=False, tolerance_seconds=10_800, now=T + age
        )
        is valid
    )
