"""The customer journey in the browser: the receipt email in the dev mailbox, finding an order
with email and code, another payment method after Back, a declined payment tried again, typed
details kept over a reload, and axe-core on every page (desktop and phone)."""

from __future__ import annotations

import json
import re
import time
from datetime import date, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from mongocollectibles.components.price import day_text
from tests.e2e.conftest import ARTIFACTS, amount
from tests.e2e.test_checkout import (
    SANDBOX_PAY,
    field,
    fill_billing,
    open_checkout,
    pay_button,
    rental_status,
    status_notice,
    summary,
)
from tests.support.orders import another_customer, order

AXE = Axe()


def mailbox(api, to: str, subject_has: str, timeout: float = 30) -> dict:
    """The message to `to` whose subject contains `subject_has` (waits for the outbox)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in api.get("/api/dev/mailbox.json").json()["data"]:
            if message["to"] == to and subject_has in message["subject"]:
                return message
        time.sleep(0.5)
    raise AssertionError(f"no email to {to} with {subject_has!r} in its subject")


def test_paying_sends_the_receipt_to_the_dev_mailbox(page, shop_url, api, screenshot):
    open_checkout(page, shop_url, "col-002", 3)
    fill_billing(page, email="receipt@example.com")
    pay_button(page).click()
    expect(page).to_have_url(re.compile(r"/paymongo-sandbox/checkout/"))
    page.get_by_role("button", name=SANDBOX_PAY).click()
    expect(rental_status(page)).to_have_text("Paid")
    code = page.locator("#order-code").inner_text().strip()
    assert re.fullmatch(r"MC-[0-9A-Z]{6}", code)
    expect(page.locator("#summary-vat")).to_have_text("Includes 12% VAT of PHP 3,214.29")

    receipt = mailbox(api, "receipt@example.com", code)
    assert "PHP 30,000.00" in receipt["subject"]
    for body in (receipt["text"], receipt["html"]):
        assert "PHP 30,000.00" in body and "Includes 12% VAT of PHP 3,214.29" in body
        assert "Return by" in body and "Pickup date" in body
        assert "123 Main Street, Manila" in body and "Mon-Sat 10:00-20:00" in body
    # The dev mailbox page lists it.
    page.goto(f"{shop_url}/api/dev/mailbox")
    expect(page.get_by_text(receipt["subject"])).to_be_visible()
    screenshot("dev-mailbox")


def test_find_my_order_with_email_and_code(page, shop_url, api, screenshot):
    started = api.post("/api/rentals/checkout", json=order("col-004", duration=7)).json()["data"]
    page.goto(f"{shop_url}/orders")
    form = page.get_by_role("form", name="Open your order")
    form.get_by_label("Email").fill("juan@example.com")
    form.get_by_label("Order code").fill("MC-777777")
    form.get_by_role("button", name="Show my order").click()
    expect(page.get_by_role("alert").filter(has_text="could not find an order")).to_be_visible()
    screenshot("find-order")
    form.get_by_label("Order code").fill(started["order_code"].lower())
    form.get_by_role("button", name="Show my order").click()
    expect(page).to_have_url(re.compile(rf"/orders/{started['rental_id']}/?\?token="))
    expect(page.locator("#order-code")).to_have_text(started["order_code"])

    # Lost the code: the links are emailed.
    page.goto(f"{shop_url}/orders")
    links = page.get_by_role("form", name="Email me my order links")
    links.get_by_label("Email").fill("juan@example.com")
    links.get_by_role("button", name="Email me my order links").click()
    expect(page.get_by_role("status").filter(has_text="emailed their links")).to_be_visible()
    message = mailbox(api, "juan@example.com", "order links")
    assert started["order_code"] in message["text"]


def sandbox_methods(page) -> list[str]:
    return page.get_by_role("group", name="Payment method").get_by_role("radio").all_inner_texts()


def test_another_method_after_back_opens_a_session_with_it(page, shop_url, api):
    open_checkout(page, shop_url, "col-001", 7)
    fill_billing(page)
    page.get_by_role("radio", name="GCash").click()
    pay_button(page).click()
    expect(page).to_have_url(re.compile(r"/paymongo-sandbox/checkout/"))
    first_session = page.url
    expect(page.get_by_label("GCash")).to_be_visible()
    page.go_back()
    expect(amount(summary(page), "Duration")).to_have_text("7 days", timeout=30_000)
    expect(field(page, "name")).to_have_value("Juan dela Cruz")  # kept for this tab
    page.get_by_role("radio", name="Credit / debit card").click()
    expect(pay_button(page)).to_have_text(re.compile("with Credit / debit card"))
    pay_button(page).click()
    expect(page).to_have_url(re.compile(r"/paymongo-sandbox/checkout/"))
    assert page.url != first_session
    expect(page.get_by_label("Credit / debit card")).to_be_visible()
    expect(page.get_by_label("GCash")).to_have_count(0)
    # Paying, then Back and Pay again: the order, not a dead end.
    page.get_by_role("button", name=SANDBOX_PAY).click()
    expect(rental_status(page)).to_have_text("Paid")
    page.go_back()
    page.go_back()
    expect(pay_button(page)).to_be_enabled(timeout=30_000)
    pay_button(page).click()
    expect(page).to_have_url(re.compile(r"/orders/[^/?]+/?\?token="))
    expect(rental_status(page)).to_have_text("Paid")


def test_a_declined_payment_can_be_tried_again(page, shop_url, api, screenshot):
    open_checkout(page, shop_url, "col-006", 7)
    fill_billing(page)
    pay_button(page).click()
    expect(page).to_have_url(re.compile(r"/paymongo-sandbox/checkout/"))
    page.get_by_role("button", name="Simulate a failed payment").click()  # back to the shop
    expect(page).to_have_url(re.compile(r"/payment/failed/?\?rental_id="))
    declined = status_notice(page, "Your payment was declined")
    expect(declined).to_be_visible()
    expect(rental_status(page)).to_have_text("Waiting for payment")
    screenshot("payment-declined")
    # Another method: a new payment page for the same held unit.
    declined.get_by_role("combobox", name="Pay another way").click()
    page.get_by_role("option", name="Maya").click()
    declined.get_by_role("button", name="Pay another way").click()
    expect(page).to_have_url(re.compile(r"/paymongo-sandbox/checkout/"))
    expect(page.get_by_label("Maya")).to_be_visible()
    page.get_by_role("button", name=SANDBOX_PAY).click()
    expect(rental_status(page)).to_have_text("Paid")


def test_reload_keeps_the_typed_details(page, shop_url):
    open_checkout(page, shop_url, "col-003", 8)
    fill_billing(page, name="Maria Clara", city="Quezon City")
    page.get_by_role("radio", name="Maya").click()
    expect(pay_button(page)).to_have_text(re.compile("with Maya"))
    page.reload()
    expect(amount(summary(page), "Duration")).to_have_text("8 days", timeout=30_000)
    expect(field(page, "name")).to_have_value("Maria Clara")
    expect(field(page, "city")).to_have_value("Quezon City")
    expect(page.get_by_role("radio", name="Maya")).to_be_checked()


PAGES = [
    ("catalog", "/"),
    ("collectible", "/collectibles/col-002"),
    ("checkout", "/checkout?collectible_id=col-002&store_id=store-a&duration=3"),
    ("find-order", "/orders"),
    ("policies", "/policies"),
]


@pytest.fixture(params=["desktop", "phone"])
def viewport_page(request, browser):
    size = (
        {"width": 1280, "height": 900}
        if request.param == "desktop"
        else {"width": 375, "height": 812}
    )
    context = browser.new_context(viewport=size, is_mobile=request.param == "phone")
    page = context.new_page()
    page.viewport_name = request.param
    yield page
    context.close()


def serious(page) -> list[str]:
    violations = AXE.run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): "
        + "; ".join(f"{n['target']} {n.get('failureSummary', '')[:160]}" for n in v["nodes"][:4])
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


def test_axe_finds_nothing_serious_on_any_page(viewport_page, shop_url, api):
    page = viewport_page
    body = order("col-005", duration=7, customer=another_customer())
    started = api.post("/api/rentals/checkout", json=body).json()["data"]
    query = f"rental_id={started['rental_id']}&token={started['token']}"
    body = order("col-001", duration=7, customer=another_customer())
    paid = api.post("/api/rentals/checkout", json=body).json()["data"]
    session_id = paid["payment_url"].rstrip("/").rsplit("/", 1)[-1]
    api.post(f"/paymongo-sandbox/_sandbox/checkout_sessions/{session_id}/pay", json={})
    pages = [
        *PAGES,
        ("order", f"/orders/{started['rental_id']}?token={started['token']}"),
        ("payment-failed", f"/payment/failed?{query}"),
        (
            "payment-success",
            f"/payment/success?rental_id={paid['rental_id']}&token={paid['token']}",
        ),
    ]
    problems = {}
    ARTIFACTS.mkdir(exist_ok=True)
    for name, path in pages:
        page.goto(shop_url + path)
        expect(page.locator("main h1").first).to_be_visible(timeout=30_000)
        expect(page.locator(".rt-Spinner")).to_have_count(0, timeout=30_000)
        page.wait_for_timeout(300)
        page.screenshot(path=str(ARTIFACTS / f"{name}-{page.viewport_name}.png"), full_page=True)
        found = serious(page)
        if found:
            problems[name] = found
    (ARTIFACTS / f"axe-{page.viewport_name}.json").write_text(json.dumps(problems, indent=1))
    assert problems == {}
    # Landmarks and a skip link on every page.
    expect(page.get_by_role("main")).to_have_count(1)
    expect(page.get_by_role("contentinfo")).to_have_count(1)
    expect(page.get_by_role("link", name="Skip to main content")).to_have_count(1)


def test_out_of_stock_offers_an_email_when_it_is_back(page, shop_url, api, hold_units, screenshot):
    hold_units.until_full("col-003")  # every free unit, as the database decides
    page.goto(f"{shop_url}/collectibles/col-003")
    expect(page.get_by_role("status", name="Stock")).to_contain_text("Out of stock")
    form = page.get_by_role("form", name="Email me when it is back")
    form.get_by_label("Email me when it is back").fill("waiting@example.com")
    form.get_by_role("button", name="Notify me").click()
    expect(page.get_by_role("status").filter(has_text="We will email you")).to_be_visible()
    screenshot("out-of-stock-help")
    hold_units.release_all()
    message = mailbox(api, "waiting@example.com", "Back in stock")
    assert "Life-Size Iron Man Suit" in message["subject"]


def test_back_from_checkout_keeps_the_chosen_duration(page, shop_url):
    page.goto(f"{shop_url}/collectibles/col-004")
    page.get_by_label("Duration (days)").fill("3")
    expect(amount(page, "Total")).to_have_text("PHP 6,000.00", timeout=30_000)
    page.get_by_role("button", name="Rent this").click()
    expect(page).to_have_url(re.compile(r"/checkout\?.*duration=3"))
    expect(amount(summary(page), "Duration")).to_have_text("3 days", timeout=30_000)
    page.go_back()
    expect(page).to_have_url(re.compile(r"/collectibles/col-004"))
    expect(page.get_by_label("Duration (days)")).to_have_value("3")
    expect(amount(page, "Total")).to_have_text("PHP 6,000.00")


def test_two_tabs_agree_on_the_store(page, shop_url):
    from tests.e2e.test_catalog import choose_store

    open_checkout(page, shop_url, "col-002", 7)
    expect(summary(page)).to_contain_text("MongoCollectibles Store A")
    other = page.context.new_page()  # a second tab of the same browser
    other.goto(shop_url)
    expect(other.get_by_role("combobox", name="Pickup store")).to_be_visible(timeout=30_000)
    choose_store(other, "MongoCollectibles Store C")
    # The first tab's header and its order summary both follow.
    expect(page.get_by_role("combobox", name="Pickup store")).to_have_text(
        "MongoCollectibles Store C"
    )
    expect(summary(page)).to_contain_text("MongoCollectibles Store C")
    expect(summary(page)).to_contain_text("789 Makati Boulevard")
    other.close()


def test_the_quote_says_when_seven_days_cost_less(page, shop_url):
    page.goto(f"{shop_url}/collectibles/col-006")
    page.get_by_label("Duration (days)").fill("6")
    expect(amount(page, "Total")).to_have_text("PHP 120,000.00", timeout=30_000)
    warning = page.get_by_role("alert").filter(has_text="Short-rental rate, x2 under 7 days")
    expect(warning).to_contain_text(
        "7 days cost less than 6 days: PHP 70,000.00 instead of PHP 120,000.00."
    )


def book_every_unit(api, body: dict) -> list[dict]:
    """Other shoppers take every unit that could serve `body`'s pickup date (unpaid holds)."""
    booked = []
    while api.post("/api/rentals/quote", json=body).json()["data"]["available"]:
        answer = api.post("/api/rentals/checkout", json={**body, "customer": another_customer()})
        assert answer.is_success, answer.text
        booked.append(answer.json()["data"])
    assert booked
    return booked


