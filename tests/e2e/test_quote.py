"""The collectible page's live quote: the same numbers as the API, the special-rate warning."""

from playwright.sync_api import expect


def quote_api(api, duration, collectible_id="col-002", store_id="store-a"):
    body = {"collectible_id": collectible_id, "store_id": store_id, "duration": duration}
    return api.post("/api/rentals/quote", json=body).json()["data"]


def test_quote_for_m_3_days_and_7_days(page, shop_url, api, screenshot):
    page.goto(f"{shop_url}/collectibles/col-002")
    expect(page.locator("#collectible-name")).to_have_text("Star Wars Millennium Falcon Model")
    duration = page.get_by_label("Duration (days)")
    duration.fill("3")
    expect(page.locator("#quote-total")).to_have_text("PHP 30,000.00")
    expect(page.locator("#quote-daily-rate")).to_have_text("PHP 10,000.00")
    expect(page.locator("#special-rate-warning")).to_be_visible()
    expect(page.locator("#special-rate-warning")).to_contain_text("shorter than 7 days")
    api_quote = quote_api(api, 3)
    assert api_quote["total_fee"] == 30000 and api_quote["is_special_rate"] is True
    expect(page.locator("#quote-eta")).to_contain_text(f"Store A in about {api_quote['eta']} day")
    expect(page.locator("#quote-stock")).to_contain_text(f"{api_quote['stock']} in stock")
    screenshot("collectible-3-days")

    duration.fill("7")
    expect(page.locator("#quote-total")).to_have_text("PHP 35,000.00")
    expect(page.locator("#quote-daily-rate")).to_have_text("PHP 5,000.00")
    expect(page.locator("#special-rate-warning")).to_have_count(0)
    assert quote_api(api, 7)["total_fee"] == 35000
    screenshot("collectible")


def test_bad_durations_get_a_clear_message(page, shop_url):
    page.goto(f"{shop_url}/collectibles/col-001")
    expect(page.locator("#collectible-name")).to_have_text("Vintage Batman Action Figure")
    duration = page.get_by_label("Duration (days)")
    duration.fill("0")
    expect(page.locator("#quote-error")).to_have_text("Duration must be at least 1 day.")
    expect(page.locator("#rent-button")).to_be_disabled()
    duration.fill("100000")
    expect(page.locator("#quote-error")).to_contain_text("at most 365 days")
    duration.fill("14")
    expect(page.locator("#quote-total")).to_have_text("PHP 14,000.00")
    expect(page.locator("#rent-button")).to_be_enabled()


def test_unknown_collectible_says_so(page, shop_url):
    page.goto(f"{shop_url}/collectibles/col-999")
    expect(page.locator("#not-found")).to_contain_text("not found")
