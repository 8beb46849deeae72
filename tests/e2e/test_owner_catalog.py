"""The owner's catalog pages in Chromium: a new collectible with an uploaded image (on the
S3 server standing in for Spaces) on the storefront; a unit retired by mistake and put back in
stock, both in the audit log; a unit blocked for maintenance from a form that reads well on a
wide screen and on a phone, and the block removed again, both in the audit log too; a rate
change that new quotes follow and an existing rental does not; a distance matrix with a hole
refused, the cell named.
Each starts by signing in as the owner (made with the management command).
"""

import re
from datetime import timedelta

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from mongocollectibles.domain.units import shop_today
from tests.e2e.conftest import OWNER, amount, card, sign_in, stock_of
from tests.support.images import PHP_SHELL, jpeg
from tests.support.orders import another_customer, order

AXE = Axe()


def saved(page):
    return page.locator("#saved")


def problems(page):
    return page.locator("#problems")


def text_lines(locator) -> int:
    """The lines an element's text takes on screen."""
    return locator.evaluate(
        """element => {
            const range = document.createRange();
            range.selectNodeContents(element);
            return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
        }"""
    )


def test_a_new_collectible_with_an_uploaded_image_shows_on_the_storefront(
    page, shop_url, accounts, spaces, tmp_path, shop_env, screenshot
):
    sign_in(page, shop_url)
    page.goto(f"{shop_url}/admin/catalog")
    form = page.locator("form").filter(has=page.get_by_role("heading", name="New collectible"))
    form.get_by_label("Id").fill("col-200")
    form.get_by_label("Name").fill("Voltes V Figure")
    form.get_by_role("button", name="Create").click()
    expect(page).to_have_url(re.compile(r"/admin/catalog/col-200$"))

    units = page.locator("form").filter(has=page.get_by_role("button", name="Add units"))
    units.get_by_label("Warehouse").select_option("wh-west")
    units.get_by_role("button", name="Add units").click()
    expect(saved(page)).to_contain_text("1 unit(s) added")

    upload = page.locator("#collectible-image input[type=file]")
    shell = tmp_path / "photo.png"
    shell.write_bytes(PHP_SHELL)
    upload.set_input_files(str(shell))
    page.get_by_role("button", name="Upload image").click()
    expect(problems(page)).to_contain_text("'photo.png' is not an image we accept")
    big = tmp_path / "big.png"
    big.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(12 * 1024 * 1024))
    upload.set_input_files(str(big))
    page.get_by_role("button", name="Upload image").click()
    expect(problems(page)).to_contain_text("'big.png' is 12.0 MB; images can be at most 10.0 MB")

    image = tmp_path / "voltes.png.jpg"
    image.write_bytes(jpeg(size=(900, 600), color=(250, 200, 0)))
    page.locator("#collectible-image input[type=file]").set_input_files(str(image))
    page.get_by_role("button", name="Upload image").click()
    expect(saved(page)).to_contain_text("Image uploaded")
    src = page.locator("#current-image").get_attribute("src")
    assert src.startswith(f"{spaces.endpoint}/{spaces.bucket}/collectibles/")
    screenshot("owner-collectible")
    try:
        page.goto(shop_url)
        shown = card(page, "Voltes V Figure").locator("img")  # decorative: alt=""
        expect(shown).to_have_attribute("src", src)
        served = httpx.get(src)
        assert served.status_code == 200 and served.headers["content-type"] == "image/webp"
        assert "immutable" in served.headers["cache-control"]
    finally:  # leave the six demo collectibles for the other tests
        page.goto(f"{shop_url}/admin/catalog")
        row = page.get_by_role("row").filter(has_text="col-200")
        row.get_by_role("button", name="Archive").click()
        expect(saved(page)).to_contain_text("col-200 archived")


