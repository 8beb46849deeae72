"""The owner console in a real browser: an owner made with the management command signs in,
sees Today, finds a paid rental by email and takes it through ready -> picked up -> returned
(the storefront's stock comes back), refunds another in the sandbox, exports CSV, and sees a
new paid rental appear without a reload. Also: wrong passwords are limited, customer HTML is
shown as text, staff see no money, every page fits a phone, and axe-core finds nothing serious
on any console page (desktop and phone)."""

from __future__ import annotations

import concurrent.futures
import contextlib
import csv
import io
import re
import time
import uuid

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    ARTIFACTS,
    OWNER,
    STAFF,
    STAFF_PASSWORD,
    sign_in,
    stock_of,
)
from tests.e2e.test_journey import serious

COLLECTIBLE = "col-002"


@pytest.fixture
def paid_rental(api: httpx.Client, shop_env):
    """Rent and pay in the sandbox (as a customer would); any rental the test leaves holding
    its unit is returned afterwards, so other tests see the usual stock."""
    made: list[str] = []

    def rent(name: str = "Maria Clara", collectible_id: str = COLLECTIBLE) -> dict:
        email = f"e2e-{uuid.uuid4().hex[:10]}@example.com"
        body = {
            "collectible_id": collectible_id,
            "store_id": "store-a",
            "duration": 3,
            "payment_method": "gcash",
            "customer": {
                "name": name,
                "email": email,
                "phone": "0917 555 0101",
                "address": "5 Rizal Avenue",
                "city": "Manila",
                "postal_code": "1000",
            },
        }
        started = api.post("/api/rentals/checkout", json=body).json()["data"]
        session_id = started["payment_url"].rsplit("/", 1)[1]
        api.post(f"/paymongo-sandbox/_sandbox/checkout_sessions/{session_id}/pay", json={})
        made.append(started["rental_id"])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the sandbox's webhook marks it paid
            status = api.get(
                f"/api/rentals/{started['rental_id']}", params={"token": started["token"]}
            ).json()["data"]["status"]
            if status == "paid":
                return {"id": started["rental_id"], "email": email, "name": name}
            time.sleep(0.3)
        raise AssertionError("the rental was not paid")

    yield rent
    _free_units(shop_env["DATABASE_URL"], made)


def _free_units(database_url: str, rental_ids: list[str]) -> None:
    import asyncio

    from mongocollectibles.domain.errors import DomainError
    from mongocollectibles.services import owner_rentals
    from mongocollectibles.services.admin_sessions import Principal
    from mongocollectibles.services.unit_of_work import UnitOfWork

    uow, who = UnitOfWork(database_url), Principal(0, "e2e-cleanup", "owner")

    async def free() -> None:
        for rental_id in rental_ids:
            for step in ("ready_for_pickup", "picked_up", "returned"):
                with contextlib.suppress(DomainError):  # refunded, or already further on
                    await owner_rentals.advance(rental_id, step, who, uow=uow)

    # Playwright's sync API keeps an event loop in this thread: run ours in another.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, free()).result()


