"""A phone-size viewport (375 x 812): every main page fits the width and stays usable."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, amount, card


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True)
    yield context.new_page()
    context.close()


def fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def snap(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_phone_viewport(phone, shop_url):
    page = phone
    page.goto(shop_url)
    falcon = card(page, "Star Wars Millennium Falcon Model").get_by_role("link")
    expect(falcon).to_contain_text("in stock", timeout=30_000)
    assert falcon.bounding_box()["width"] > 300  # one column of full-width cards
    expect(page.get_by_role("combobox", name="Pickup store")).to_be_visible()
    expect(page.get_by_role("status", name="Test mode")).to_be_visible()
    assert fits_the_width(page)
    snap(page, "mobile-catalog")

    falcon.click()
    page.get_by_label("Duration (days)").fill("3")
    expect(amount(page, "Total")).to_have_text("PHP 30,000.00")
    assert fits_the_width(page)
    snap(page, "mobile-collectible")

    page.get_by_role("button", name="Rent this").click()
    expect(amount(page.get_by_role("region", name="Order summary"), "Total")).to_have_text(
        "PHP 30,000.00"
    )
    expect(page.get_by_label("Full name", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Pay PHP 30,000.00", exact=False)).to_be_visible()
    assert fits_the_width(page)
    snap(page, "mobile-checkout")
