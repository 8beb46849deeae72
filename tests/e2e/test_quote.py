"""The collectible page's live quote: the same numbers as the API, the special-rate warning."""

from playwright.sync_api import expect

from tests.e2e.conftest import amount


def quote_api(api, duration, collectible_id="col-002", store_id="store-a"):
    body = {"collectible_id": collectible_id, "store_id": store_id, "duration": duration}
    return api.post("/api/rentals/quote", json=body).json()["data"]


def special_rate_warning(page):
    return page.get_by_role("alert").filter(has_text="Short-rental rate")


def test_quote_for_m_3_days_and_7_days(page, shop_url, api, screenshot):
    page.goto(f"{shop_url}/collectibles/col-002")
    expect(page.get_by_role("heading", level=1)).to_have_text("Star Wars Millennium Falcon Model")
    quote = page.get_by_role("region", name="Your rental")
    duration = quote.get_by_label("Duration (days)")
    duration.fill("3")
    expect(amount(quote, "Total")).to_have_text("PHP 30,000.00")
    expect(amount(quote, "Daily rate")).to_have_text("PHP 10,000.00")
    expect(special_rate_warning(page)).to_be_visible()
    expect(special_rate_warning(page)).to_contain_text("shorter than 7 days")
    api_quote = quote_api(api, 3)
    assert api_quote["total_fee"] == 30000 and api_quote["is_special_rate"] is True
    expect(quote.get_by_role("status", name="Pickup estimate")).to_contain_text(
        f"Store A in about {api_quote['eta']} day"
    )
    expect(quote.get_by_role("status", name="Stock")).to_contain_text(
        f"{api_quote['stock']} in stock"
    )
    screenshot("collectible-3-days")

    duration.fill("7")
    expect(amount(quote, "Total")).to_have_text("PHP 35,000.00")
    expect(amount(quote, "Daily rate")).to_have_text("PHP 5,000.00")
    expect(special_rate_warning(page)).to_have_count(0)
    assert quote_api(api, 7)["total_fee"] == 35000
    screenshot("collectible")


def test_bad_durations_get_a_clear_message(page, shop_url):
    page.goto(f"{shop_url}/collectibles/col-001")
    expect(page.get_by_role("heading", level=1)).to_have_text("Vintage Batman Action Figure")
    duration = page.get_by_label("Duration (days)")
    rent = page.get_by_role("button", name="Rent this")
    duration.fill("0")
    # The error is announced (an alert) and describes the field.
    expect(page.get_by_role("alert")).to_have_text("Duration must be at least 1 day.")
    expect(duration).to_have_accessible_description("Duration must be at least 1 day.")
    expect(rent).to_be_disabled()
    duration.fill("100000")
    expect(page.get_by_role("alert")).to_contain_text("at most 365 days")
    expect(duration).to_have_accessible_description("Duration can be at most 365 days.")
    duration.fill("14")
    expect(amount(page, "Total")).to_have_text("PHP 14,000.00")
    expect(rent).to_be_enabled()


def test_unknown_collectible_says_so(page, shop_url):
    page.goto(f"{shop_url}/collectibles/col-999")
    expect(page.get_by_role("alert")).to_contain_text("not found")
