"""The one payment-method table: what checkout accepts, what customers read, what the sandbox
enables."""

from __future__ import annotations

import pytest
from reflex.components.lucide.icon import LUCIDE_ICON_LIST

from mongocollectibles.payments.methods import (
    METHOD_CODES,
    METHODS,
    is_known,
    method_icon,
    method_label,
)
from mongocollectibles.payments.sandbox import DEFAULT_METHODS
from mongocollectibles.payments.sandbox.models import SandboxConfig
from mongocollectibles.payments.sandbox.page import render_checkout_page
from mongocollectibles.payments.sandbox.store import Store

# The codes PayMongo names in payment_method_types; a checkout with any other is refused.
OFFERED = ("card", "gcash", "paymaya", "grab_pay", "qrph", "dob", "dob_ubp")


def test_the_shop_offers_these_methods_in_this_order():
    assert METHOD_CODES == OFFERED
    assert len({m.code for m in METHODS}) == len(METHODS)


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("card", "Credit / debit card"),
        ("gcash", "GCash"),
        ("paymaya", "Maya"),
        ("grab_pay", "GrabPay"),
        ("qrph", "QR Ph"),
        ("dob", "BPI online banking"),
        ("dob_ubp", "UnionBank online banking"),
    ],
)
def test_customer_labels(code, label):
    assert method_label(code) == label


def test_an_unknown_code_shows_as_is():
    # An old rental may name a method no longer offered: its page still shows something.
    assert method_label("billease") == "billease"
    assert not is_known("billease")
    assert not is_known(None)


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.code)
def test_every_icon_exists_in_the_icon_set(method):
    # rx.icon refuses a name outside Lucide's list, which would break the checkout page.
    assert method.icon.replace("-", "_") in LUCIDE_ICON_LIST
    assert method_icon(method.code) == method.icon
    assert method.description.strip()


def test_unknown_code_gets_the_generic_icon():
    assert method_icon("billease") == "wallet"


def test_sandbox_enables_the_same_methods_and_shows_the_same_labels():
    assert DEFAULT_METHODS == OFFERED
    config = SandboxConfig(
        secret_key="sk_test_x", webhook_secret="whsk_x", webhook_url="", public_url="http://sb"
    )
    store = Store(config)
    record = store.create_session(
        {
            "line_items": [{"name": "Figure", "amount": 300000, "currency": "PHP", "quantity": 1}],
            "payment_method_types": ["card", "dob"],
            "reference_number": "r-1",
        }
    )
    html = render_checkout_page(record)
    assert "Credit / debit card" in html and "BPI online banking" in html