def snap(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def open_rental_by_email(page, shop_url, email: str, rental_id: str) -> None:
    page.goto(f"{shop_url}/admin/rentals")
    page.locator("#rental-search").fill(email)
    page.locator("#search-button").click()
    expect(page.locator(".rental-row")).to_have_count(1)
    expect(page.locator("#rentals-count")).to_contain_text("(1 rentals)")
    page.locator(".rental-link").click()
    expect(page).to_have_url(re.compile(f"/admin/rentals/{rental_id}$"))
    expect(page.locator("#rental-id")).to_have_text(rental_id)


def test_signed_out_visitors_are_sent_to_sign_in(page, shop_url, accounts):
    for path in ("/admin/today", "/admin/rentals", "/admin/audit", "/admin/rentals/x"):
        page.goto(shop_url + path)
        expect(page).to_have_url(re.compile(r"/admin/login$"))
    answer = httpx.get(shop_url + "/api/admin/rentals.csv", timeout=30)
    assert answer.status_code == 401


def test_owner_runs_a_rental_from_paid_to_returned(page, shop_url, api, accounts, paid_rental):
    before = stock_of(api, COLLECTIBLE)
    rental = paid_rental()
    assert stock_of(api, COLLECTIBLE) == before - 1
    sign_in(page, shop_url)
    expect(page.locator("#revenue-month")).to_contain_text("PHP")
    expect(page.locator("#list-latest_paid")).to_contain_text(rental["name"])
    snap(page, "admin-today")
    open_rental_by_email(page, shop_url, rental["email"], rental["id"])
    expect(page.locator("#rental-status")).to_have_text("Paid")
    snap(page, "admin-rental")

    page.locator("#action-ready_for_pickup").click()
    expect(page.locator("#rental-status")).to_have_text("Ready for pickup")
    expect(page.get_by_text("Ready for pickup.", exact=True)).to_be_visible()  # the toast
    page.locator("#action-picked_up").click()
    expect(page.locator("#rental-status")).to_have_text("Picked up")
    assert stock_of(api, COLLECTIBLE) == before - 1
    page.locator("#action-returned").click()
    expect(page.locator("#rental-status")).to_have_text("Returned")
    expect(page.locator("#rental-actions button")).to_have_count(0)
    history = page.locator("#rental-history .history-row")
    expect(history.last).to_contain_text(f"owner:{OWNER}")
    expect(history.last).to_contain_text("Picked up -> Returned")

    # The storefront shows the unit back in stock.
    assert stock_of(api, COLLECTIBLE) == before
    page.goto(shop_url)
    expect(page.locator(f"#card-{COLLECTIBLE}")).to_contain_text(f"{before} in stock")


def test_owner_refunds_a_rental_in_the_sandbox(page, shop_url, api, accounts, paid_rental):
    before = stock_of(api, COLLECTIBLE)
    rental = paid_rental(name="Jose Rizal")
    sign_in(page, shop_url)
    open_rental_by_email(page, shop_url, rental["email"], rental["id"])
    page.locator("#refund-open").click()
    page.locator("#refund-amount").fill("abc")
    page.locator("#refund-confirm").click()
    expect(page.locator("#refund-error")).to_contain_text("Amount")
    page.locator("#refund-amount").fill("25,000.50")  # keep a cancellation fee
    page.locator("#refund-note").fill("Customer changed plans")
    snap(page, "admin-refund-dialog")
    page.locator("#refund-confirm").click()
    expect(page.locator("#rental-status")).to_have_text("Refunded")
    expect(page.locator("#rental-refunded")).to_have_text("PHP 25,000.50")
    expect(page.locator("#refund-id")).to_contain_text("ref_")
    expect(page.locator("#rental-history")).to_contain_text("Customer changed plans")
    assert stock_of(api, COLLECTIBLE) == before
    # The sandbox really refunded and told the shop by webhook (its event log names the
    # resource only, not the amount, which the page shows above).
    for _ in range(50):
        refunded = api.get(
            "/paymongo-sandbox/_sandbox/events", params={"type": "payment.refunded"}
        ).json()["data"]
        if refunded and refunded[-1]["last_status"] == 200:
            break
        time.sleep(0.1)
    assert refunded and refunded[-1]["last_status"] == 200, refunded
    page.goto(f"{shop_url}/admin/audit")
    expect(page.locator("#audit-table")).to_contain_text("rental_refunded")


def test_csv_export_of_the_filtered_rentals(page, shop_url, api, accounts, paid_rental):
    rental = paid_rental(name="=cmd|' /C calc'!A0")
    sign_in(page, shop_url)
    page.goto(f"{shop_url}/admin/rentals")
    page.locator("#rental-search").fill(rental["email"])
    page.locator("#search-button").click()
    expect(page.locator(".rental-row")).to_have_count(1)
    with page.expect_download() as download_info:
        page.locator("#export-csv").click()
    text = download_info.value.path().read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["id"] for row in rows] == [rental["id"]]
    assert rows[0]["customer_email"] == rental["email"]
    assert rows[0]["customer_name"] == "'=cmd|' /C calc'!A0"  # not a formula
    assert rows[0]["status"] == "paid" and rows[0]["total_php"] == "30000.00"