def release(api, booked: list[dict]) -> None:
    for started in booked:
        api.post(f"/api/rentals/{started['rental_id']}/cancel", params={"token": started["token"]})


def test_on_a_phone_the_reason_stands_next_to_pay(browser, shop_url, api):
    """Every unit goes for the chosen pickup date while the form is open: on a phone the
    reason (and the nearest day that can be served) stands right above Pay, in view with it."""
    quote = api.post("/api/rentals/quote", json={**order("col-004", duration=7)}).json()["data"]
    # A day far enough ahead that no other test's booking touches it.
    pickup = (date.fromisoformat(quote["earliest_pickup_date"]) + timedelta(days=40)).isoformat()
    context = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True)
    page = context.new_page()
    booked: list[dict] = []
    try:
        page.goto(
            f"{shop_url}/checkout?collectible_id=col-004&store_id=store-a&duration=7"
            f"&pickup_date={pickup}"
        )
        expect(amount(summary(page), "Duration")).to_have_text("7 days", timeout=30_000)
        fill_billing(page)
        expect(pay_button(page)).to_be_enabled()
        # Other shoppers book every unit for that day through the API.
        body = order("col-004", duration=7, pickup_date=pickup)
        booked = book_every_unit(api, body)
        reason = page.locator("#pay-blocked-reason")
        expect(reason).to_contain_text("booked for those dates", timeout=30_000)
        expect(reason).to_contain_text("next available")
        expect(pay_button(page)).to_be_disabled()
        pay_button(page).scroll_into_view_if_needed()
        reason_box, pay_box = reason.bounding_box(), pay_button(page).bounding_box()
        assert 0 <= pay_box["y"] - (reason_box["y"] + reason_box["height"]) < 40
        for box in (reason_box, pay_box):  # both in view at once, no scrolling between
            assert box["y"] >= 0 and box["y"] + box["height"] <= 812
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "checkout-sold-out-phone.png"))
        assert serious(page) == []
        # The way on: the same order on the next day that can be served.
        nearest = api.post("/api/rentals/quote", json=body).json()["data"]["nearest_pickup_date"]
        page.get_by_role("link", name=re.compile(r"^Pick up on .* instead$")).click()
        expect(page).to_have_url(re.compile(rf"pickup_date={nearest}"))
        expect(amount(summary(page), "Pickup date")).to_have_text(
            day_text(date.fromisoformat(nearest)), timeout=30_000
        )
        expect(pay_button(page)).to_be_enabled()
        expect(field(page, "name")).to_have_value("Juan dela Cruz")  # typing kept
    finally:
        release(api, booked)
        context.close()