def test_a_unit_retired_by_mistake_is_put_back_in_stock(page, shop_url, accounts, api, screenshot):
    unit = "col-006-wh-south"
    sign_in(page, shop_url)
    before = stock_of(api, "col-006")
    page.goto(f"{shop_url}/admin/catalog/col-006")
    row = page.get_by_role("row").filter(has_text=unit)
    retire = row.get_by_role("button", name=f"Retire {unit}", exact=True)
    put_back = row.get_by_role("button", name=f"Put back in stock: {unit}", exact=True)
    try:
        retire.click()
        expect(saved(page)).to_contain_text(f"{unit} retired.")
        expect(put_back).to_be_visible()
        expect(retire).to_have_count(0)
        # The state's word, in its colour (retired gray, free green).
        expect(row.get_by_text("retired", exact=True)).to_have_attribute(
            "data-accent-color", "gray"
        )
        assert stock_of(api, "col-006") == before - 1
        screenshot("owner-units-retired")

        put_back.click()
        expect(saved(page)).to_contain_text(f"{unit} is back in stock.")
        expect(retire).to_be_visible()
        expect(put_back).to_have_count(0)
        expect(row.get_by_text("free", exact=True)).to_have_attribute("data-accent-color", "green")
        assert stock_of(api, "col-006") == before

        # The Audit log says who took the unit out and who put it back.
        page.goto(f"{shop_url}/admin/audit")
        logged = page.locator(".audit-row").filter(has_text=unit)
        for action in ("unit_retired", "unit_restored"):
            expect(logged.filter(has_text=action).first).to_contain_text(OWNER)
    finally:  # leave the demo units in stock for the other tests
        page.goto(f"{shop_url}/admin/catalog/col-006")
        expect(row).to_be_visible()
        if put_back.count():
            put_back.click()
            expect(saved(page)).to_contain_text("back in stock")


def test_a_unit_is_blocked_for_maintenance_and_unblocked_from_a_form_that_fits_the_screen(
    page, shop_url, accounts, screenshot
):
    unit = "col-006-wh-north"
    # Far ahead: no other test books col-006 then.
    first = shop_today() + timedelta(days=300)
    last = first + timedelta(days=2)
    sign_in(page, shop_url)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{shop_url}/admin/catalog/col-006")
    form = page.get_by_role("form", name="Block a unit for maintenance")
    unit_field, first_day, last_day, reason = (
        form.get_by_label(name) for name in ("Unit", "First day", "Last day", "Reason")
    )
    button = form.get_by_role("button", name="Block for maintenance")
    expect(unit_field.locator("option")).to_have_count(4)  # col-006's units: a choice, no typing
    # On a wide screen the fields stand side by side, the button level with their inputs.
    boxes = [c.bounding_box() for c in (unit_field, first_day, last_day, reason, button)]
    bottom = boxes[0]["y"] + boxes[0]["height"]
    assert [b["y"] + b["height"] for b in boxes] == [pytest.approx(bottom, abs=1)] * 5
    assert [b["x"] for b in boxes] == sorted(b["x"] for b in boxes)
    # The Details card's name and description take the card's width, up to 40rem (640 px).
    details = page.locator("form").filter(has=page.get_by_role("heading", name="Details"))
    name_box = details.get_by_label("Name").bounding_box()
    description_box = details.get_by_label("Description").bounding_box()
    assert name_box["width"] == pytest.approx(640, abs=4)
    assert description_box["width"] == pytest.approx(640, abs=4)
    assert description_box["height"] >= 120  # several lines of description in view

    unit_field.select_option(unit)
    first_day.fill(last.isoformat())
    last_day.fill(first.isoformat())
    button.click()
    expect(problems(page)).to_contain_text("The block must end on or after its first day.")
    first_day.fill(first.isoformat())
    last_day.fill(last.isoformat())
    reason.fill("coin door repair")
    button.click()
    expect(saved(page)).to_contain_text("Maintenance block saved.")
    try:
        row = page.get_by_role("row").filter(has_text=unit)
        expect(row).to_contain_text(f"{first} to {last} (coin door repair)")
        # Those days are to come: the unit is not in maintenance now (other tests may rent it).
        expect(row.get_by_role("cell", name="maintenance", exact=True)).to_have_count(0)
        screenshot("owner-units-blocked")
        unit_forms = {"include": [["form[aria-labelledby]"]]}  # Add units, Block a unit
        assert AXE.run(page, context=unit_forms).response["violations"] == []

        # On a phone each field takes a line (the two days share one), then the button.
        page.set_viewport_size({"width": 375, "height": 800})
        form_box = form.bounding_box()
        unit_box, first_box, last_box, reason_box, button_box = (
            c.bounding_box() for c in (unit_field, first_day, last_day, reason, button)
        )
        # (a text input sits 1 px inside its frame on each side)
        assert unit_box["width"] == pytest.approx(form_box["width"], abs=2)
        assert reason_box["width"] == pytest.approx(form_box["width"], abs=2)
        assert first_box["y"] == pytest.approx(last_box["y"], abs=1)
        assert unit_box["y"] < first_box["y"] < reason_box["y"] < button_box["y"]
        assert form_box["x"] >= 0 and form_box["x"] + form_box["width"] <= 375
        # The units table keeps each id on one line and scrolls sideways inside its card; the
        # page itself does not.
        for cell in (page.get_by_role("cell", name=unit, exact=True), row.get_by_text(str(first))):
            assert text_lines(cell) == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        screenshot("owner-units-blocked-phone")
        assert AXE.run(page, context=unit_forms).response["violations"] == []

        # The Audit log says who blocked which unit, for which days and why; once (the refused
        # block is not there).
        page.goto(f"{shop_url}/admin/audit")
        logged = page.locator(".audit-row").filter(has_text="unit_blocked").filter(has_text=unit)
        expect(logged).to_have_count(1)
        expect(logged).to_contain_text(OWNER)
        expect(logged).to_contain_text(f"{first} to {last} (coin door repair)")

        # The owner removes the block from the units table: gone from it, and in the log.
        page.goto(f"{shop_url}/admin/catalog/col-006")
        remove = row.get_by_role("button", name=f"Remove block of {unit}: {first} to {last}")
        remove.click()
        expect(saved(page)).to_contain_text("Maintenance block removed")
        expect(remove).to_have_count(0)
        expect(row).not_to_contain_text(f"{first} to {last}")
        page.goto(f"{shop_url}/admin/audit")
        logged = page.locator(".audit-row").filter(has_text="unit_unblocked").filter(has_text=unit)
        expect(logged).to_have_count(1)
        expect(logged).to_contain_text(OWNER)
        expect(logged).to_contain_text(f"{first} to {last} (coin door repair)")
    finally:  # a block left behind would make col-006 unbookable for the other tests
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(f"{shop_url}/admin/catalog/col-006")
        leftover = page.get_by_role("button", name=f"Remove block of {unit}: {first} to {last}")
        expect(page.get_by_role("row").filter(has_text=unit)).to_be_visible()
        if leftover.count():
            leftover.click()
            expect(leftover).to_have_count(0)