def test_new_paid_rentals_appear_without_a_reload(page, shop_url, accounts, paid_rental):
    sign_in(page, shop_url)
    expect(page.locator("#count-latest_paid")).to_be_visible()
    rental = paid_rental(name=f"Live Update {uuid.uuid4().hex[:6]}")
    expect(page.locator("#list-latest_paid")).to_contain_text(rental["name"], timeout=20_000)


def test_customer_html_is_shown_as_text(page, shop_url, accounts, paid_rental):
    name = '<b id="injected">Bold</b><img src=x onerror="window.pwned=1">'
    rental = paid_rental(name=name)
    sign_in(page, shop_url)
    expect(page.locator("#list-latest_paid")).to_contain_text(name)
    open_rental_by_email(page, shop_url, rental["email"], rental["id"])
    expect(page.locator("#customer-name")).to_have_text(name)
    assert page.locator("#injected").count() == 0
    assert page.evaluate("window.pwned") is None


def test_wrong_passwords_are_limited(page, shop_url, accounts):
    page.goto(f"{shop_url}/admin/login")
    page.locator("#admin-username").fill(STAFF)
    for _ in range(3):
        page.locator("#admin-password").fill("not the password")
        page.locator("#sign-in").click()
        expect(page.locator("#sign-in-error")).to_have_text("Wrong username or password.")
        page.locator("#admin-password").fill("")
    page.locator("#admin-password").fill(STAFF_PASSWORD)  # even the right one must wait now
    page.locator("#sign-in").click()
    expect(page.locator("#sign-in-error")).to_contain_text("Too many failed sign-ins")
    snap(page, "admin-login-throttled")
    time.sleep(3)  # the first delay is 2 seconds
    page.locator("#sign-in").click()
    expect(page).to_have_url(re.compile(r"/admin/today$"), timeout=30_000)
    # Staff see the work but no money, no export and no audit log.
    expect(page.locator("#count-pickups_due")).to_be_visible()
    expect(page.locator("#revenue-month")).to_have_count(0)
    expect(page.locator("#nav-audit")).to_have_count(0)
    page.goto(f"{shop_url}/admin/rentals")
    expect(page.locator("#rentals-table")).to_be_visible()
    expect(page.locator("#export-csv")).to_have_count(0)
    page.goto(f"{shop_url}/admin/audit")
    expect(page.locator("#admin-forbidden, [data-sonner-toast]")).to_contain_text("Only the owner")
    expect(page.locator(".audit-row")).to_have_count(0)


def test_sign_out_ends_the_session(page, shop_url, accounts):
    sign_in(page, shop_url)
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "mc_admin")
    page.locator("#sign-out").click()
    expect(page).to_have_url(re.compile(r"/admin/login$"))
    # The old token is dead on the server too, not just forgotten by the browser.
    answer = httpx.get(
        shop_url + "/api/admin/rentals.csv", headers={"Cookie": f"mc_admin={token}"}, timeout=30
    )
    assert answer.status_code == 401
    page.goto(f"{shop_url}/admin/today")
    expect(page).to_have_url(re.compile(r"/admin/login$"))


def test_owner_adds_and_disables_a_staff_account(page, shop_url, accounts):
    sign_in(page, shop_url)
    page.locator("#nav-accounts").click()
    expect(page.locator(".account-row").first).to_be_visible()
    page.locator("#new-username").fill("temp-e2e")
    page.locator("#new-password").fill("short")
    page.locator("#add-account").click()
    expect(page.locator("#account-error")).to_contain_text("at least 12")
    page.locator("#new-password").fill("a temporary passphrase")
    page.locator("#add-account").click()
    row = page.locator(".account-row", has_text="temp-e2e")
    expect(row).to_contain_text("staff")
    expect(row).to_contain_text("active")
    snap(page, "admin-accounts")
    row.get_by_role("button", name="Disable").click()
    expect(row).to_contain_text("disabled")
    page.goto(f"{shop_url}/admin/audit")
    expect(page.locator("#audit-table")).to_contain_text("account_disabled")


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True)
    yield context.new_page()
    context.close()


