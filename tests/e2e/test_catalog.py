import re

from playwright.sync_api import expect


def test_catalog_shows_the_six_seeded_collectibles(page, shop_url, screenshot):
    page.goto(shop_url)
    expect(page.get_by_text("Vintage Batman Action Figure")).to_be_visible(timeout=30_000)
    for name in [
        "Star Wars Millennium Falcon Model",
        "Life-Size Iron Man Suit",
        "Pokemon Card Collection Set",
        "Gundam Perfect Grade Model",
        "Arcade Machine - Street Fighter II",
    ]:
        expect(page.get_by_text(name)).to_be_visible()
    expect(page).to_have_title(re.compile("MongoCollectibles"))
    screenshot("catalog")
