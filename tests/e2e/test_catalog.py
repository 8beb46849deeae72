"""The catalog: browse, search, size filter, store choice (kept across pages and visits),
out-of-stock items shown as such, live stock."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import stock_of

NAMES = [
    "Vintage Batman Action Figure",
    "Star Wars Millennium Falcon Model",
    "Life-Size Iron Man Suit",
    "Pokemon Card Collection Set",
    "Gundam Perfect Grade Model",
    "Arcade Machine - Street Fighter II",
]


def cards(page):
    return page.get_by_test_id("collectible-card")


def choose_store(page, store: str, label: str = "Pickup store") -> None:
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=store).click()


def test_catalog_shows_the_six_seeded_collectibles(page, shop_url, screenshot):
    page.goto(shop_url)
    expect(cards(page)).to_have_count(6, timeout=30_000)
    for name in NAMES:
        expect(page.get_by_role("heading", name=name)).to_be_visible()
    batman = page.locator("#card-col-001")
    expect(batman).to_contain_text("Small")
    expect(batman).to_contain_text("PHP 1,000.00 / day")
    expect(batman).to_contain_text("4 in stock")
    expect(batman).to_contain_text(re.compile(r"Ready for pickup at Store A in about \d+ day"))
    expect(page.locator("#test-mode-banner")).to_contain_text("TEST MODE")
    image = batman.locator("img")
    expect(image).to_have_attribute("loading", "lazy")
    expect(image).to_have_attribute("width", "400")
    expect(page).to_have_title(re.compile("MongoCollectibles"))
    screenshot("catalog")


def test_search_and_size_filter(page, shop_url):
    page.goto(shop_url)
    expect(cards(page)).to_have_count(6, timeout=30_000)
    page.get_by_label("Search collectibles by name").fill("gundam")
    expect(cards(page)).to_have_count(1)
    expect(cards(page).first).to_contain_text("Gundam Perfect Grade Model")
    page.get_by_label("Search collectibles by name").fill("")
    expect(cards(page)).to_have_count(6)
    page.get_by_role("radio", name="Large").click()
    expect(cards(page)).to_have_count(2)
    expect(page.locator("#card-col-003")).to_be_visible()
    expect(page.locator("#card-col-006")).to_be_visible()
    page.get_by_label("Search collectibles by name").fill("batman")
    expect(page.locator("#no-results")).to_be_visible()
    page.get_by_role("button", name="Clear filters").click()
    expect(cards(page)).to_have_count(6)


def test_store_choice_persists_across_pages_and_visits(page, shop_url):
    page.goto(shop_url)
    expect(cards(page)).to_have_count(6, timeout=30_000)
    choose_store(page, "MongoCollectibles Store C")
    expect(page.locator("#card-col-001")).to_contain_text("at Store C")
    page.locator("#card-col-002").click()
    expect(page.locator("#collectible-name")).to_have_text("Star Wars Millennium Falcon Model")
    expect(page.locator("#quote-eta")).to_contain_text("Store C")
    page.reload()
    expect(page.locator("#quote-eta")).to_contain_text("Store C")
    page.goto(shop_url)
    expect(page.locator("#card-col-001")).to_contain_text("at Store C")
    choose_store(page, "MongoCollectibles Store A")
    expect(page.locator("#card-col-001")).to_contain_text("at Store A")


def test_out_of_stock_is_shown_not_hidden(page, shop_url, hold_units, api):
    hold_units("col-006", count=4)
    assert stock_of(api, "col-006") == 0
    page.goto(shop_url)
    arcade = page.locator("#card-col-006")
    expect(arcade).to_contain_text("Out of stock", timeout=30_000)
    expect(arcade).to_have_attribute("data-available", "false")
    expect(cards(page)).to_have_count(6)
    screenshot_page = page.locator("#card-col-006")
    screenshot_page.click()
    expect(page.locator("#quote-stock")).to_contain_text("Out of stock")
    expect(page.locator("#rent-button")).to_be_disabled()


def test_live_stock_updates_without_reload(page, shop_url, hold_units):
    page.goto(shop_url)
    cards_ = page.locator("#card-col-004")
    expect(cards_).to_contain_text("4 in stock", timeout=30_000)
    hold_units("col-004")
    expect(cards_).to_contain_text("3 in stock")
    cards_.click()
    expect(page.locator("#quote-stock")).to_contain_text("3 in stock")
    hold_units("col-004", count=3)
    expect(page.locator("#quote-stock")).to_contain_text("Out of stock")
    expect(page.locator("#rent-button")).to_be_disabled()
    hold_units.release_all()
    expect(page.locator("#quote-stock")).to_contain_text("4 in stock")
    expect(page.locator("#rent-button")).to_be_enabled()