def set_rate_m(page, shop_url, pesos: str) -> None:
    page.goto(f"{shop_url}/admin/prices")
    field = page.get_by_label("Daily rate, size M (PHP)")
    expect(field).not_to_have_value("")
    field.fill(pesos)
    page.get_by_role("button", name="Save prices").click()
    expect(saved(page)).to_be_visible()


def test_a_rate_change_reaches_new_quotes_but_not_an_existing_rental(page, shop_url, accounts, api):
    sign_in(page, shop_url)
    body = order("col-005", duration=10, customer=another_customer())
    started = api.post("/api/rentals/checkout", json=body).json()["data"]
    assert started["total_fee"] == 50_000  # M: PHP 5,000.00 a day
    try:
        set_rate_m(page, shop_url, "6500.00")
        expect(page.get_by_role("row").filter(has_text="PHP 6,500.00")).to_be_visible()  # history
        page.goto(f"{shop_url}/collectibles/col-005")
        quote = page.get_by_role("region", name="Your rental")
        quote.get_by_label("Duration (days)").fill("10")
        expect(amount(quote, "Total")).to_have_text("PHP 65,000.00")
        kept = api.get(f"/api/rentals/{started['rental_id']}", params={"token": started["token"]})
        assert kept.json()["data"]["total_fee"] == 50_000
    finally:
        set_rate_m(page, shop_url, "5000.00")
        api.post(f"/api/rentals/{started['rental_id']}/cancel", params={"token": started["token"]})


def test_a_distance_matrix_with_a_hole_is_refused_naming_the_cell(page, shop_url, accounts, api):
    sign_in(page, shop_url)
    page.goto(f"{shop_url}/admin/network")
    cell = page.get_by_label("km from wh-south to store-b")
    expect(cell).to_have_value("12")
    cell.fill("")
    page.get_by_label("km from wh-east to store-a").fill("-3")
    page.get_by_role("button", name="Save distances").click()
    expect(problems(page)).to_contain_text("distances.wh-south.store-b: Missing")
    expect(problems(page)).to_contain_text("distances.wh-east.store-a: Must not be negative")
    matrix = page.locator("#distance-matrix")
    expect(matrix.get_by_role("alert").filter(has_text="Missing")).to_be_visible()
    page.reload()  # nothing was saved
    expect(page.get_by_label("km from wh-south to store-b")).to_have_value("12")
    expect(page.get_by_label("km from wh-east to store-a")).to_have_value("6")
