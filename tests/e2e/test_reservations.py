"""Reservations by date in the browser: pick a day in the availability calendar, pay in the
sandbox, see both dates on the result and order pages; a day that cannot start a rental
cannot be chosen (it says why); a booked day offers the nearest one."""

import re
from datetime import date, timedelta

from playwright.sync_api import expect

from tests.e2e.test_checkout import fill_billing


def day_text(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def shop_today() -> date:
    from mongocollectibles.domain.reservations import shop_today as today

    return today()


def open_collectible(page, shop_url, collectible_id, days):
    page.goto(f"{shop_url}/collectibles/{collectible_id}")
    page.get_by_label("Duration (days)").fill(str(days))
    expect(page.locator("#pickup-calendar button[data-available='1']").first).to_be_visible(
        timeout=30_000
    )


def test_pick_a_date_pay_and_see_both_dates(page, shop_url, api, screenshot):
    open_collectible(page, shop_url, "col-002", 7)
    pickup = shop_today() + timedelta(days=9)
    back = pickup + timedelta(days=7)
    if page.locator(f"#pickup-calendar button[data-date='{pickup.isoformat()}']").count() == 0:
        page.locator("#cal-later").click()
    day = page.locator(f"#pickup-calendar button[data-date='{pickup.isoformat()}']")
    expect(day).to_have_attribute("data-available", "1")
    # Keyboard: arrows move a day or a week, Enter chooses.
    page.locator(
        f"#pickup-calendar button[data-date='{(pickup - timedelta(days=8)).isoformat()}']"
    ).focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    expect(day).to_be_focused()
    page.keyboard.press("Enter")
    expect(day).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#quote-pickup-date")).to_have_text(day_text(pickup))
    expect(page.locator("#quote-return-date")).to_have_text(day_text(back))
    expect(page.locator("#quote-eta")).to_contain_text("in about 9 days")
    screenshot("collectible-calendar")
    page.locator("#rent-button").click()

    expect(page).to_have_url(re.compile(rf"/checkout\?.*pickup_date={pickup.isoformat()}"))
    expect(page.locator("#summary-pickup-date")).to_have_text(day_text(pickup))
    expect(page.locator("#summary-return-date")).to_have_text(day_text(back))
    fill_billing(page)
    page.locator("#pay-button").click()
    expect(page).to_have_url(re.compile(r"/paymongo-sandbox/checkout/"))
    page.locator("#sandbox-pay").click()

    expect(page).to_have_url(re.compile(r"/payment/success/?\?rental_id=.+&token=.+"))
    expect(page.locator("#rental-status")).to_have_text("Paid")
    expect(page.locator("#summary-pickup-date")).to_have_text(day_text(pickup))
    page.locator("#order-link").click()
    expect(page).to_have_url(re.compile(r"/orders/[^/?]+/?\?token=.+"))
    expect(page.locator("#order-status")).to_contain_text("Paid")
    expect(page.locator("#order-pickup")).to_contain_text(day_text(pickup))
    expect(page.locator("#order-pickup")).to_contain_text(f"return it by {day_text(back)}")
    expect(page.locator("#summary-pickup-date")).to_have_text(day_text(pickup))
    expect(page.locator("#summary-return-date")).to_have_text(day_text(back))
    screenshot("order-dates")
    rental_id = page.url.split("/orders/")[1].split("?")[0].strip("/")
    token = re.search(r"token=([^&]+)", page.url).group(1)
    data = api.get(f"/api/rentals/{rental_id}", params={"token": token}).json()["data"]
    assert (data["pickup_date"], data["return_date"]) == (pickup.isoformat(), back.isoformat())


def test_a_day_that_cannot_start_cannot_be_chosen(page, shop_url, api):
    open_collectible(page, shop_url, "col-001", 7)
    earliest = page.locator("#quote-pickup-date").inner_text()
    today = page.locator(f"#pickup-calendar button[data-date='{shop_today().isoformat()}']")
    expect(today).to_have_attribute("data-available", "0")  # too soon to reach any store
    expect(today).to_have_attribute("aria-disabled", "true")
    expect(today).to_have_attribute("title", re.compile("Too soon"))
    # It stays focusable so a tap or Enter explains it (Playwright counts aria-disabled as
    # not enabled, so the tap is forced: a person's finger is not stopped either).
    today.click(force=True)
    expect(page.locator("#cal-hint")).to_contain_text("Too soon")
    today.focus()
    page.keyboard.press("Enter")
    expect(today).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#quote-pickup-date")).to_have_text(earliest)  # nothing changed
    # The day shown as chosen is still the earliest possible one.
    body = {"collectible_id": "col-001", "store_id": "store-a", "duration": 7}
    soonest = api.post("/api/rentals/quote", json=body).json()["data"]["pickup_date"]
    pressed = page.locator("#pickup-calendar button[aria-pressed='true']")
    expect(pressed).to_have_count(1)
    expect(pressed).to_have_attribute("data-date", soonest)


def test_a_booked_day_offers_the_nearest_one(page, shop_url, hold_units, screenshot):
    hold_units.until_full("col-006")  # every unit taken, for every day that can be chosen
    open_collectible_booked = f"{shop_url}/collectibles/col-006"
    page.goto(open_collectible_booked)
    expect(page.locator("#date-problem")).to_contain_text("Fully booked", timeout=30_000)
    expect(page.locator("#rent-button")).to_be_disabled()
    hold_units.release_all()
    expect(page.locator("#rent-button")).to_be_enabled(timeout=30_000)
    screenshot("collectible-booked")