def test_a_link_without_a_date_pays_for_the_day_it_shows(page, shop_url, api):
    """A checkout link with no pickup date shows the earliest day and keeps to it: when that
    day is booked meanwhile, Pay stops with the reason instead of paying for a later day."""
    open_checkout(page, shop_url, "col-005", 7)
    earliest = api.post("/api/rentals/quote", json=order("col-005", duration=7)).json()["data"]
    shown = day_text(date.fromisoformat(earliest["pickup_date"]))
    expect(amount(summary(page), "Pickup date")).to_have_text(shown)
    fill_billing(page)
    booked = book_every_unit(api, order("col-005", duration=7, pickup_date=earliest["pickup_date"]))
    try:
        expect(page.locator("#pay-blocked-reason")).to_contain_text(
            f"booked for those dates ({shown} to", timeout=30_000
        )
        expect(pay_button(page)).to_be_disabled()
        expect(amount(summary(page), "Pickup date")).to_have_text(shown)
    finally:
        release(api, booked)
    expect(pay_button(page)).to_be_enabled(timeout=30_000)  # free again: the same day
    expect(amount(summary(page), "Pickup date")).to_have_text(shown)


def test_back_after_paying_for_the_last_unit_of_a_day_leads_to_the_order(page, shop_url, api):
    """The customer's own booking makes the day look taken: Pay still takes them to it."""
    quote = api.post("/api/rentals/quote", json=order("col-002", duration=7)).json()["data"]
    pickup = (date.fromisoformat(quote["earliest_pickup_date"]) + timedelta(days=50)).isoformat()
    body = order("col-002", duration=7, pickup_date=pickup)
    booked = book_every_unit(api, body)
    release(api, booked[-1:])  # one unit left for that day
    try:
        page.goto(
            f"{shop_url}/checkout?collectible_id=col-002&store_id=store-a&duration=7"
            f"&pickup_date={pickup}"
        )
        expect(amount(summary(page), "Duration")).to_have_text("7 days", timeout=30_000)
        fill_billing(page, email=another_customer()["email"])
        pay_button(page).click()
        expect(page).to_have_url(re.compile(r"/paymongo-sandbox/checkout/"))
        page.get_by_role("button", name=SANDBOX_PAY).click()
        expect(rental_status(page)).to_have_text("Paid")
        page.go_back()
        page.go_back()
        expect(page.locator("#pay-resume-note")).to_contain_text(
            "started paying for this order", timeout=30_000
        )
        expect(page.locator("#pay-blocked-reason")).to_have_count(0)
        page.screenshot(path=str(ARTIFACTS / "checkout-back-after-paying.png"), full_page=True)
        pay_button(page).click()
        expect(page).to_have_url(re.compile(r"/orders/[^/?]+/?\?token="))
        expect(rental_status(page)).to_have_text("Paid")
    finally:
        release(api, booked[:-1])
