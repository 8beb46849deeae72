"""Checkout to payment: inline validation, the sandbox's hosted checkout (pay, cancel), the
payment result and order pages, out of stock at the last moment, provider down, double click."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import stock_of

GOOD = {
    "name": "Juan dela Cruz",
    "email": "juan@example.com",
    "phone": "0917 123 4567",
    "address": "12 Mabini Street, Ermita",
    "city": "Manila",
    "postal_code": "1000",
}


def open_checkout(page, shop_url, collectible_id, days):
    page.goto(
        f"{shop_url}/checkout?collectible_id={collectible_id}&store_id=store-a&duration={days}"
    )
    expect(page.locator("#summary-days")).to_have_text(f"{days} days", timeout=30_000)


def fill_billing(page, **values):
    for field, value in {**GOOD, **values}.items():
        page.locator(f"#field-{field}").fill(value)


def test_validation_errors_appear_and_nothing_is_held(page, shop_url, api, screenshot):
    open_checkout(page, shop_url, "col-005", 7)
    expect(page.locator("#summary-total")).to_have_text("PHP 35,000.00")
    # Inline: a field is checked when it loses focus.
    page.locator("#field-email").fill("juan@")
    page.locator("#field-email").press("Tab")
    expect(page.locator("#error-email")).to_contain_text("valid email")
    page.locator("#field-email").fill("juan@example.com")
    page.locator("#field-email").press("Tab")
    expect(page.locator("#error-email")).not_to_contain_text("valid email")
    # Submit with bad values: every problem is shown, nothing is held.
    fill_billing(page, name="", phone="123 456 789", address="", postal_code="12")
    page.locator("#pay-button").click()
    expect(page.locator("#error-name")).to_have_text("Name is required.")
    expect(page.locator("#error-phone")).to_contain_text("Philippine phone number")
    expect(page.locator("#error-address")).to_have_text("Address is required.")
    expect(page.locator("#error-postal_code")).to_contain_text("4 digits")
    expect(page.locator("#field-name")).to_be_focused()
    expect(page.locator("#field-phone")).to_have_attribute("aria-invalid", "true")
    screenshot("checkout-errors")
    assert "/checkout" in page.url
    assert stock_of(api, "col-005") == 4


def test_happy_path_pays_in_the_sandbox_and_shows_the_order(page, shop_url, api, screenshot):
    page.goto(f"{shop_url}/collectibles/col-005")
    page.get_by_label("Duration (days)").fill("3")
    expect(page.locator("#quote-total")).to_have_text("PHP 30,000.00", timeout=30_000)
    page.locator("#rent-button").click()
    expect(page).to_have_url(re.compile(r"/checkout\?collectible_id=col-005.*duration=3"))
    expect(page.locator("#summary-total")).to_have_text("PHP 30,000.00")
    expect(page.locator("#special-rate-warning")).to_be_visible()
    fill_billing(page)
    page.get_by_role("radio", name="Maya").click()
    expect(page.locator("#pay-button")).to_have_text(re.compile("Pay PHP 30,000.00 with Maya"))
    screenshot("checkout")
    page.locator("#pay-button").click()

    expect(page).to_have_url(re.compile(r"/paymongo-sandbox/checkout/"))
    expect(page.locator("#sandbox-amount")).to_contain_text("30,000.00")
    assert stock_of(api, "col-005") == 3  # held while paying
    page.locator("#sandbox-pay").click()

    expect(page).to_have_url(re.compile(r"/payment/success/?\?rental_id=.+&token=.+"))
    expect(page.locator("#payment-paid")).to_be_visible()
    expect(page.locator("#rental-status")).to_have_text("Paid")
    expect(page.locator("#summary-name")).to_have_text("Gundam Perfect Grade Model")
    expect(page.locator("#payment-paid")).to_contain_text("MongoCollectibles Store A")
    screenshot("payment-success")
    assert stock_of(api, "col-005") == 3  # a paid rental keeps its unit

    page.locator("#order-link").click()
    expect(page).to_have_url(re.compile(r"/orders/[^/?]+/?\?token=.+"))
    expect(page.locator("#order-status")).to_contain_text("Paid")
    expect(page.locator("#summary-total")).to_have_text("PHP 30,000.00")
    expect(page.locator("#order-pickup")).to_contain_text("MongoCollectibles Store A")
    screenshot("order")

    # The order page needs the secret token.
    page.goto(re.sub(r"token=[^&]+", "token=wrong", page.url))
    expect(page.locator("#rental-missing")).to_be_visible()


def test_double_click_holds_one_unit_and_cancel_frees_it(page, shop_url, api, screenshot):
    before = stock_of(api, "col-001")
    open_checkout(page, shop_url, "col-001", 7)
    fill_billing(page)
    page.locator("#pay-button").dblclick()
    expect(page).to_have_url(re.compile(r"/paymongo-sandbox/checkout/"))
    assert stock_of(api, "col-001") == before - 1
    page.locator("#sandbox-cancel").click()

    expect(page).to_have_url(re.compile(r"/payment/failed/?\?rental_id="))
    expect(page.locator("#payment-pending")).to_contain_text("No payment received")
    expect(page.locator("#rental-status")).to_have_text("Waiting for payment")
    screenshot("payment-failed")
    # Retry goes back to the payment page.
    page.locator("#retry-payment").click()
    expect(page).to_have_url(re.compile(r"/paymongo-sandbox/checkout/"))
    page.go_back()
    expect(page.locator("#payment-pending")).to_be_visible()
    page.locator("#cancel-rental").click()
    page.locator("#confirm-cancel").click()
    expect(page.locator("#payment-ended")).to_contain_text("cancelled")
    expect(page.locator("#rental-status")).to_have_text("Cancelled")
    assert stock_of(api, "col-001") == before


def test_out_of_stock_after_the_last_unit_is_held(page, shop_url, api, hold_units):
    open_checkout(page, shop_url, "col-003", 7)
    fill_billing(page)
    hold_units("col-003", count=4)  # other shoppers take every unit meanwhile
    page.locator("#pay-button").click()
    expect(page.locator("#checkout-error")).to_contain_text("out of stock")
    expect(page.locator("#pay-button")).to_be_disabled()
    assert "/checkout" in page.url
    hold_units.release_all()
    assert stock_of(api, "col-003") == 4  # nothing left held by the failed checkout


def test_payment_provider_down_is_explained(page, shop_url, api, sandbox_faults):
    sandbox_faults(create_checkout="error_500")
    open_checkout(page, shop_url, "col-004", 10)
    fill_billing(page)
    page.locator("#pay-button").click()
    expect(page.locator("#checkout-error")).to_contain_text("payment provider is not responding")
    expect(page.locator("#pay-button")).to_be_enabled()
    assert stock_of(api, "col-004") == 4


def test_success_page_confirms_with_paymongo_when_the_webhook_is_lost(
    page, shop_url, api, sandbox_faults
):
    sandbox_faults(webhooks="drop")
    open_checkout(page, shop_url, "col-006", 7)
    fill_billing(page)
    page.get_by_role("radio", name="Credit / debit card").click()
    page.locator("#pay-button").click()
    expect(page).to_have_url(re.compile(r"/paymongo-sandbox/checkout/"))
    page.locator("#sandbox-pay").click()
    expect(page.locator("#payment-paid")).to_be_visible()
    expect(page.locator("#rental-status")).to_have_text("Paid")
    expect(page.locator("#summary-total")).to_have_text("PHP 70,000.00")


def test_success_page_waits_for_the_confirmation(page, shop_url, api, sandbox_faults, screenshot):
    """Back on the success page before PayMongo confirms: a spinner, then paid."""
    sandbox_faults(webhooks="drop")
    body = {
        "collectible_id": "col-004",
        "store_id": "store-b",
        "duration": 10,
        "payment_method": "qrph",
        "customer": GOOD,
    }
    started = api.post("/api/rentals/checkout", json=body).json()["data"]
    page.goto(
        f"{shop_url}/payment/success?rental_id={started['rental_id']}&token={started['token']}"
    )
    expect(page.locator("#payment-waiting")).to_be_visible()
    expect(page.locator("#rental-status")).to_have_text("Waiting for payment")
    screenshot("payment-waiting")
    session_id = started["payment_url"].rstrip("/").rsplit("/", 1)[-1]
    paid = api.post(f"/paymongo-sandbox/_sandbox/checkout_sessions/{session_id}/pay", json={})
    paid.raise_for_status()
    expect(page.locator("#payment-paid")).to_be_visible()
    expect(page.locator("#rental-status")).to_have_text("Paid")
    expect(page.locator("#payment-paid")).to_contain_text("MongoCollectibles Store B")


def test_too_many_unpaid_holds_are_explained(page, shop_url, api):
    customer = {**GOOD, "email": "many.holds@example.com", "phone": "0918 765 4321"}
    held = []
    try:
        for collectible_id in ("col-001", "col-002", "col-003"):
            answer = api.post(
                "/api/rentals/checkout",
                json={
                    "collectible_id": collectible_id,
                    "store_id": "store-a",
                    "duration": 2,
                    "payment_method": "gcash",
                    "customer": customer,
                },
            )
            assert answer.status_code == 200, answer.text
            held.append(answer.json()["data"])
        open_checkout(page, shop_url, "col-004", 2)
        fill_billing(page, email=customer["email"], phone=customer["phone"])
        page.locator("#pay-button").click()
        expect(page.locator("#checkout-error")).to_contain_text(
            "You already have 3 rentals waiting for payment"
        )
        assert "/checkout" in page.url
    finally:
        for data in held:
            api.post(f"/api/rentals/{data['rental_id']}/cancel", params={"token": data["token"]})
