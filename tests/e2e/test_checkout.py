"""Checkout to payment: inline validation, the sandbox's hosted checkout (pay, cancel), the
payment result and order pages, out of stock at the last moment, provider down, double click."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import amount, stock_of
from tests.support.orders import CUSTOMER, order

# The billing form's labels, by customer field.
LABELS = {
    "name": "Full name",
    "email": "Email",
    "phone": "Mobile number",
    "address": "Address",
    "city": "City",
    "postal_code": "Postal code",
}


def field(page, name: str):
    return page.get_by_label(LABELS[name], exact=True)


def pay_button(page):
    return page.get_by_role("button", name=re.compile(r"^(Pay |Holding your unit)"))


def summary(page, title: str = "Order summary"):
    return page.get_by_role("region", name=title)


def open_checkout(page, shop_url, collectible_id, days):
    page.goto(
        f"{shop_url}/checkout?collectible_id={collectible_id}&store_id=store-a&duration={days}"
    )
    expect(amount(summary(page), "Duration")).to_have_text(f"{days} days", timeout=30_000)


def fill_billing(page, **values):
    for name, value in {**CUSTOMER, **values}.items():
        field(page, name).fill(value)


def special_rate_warning(page):
    return page.get_by_role("alert").filter(has_text="Short-rental rate")


def status_notice(page, title: str):
    return page.get_by_role("status", name=title, exact=True)


def rental_status(page):
    return page.get_by_role("status", name="Rental status")


def form_alert(page):
    return page.get_by_role("form", name="Billing details and payment").get_by_role("alert")


PAID = "Payment received: your rental is confirmed"
SANDBOX_PAY = re.compile(r"^Pay PHP ")


def test_validation_errors_appear_and_nothing_is_held(page, shop_url, api, screenshot):
    open_checkout(page, shop_url, "col-005", 7)
    expect(amount(summary(page), "Total")).to_have_text("PHP 35,000.00")
    # Inline: a field is checked when it loses focus; its error is its description.
    email = field(page, "email")
    email.fill("juan@")
    email.press("Tab")
    expect(email).to_have_accessible_description(re.compile("valid email"))
    email.fill("juan@example.com")
    email.press("Tab")
    expect(email).not_to_have_accessible_description(re.compile("valid email"))
    # Submit with bad values: every problem is shown, nothing is held.
    fill_billing(page, name="", phone="123 456 789", address="", postal_code="12")
    pay_button(page).click()
    expect(field(page, "name")).to_have_accessible_description("Name is required.")
    expect(field(page, "phone")).to_have_accessible_description(
        re.compile("Philippine phone number")
    )
    expect(field(page, "address")).to_have_accessible_description("Address is required.")
    expect(field(page, "postal_code")).to_have_accessible_description(re.compile("4 digits"))
    for message in ("Name is required.", "Address is required."):
        expect(page.get_by_role("alert").filter(has_text=message)).to_be_visible()
    expect(field(page, "name")).to_be_focused()
    expect(field(page, "phone")).to_have_attribute("aria-invalid", "true")
    screenshot("checkout-errors")
    assert "/checkout" in page.url
    assert stock_of(api, "col-005") == 4


def test_happy_path_pays_in_the_sandbox_and_shows_the_order(page, shop_url, api, screenshot):
    page.goto(f"{shop_url}/collectibles/col-005")
    page.get_by_label("Duration (days)").fill("3")
    expect(amount(page, "Total")).to_have_text("PHP 30,000.00", timeout=30_000)
    page.get_by_role("button", name="Rent this").click()
    expect(page).to_have_url(re.compile(r"/checkout\?collectible_id=col-005.*duration=3"))
    expect(amount(summary(page), "Total")).to_have_text("PHP 30,000.00")
    expect(special_rate_warning(page)).to_be_visible()
    fill_billing(page)
    page.get_by_role("radio", name="Maya").click()
    expect(pay_button(page)).to_have_text(re.compile("Pay PHP 30,000.00 with Maya"))
    screenshot("checkout")
    pay_button(page).click()

    expect(page).to_have_url(re.compile(r"/paymongo-sandbox/checkout/"))
    expect(page.get_by_role("row", name=re.compile(r"^Total\b"))).to_contain_text("30,000.00")
    assert stock_of(api, "col-005") == 3  # held while paying
    page.get_by_role("button", name=SANDBOX_PAY).click()

    expect(page).to_have_url(re.compile(r"/payment/success/?\?rental_id=.+&token=.+"))
    paid = status_notice(page, PAID)
    expect(paid).to_be_visible()
    expect(rental_status(page)).to_have_text("Paid")
    expect(
        summary(page, "Your rental").get_by_text("Gundam Perfect Grade Model", exact=True)
    ).to_be_visible()
    expect(paid).to_contain_text("MongoCollectibles Store A")
    screenshot("payment-success")
    assert stock_of(api, "col-005") == 3  # a paid rental keeps its unit

    page.get_by_role("link", name="View your order status").click()
    expect(page).to_have_url(re.compile(r"/orders/[^/?]+/?\?token=.+"))
    order_status = status_notice(page, "Paid")
    expect(order_status).to_be_visible()
    expect(amount(summary(page, "What you rented"), "Total")).to_have_text("PHP 30,000.00")
    expect(order_status).to_contain_text("MongoCollectibles Store A")
    screenshot("order")

    # The order page needs the secret token.
    page.goto(re.sub(r"token=[^&]+", "token=wrong", page.url))
    expect(page.get_by_role("alert").filter(has_text="No rental matches")).to_be_visible()


def test_double_click_holds_one_unit_and_cancel_frees_it(page, shop_url, api, screenshot):
    before = stock_of(api, "col-001")
    open_checkout(page, shop_url, "col-001", 7)
    fill_billing(page)
    pay_button(page).dblclick()
    expect(page).to_have_url(re.compile(r"/paymongo-sandbox/checkout/"))
    assert stock_of(api, "col-001") == before - 1
    page.get_by_role("button", name="Cancel and return to the merchant").click()

    expect(page).to_have_url(re.compile(r"/payment/failed/?\?rental_id="))
    pending = status_notice(page, "No payment received")
    expect(pending).to_be_visible()
    expect(rental_status(page)).to_have_text("Waiting for payment")
    screenshot("payment-failed")
    # Retry goes back to the payment page.
    pending.get_by_role("link", name="Try paying again").click()
    expect(page).to_have_url(re.compile(r"/paymongo-sandbox/checkout/"))
    page.go_back()
    expect(pending).to_be_visible()
    page.get_by_role("button", name="Cancel rental").click()
    page.get_by_role("alertdialog", name="Cancel this rental?").get_by_role(
        "button", name="Yes, cancel"
    ).click()
    expect(status_notice(page, "This rental is cancelled")).to_be_visible()
    expect(rental_status(page)).to_have_text("Cancelled")
    assert stock_of(api, "col-001") == before


def test_out_of_stock_after_the_last_unit_is_held(page, shop_url, api, hold_units):
    open_checkout(page, shop_url, "col-003", 7)
    fill_billing(page)
    hold_units("col-003", count=4)  # other shoppers take every unit meanwhile
    pay_button(page).click()
    # The day the page showed (the earliest when it opened) is the day refused, by name.
    expect(form_alert(page)).to_contain_text("no unit is free for a 7-day rental picked up on")
    expect(pay_button(page)).to_be_disabled()
    assert "/checkout" in page.url
    hold_units.release_all()
    assert stock_of(api, "col-003") == 4  # nothing left held by the failed checkout


def test_payment_provider_down_is_explained(page, shop_url, api, sandbox_faults):
    sandbox_faults(create_checkout="error_500")
    open_checkout(page, shop_url, "col-004", 10)
    fill_billing(page)
    pay_button(page).click()
    expect(form_alert(page)).to_contain_text("payment provider is not responding")
    expect(pay_button(page)).to_be_enabled()
    assert stock_of(api, "col-004") == 4


def test_success_page_confirms_with_paymongo_when_the_webhook_is_lost(
    page, shop_url, api, sandbox_faults
):
    sandbox_faults(webhooks="drop")
    open_checkout(page, shop_url, "col-006", 7)
    fill_billing(page)
    page.get_by_role("radio", name="Credit / debit card").click()
    pay_button(page).click()
    expect(page).to_have_url(re.compile(r"/paymongo-sandbox/checkout/"))
    page.get_by_role("button", name=SANDBOX_PAY).click()
    expect(status_notice(page, PAID)).to_be_visible()
    expect(rental_status(page)).to_have_text("Paid")
    expect(amount(summary(page, "Your rental"), "Total")).to_have_text("PHP 70,000.00")


def test_success_page_waits_for_the_confirmation(page, shop_url, api, sandbox_faults, screenshot):
    """Back on the success page before PayMongo confirms: a spinner, then paid."""
    sandbox_faults(webhooks="drop")
    body = order("col-004", "store-b", duration=10, method="qrph")
    started = api.post("/api/rentals/checkout", json=body).json()["data"]
    page.goto(
        f"{shop_url}/payment/success?rental_id={started['rental_id']}&token={started['token']}"
    )
    expect(status_notice(page, "Confirming your payment with PayMongo...")).to_be_visible()
    expect(rental_status(page)).to_have_text("Waiting for payment")
    screenshot("payment-waiting")
    session_id = started["payment_url"].rstrip("/").rsplit("/", 1)[-1]
    paid = api.post(f"/paymongo-sandbox/_sandbox/checkout_sessions/{session_id}/pay", json={})
    paid.raise_for_status()
    paid = status_notice(page, PAID)
    expect(paid).to_be_visible()
    expect(rental_status(page)).to_have_text("Paid")
    expect(paid).to_contain_text("MongoCollectibles Store B")


def test_too_many_unpaid_holds_are_explained(page, shop_url, api):
    customer = {**CUSTOMER, "email": "many.holds@example.com", "phone": "0918 765 4321"}
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
        pay_button(page).click()
        expect(form_alert(page)).to_contain_text("You already have 3 rentals waiting for payment")
        assert "/checkout" in page.url
    finally:
        for data in held:
            api.post(f"/api/rentals/{data['rental_id']}/cancel", params={"token": data["token"]})
