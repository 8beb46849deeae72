"""The catalog: browse, search, size filter, store choice (kept across pages and visits),
out-of-stock items shown as such, live stock."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import card, collectible_cards, stock_of
from tests.support.bookings import other_shopper
from tests.support.orders import order

NAMES = [
    "Vintage Batman Action Figure",
    "Star Wars Millennium Falcon Model",
    "Life-Size Iron Man Suit",
    "Pokemon Card Collection Set",
    "Gundam Perfect Grade Model",
    "Arcade Machine - Street Fighter II",
]
BATMAN, FALCON, IRON_MAN, POKEMON, GUNDAM, ARCADE = NAMES


def choose_store(page, store: str, label: str = "Pickup store") -> None:
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=store).click()


def quote_panel(page):
    return page.get_by_role("region", name="Your rental")


def test_catalog_shows_the_six_seeded_collectibles(page, shop_url, screenshot):
    page.goto(shop_url)
    expect(collectible_cards(page)).to_have_count(6, timeout=30_000)
    for name in NAMES:
        expect(page.get_by_role("heading", name=name)).to_be_visible()
    batman = card(page, BATMAN)
    expect(batman).to_contain_text("Small")
    expect(batman).to_contain_text("PHP 1,000.00 / day")
    expect(batman).to_contain_text("4 in stock")
    expect(batman).to_contain_text(re.compile(r"Ready for pickup at Store A in about \d+ day"))
    expect(page.get_by_role("status", name="Test mode")).to_contain_text("TEST MODE")
    expect(batman).to_contain_text("Short-rental rate, x2 under 7 days")
    # The card reads the name once: its heading; the drawing is decorative there.
    assert batman.get_by_role("link").inner_text().count(BATMAN) == 1
    image = batman.locator("img")
    expect(image).to_have_attribute("alt", "")
    expect(image).to_have_attribute("loading", "lazy")
    expect(image).to_have_attribute("width", "400")
    expect(page).to_have_title(re.compile("MongoCollectibles"))
    screenshot("catalog")


def test_search_and_size_filter(page, shop_url):
    page.goto(shop_url)
    cards = collectible_cards(page)
    expect(cards).to_have_count(6, timeout=30_000)
    page.get_by_label("Search collectibles by name").fill("gundam")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text(GUNDAM)
    page.get_by_label("Search collectibles by name").fill("")
    expect(cards).to_have_count(6)
    page.get_by_role("radio", name="Large").click()
    expect(cards).to_have_count(2)
    expect(card(page, IRON_MAN)).to_be_visible()
    expect(card(page, ARCADE)).to_be_visible()
    page.get_by_label("Search collectibles by name").fill("batman")
    expect(page.get_by_text("No collectibles match your search.")).to_be_visible()
    page.get_by_role("button", name="Clear filters").click()
    expect(cards).to_have_count(6)


def test_store_choice_persists_across_pages_and_visits(page, shop_url):
    page.goto(shop_url)
    expect(collectible_cards(page)).to_have_count(6, timeout=30_000)
    choose_store(page, "MongoCollectibles Store C")
    expect(card(page, BATMAN)).to_contain_text("at Store C")
    card(page, FALCON).get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(FALCON)
    eta = quote_panel(page).get_by_role("status", name="Pickup estimate")
    expect(eta).to_contain_text("Store C")
    page.reload()
    expect(eta).to_contain_text("Store C")
    page.goto(shop_url)
    expect(card(page, BATMAN)).to_contain_text("at Store C")
    choose_store(page, "MongoCollectibles Store A")
    expect(card(page, BATMAN)).to_contain_text("at Store A")


def test_out_of_stock_is_shown_not_hidden(page, shop_url, hold_units, api):
    hold_units("col-006", count=4)
    assert stock_of(api, "col-006") == 0
    page.goto(shop_url)
    arcade = card(page, ARCADE)
    expect(arcade).to_contain_text("Out of stock", timeout=30_000)
    expect(arcade.get_by_role("link")).to_have_attribute("data-available", "false")
    expect(collectible_cards(page)).to_have_count(6)
    arcade.get_by_role("link").click()
    expect(quote_panel(page).get_by_role("status", name="Stock")).to_contain_text("Out of stock")
    expect(page.get_by_role("button", name="Rent this")).to_be_disabled()


def test_live_stock_updates_without_reload(page, shop_url, hold_units):
    page.goto(shop_url)
    pokemon = card(page, POKEMON)
    expect(pokemon).to_contain_text("4 in stock", timeout=30_000)
    hold_units("col-004")
    expect(pokemon).to_contain_text("3 in stock")
    pokemon.get_by_role("link").click()
    stock = quote_panel(page).get_by_role("status", name="Stock")
    rent = page.get_by_role("button", name="Rent this")
    expect(stock).to_contain_text("3 in stock")
    hold_units("col-004", count=3)
    expect(stock).to_contain_text("Out of stock")
    expect(rent).to_be_disabled()
    hold_units.release_all()
    expect(stock).to_contain_text("4 in stock")
    expect(rent).to_be_enabled()


def test_a_hold_is_pushed_to_an_idle_tab_within_a_second(page, shop_url, api):
    """Stock is pushed, not polled: an idle catalog tab sends nothing, yet shows a hold made
    elsewhere (here through the API) within a second."""
    sent: list[str] = []  # Socket.IO messages the page sends ("4..."; pongs are "3")
    page.on(
        "websocket",
        lambda socket: socket.on(
            "framesent",
            lambda payload: sent.append(payload) if str(payload).startswith("4") else None,
        ),
    )
    page.goto(shop_url)
    gundam = card(page, GUNDAM)
    before = stock_of(api, "col-005")
    expect(gundam).to_contain_text(f"{before} in stock", timeout=30_000)
    page.wait_for_timeout(1_000)  # the page's own start-up events are over
    sent_while_idle = len(sent)
    body = order("col-005", duration=2, customer=other_shopper(501))
    answer = api.post("/api/rentals/checkout", json=body)
    assert answer.status_code == 200, answer.text
    held = answer.json()["data"]
    try:
        expect(gundam).to_contain_text(f"{before - 1} in stock", timeout=1_000)
        page.wait_for_timeout(3_500)  # longer than the old per-tab poll's 3 s
        assert sent[sent_while_idle:] == [], "the idle tab sent events"
    finally:
        cancelled = api.post(
            f"/api/rentals/{held['rental_id']}/cancel", params={"token": held["token"]}
        )
        assert cancelled.status_code == 200, cancelled.text
    expect(gundam).to_contain_text(f"{before} in stock", timeout=1_000)
    assert sent[sent_while_idle:] == []
