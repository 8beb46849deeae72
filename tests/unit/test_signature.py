"""Paymongo-Signature: signing and verification vectors."""

from __future__ import annotations

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

# Fixed vectors, computed once outside this code base with
#   printf '%s' "<t>.<body>" | openssl dgst -sha256 -hmac "<secret>"
# so a change to how the message is built (separator, order, encoding, hash) breaks them.
SIG = "4a7b8abd1f97ff8ffe74b0f8287d71079e3bed7f06e24722c847afe2ac77f32c"  # t=T, SECRET, BODY
SIG_T_PLUS_1 = "c18e622d899fe666f500b9d440907632f806c45614ac21eba550d726246592d2"
SIG_OTHER_SECRET = "27be0cb0154f1f42877f58c0c2c2002529c416eed9277ac1d517e630edf90f9c"
# Valid signatures over timestamps that are not plain digits: rejected for the timestamp alone.
SIG_BY_ODD_T = {
    "abc": "865574bd22881bfe4a697b2220f982de6beafdd236ef337d04d1a39b67739bf8",
    "17000000.0": "b98cd67944ca57006e56bc506079124baf526d61948b546fedf0adea8d09a667",
    "-1700000000": "7aac820d0d72d1ca94e9ecc94f0948bd38b03afcb73f7824594811c46a78b828",
    "\uff11\uff17\uff10\uff10": "9f63da05bb28d4b9b3458ffebca6ccc83bd1eb8660110ca550c4bc7fc0bc556f",
    "0x10": "bd7e4dc97f0674099a3c0eca86cabee003ec2bdbfc7ebe8e19d363860e5f9fe6",
    " ": "1bd00862e32fe90a52ebcd765e7129c497b3f5f747d817019151bfb8b92da870",
}


def test_compute_signature_matches_fixed_vectors() -> None:
    assert compute_signature(SECRET, BODY, T) == SIG
    assert compute_signature(SECRET, BODY, str(T)) == SIG
    assert compute_signature(SECRET, BODY, T + 1) == SIG_T_PLUS_1
    assert compute_signature("whsk_other", BODY, T) == SIG_OTHER_SECRET


def test_sign_header_test_mode_shape() -> None:
    assert sign_header(SECRET, BODY, T, livemode=False) == f"t={T},te={SIG},li="


def test_sign_header_live_mode_shape() -> None:
    assert sign_header(SECRET, BODY, T, livemode=True) == f"t={T},te=,li={SIG}"


def test_valid_test_mode() -> None:
    assert verify_signature(sign_header(SECRET, BODY, T, False), BODY, SECRET, livemode=False)


def test_valid_live_mode() -> None:
    assert verify_signature(sign_header(SECRET, BODY, T, True), BODY, SECRET, livemode=True)


def test_hand_built_header_from_reference() -> None:
    header = f"t={T},te={SIG},li="
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
        f"te={SIG}",
        f"t={T};te={SIG};li=",
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
    header = f"t={T},li={SIG}"
    assert not verify_signature(header, BODY, SECRET, livemode=False)
    assert verify_signature(header, BODY, SECRET, livemode=True)


@pytest.mark.parametrize("t", list(SIG_BY_ODD_T))
def test_non_digit_timestamp(t: str) -> None:
    signature = SIG_BY_ODD_T[t]
    assert not verify_signature(f"t={t},te={signature},li=", BODY, SECRET, livemode=False)


def test_header_with_extra_spaces() -> None:
    sig = SIG
    header = f"  t = {T} ,  te = {sig}  , li =  "
    assert verify_signature(header, BODY, SECRET, livemode=False)


def test_header_fields_in_any_order_and_uppercase_hex() -> None:
    sig = SIG
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
