"""The storefront's first page paints its items before any script: the exported HTML already
holds the six collectibles (names, images, rates as of the build); stock arrives live."""

import re

import httpx
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, card

# The demo shop, as of the build: name -> daily rate.
RATES = {
    "Vintage Batman Action Figure": "PHP 1,000.00 / day",
    "Star Wars Millennium Falcon Model": "PHP 5,000.00 / day",
    "Life-Size Iron Man Suit": "PHP 10,000.00 / day",
    "Pokemon Card Collection Set": "PHP 1,000.00 / day",
    "Gundam Perfect Grade Model": "PHP 5,000.00 / day",
    "Arcade Machine - Street Fighter II": "PHP 10,000.00 / day",
}


def test_without_javascript_the_page_shows_the_six_collectibles_and_their_rates(browser, shop_url):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(shop_url)
        cards = page.locator("#catalog-preview").get_by_role("link")
        expect(cards).to_have_count(6)
        for name, rate in RATES.items():
            one = cards.filter(has=page.get_by_role("heading", name=name, exact=True))
            expect(one).to_be_visible()
            expect(one).to_contain_text(rate)
            expect(one).to_contain_text("Checking stock")
        batman = cards.first
        expect(batman).to_have_attribute("href", "/collectibles/col-001")
        expect(batman.locator("img")).to_have_attribute("src", "/collectibles/col-001.svg")
        expect(page.get_by_text("Short-rental rate, x2 under 7 days").first).to_be_visible()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "catalog-without-javascript.png"), full_page=True)
    finally:
        context.close()


def test_the_served_html_holds_the_items_and_preloads_the_hero_images(shop_url):
    """What arrives before any script: the page itself (as a crawler or a slow phone gets it)."""
    html = httpx.get(shop_url + "/", timeout=30).text
    head = html.split("</head>", 1)[0]
    for name, rate in RATES.items():
        assert name in html
        assert rate in html
    for collectible in ("col-001", "col-002", "col-003"):
        assert re.search(rf'<link rel="preload" as="image" href="/collectibles/{collectible}', head)


def test_with_javascript_live_stock_replaces_the_builds_cards(page, shop_url):
    page.goto(shop_url)
    batman = card(page, "Vintage Batman Action Figure")
    expect(batman).to_contain_text("4 in stock", timeout=30_000)
    expect(batman).to_contain_text("PHP 1,000.00 / day")
    expect(page.locator("#catalog-preview")).to_have_count(0)
    expect(page.get_by_text("Checking stock")).to_have_count(0)