def test_console_fits_a_phone(phone, shop_url, accounts, paid_rental):
    rental = paid_rental(name="Phone Check")
    page = phone
    sign_in(page, shop_url)
    expect(page.locator("#list-latest_paid")).to_contain_text("Phone Check")
    snap(page, "admin-today-phone")
    open_rental_by_email(page, shop_url, rental["email"], rental["id"])
    snap(page, "admin-rental-phone")
    for path in (
        "/admin/today",
        "/admin/rentals",
        f"/admin/rentals/{rental['id']}",
        "/admin/audit",
    ):
        page.goto(shop_url + path)
        expect(page.locator("#admin-who")).to_contain_text(OWNER)
        page.wait_for_timeout(500)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
    snap(page, "admin-audit-phone")


@pytest.fixture(params=["desktop", "phone"])
def console_page(request, browser):
    phone = request.param == "phone"
    size = {"width": 375, "height": 812} if phone else {"width": 1280, "height": 900}
    context = browser.new_context(viewport=size, is_mobile=phone)
    page = context.new_page()
    page.viewport_name = request.param
    yield page
    context.close()


def test_axe_finds_nothing_serious_on_any_console_page(
    console_page, shop_url, accounts, paid_rental
):
    page = console_page
    customer = f"Axe Check {page.viewport_name}"
    rental = paid_rental(name=customer)
    problems = {}

    def check(name: str) -> None:
        expect(page.get_by_role("main").locator("h1").first).to_be_visible()
        expect(page.locator(".rt-Spinner")).to_have_count(0)
        page.wait_for_timeout(300)
        snap(page, f"admin-axe-{name}-{page.viewport_name}")
        found = serious(page)
        if found:
            problems[name] = found

    page.goto(f"{shop_url}/admin/login")
    expect(page.locator("#admin-username")).to_be_visible()
    check("sign-in")
    sign_in(page, shop_url)
    # Each page with what shows its data has arrived (axe checks what is drawn).
    pages = [
        ("today", "/admin/today", page.locator("#list-latest_paid").get_by_text(customer)),
        ("rentals", "/admin/rentals", page.locator(".rental-row").first),
        ("rental", f"/admin/rentals/{rental['id']}", page.locator("#rental-status")),
        ("catalog", "/admin/catalog", page.get_by_role("row").filter(has_text="col-006").first),
        (
            "collectible",
            "/admin/catalog/col-006",
            page.get_by_role("row").filter(has_text="col-006-wh-north").first,
        ),
        ("prices", "/admin/prices", page.get_by_label("Daily rate, size M (PHP)")),
        ("network", "/admin/network", page.get_by_label("km from wh-south to store-b")),
        ("audit", "/admin/audit", page.locator(".audit-row").first),
        ("accounts", "/admin/accounts", page.locator(".account-row").first),
    ]
    for name, path, shown in pages:
        page.goto(shop_url + path)
        expect(page.locator("#admin-who")).to_contain_text(OWNER)
        expect(shown).to_be_visible()
        check(name)
        # Landmarks: the sections in a nav inside the header, the page in the one main.
        expect(page.get_by_role("banner").get_by_role("navigation")).to_have_count(1)
        expect(page.get_by_role("main")).to_have_count(1)
        expect(page.get_by_role("link", name="Skip to main content")).to_have_count(1)

    # The console's messages after a save, refused and done, in their colours too.
    page.goto(f"{shop_url}/admin/catalog/col-006")
    details = page.locator("form").filter(has=page.get_by_role("heading", name="Details"))
    name = details.get_by_label("Name")
    expect(name).not_to_have_value("")
    kept = name.input_value()
    name.fill("")
    details.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert").filter(has_text="Nothing was saved")).to_be_visible()
    check("collectible-refused")
    name.fill(kept)
    details.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    check("collectible-saved")
    assert problems == {}
