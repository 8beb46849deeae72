"""Browser tests: the real Reflex app (`reflex run --env prod`, one port) on a fresh SQLite
database with the embedded PayMongo sandbox, driven by Playwright in Chromium."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.support.browser import launch_options
from tests.support.servers import free_port

# Reflex hydrates over a websocket and live stock polls every few seconds.
expect.set_options(timeout=15_000)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


def _wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"reflex exited early:\n{log.read_text()[-4000:]}")
        try:
            if (
                httpx.get(url + "/", timeout=2).status_code == 200
                and httpx.get(url + "/api/stores", timeout=2).status_code == 200
            ):
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise RuntimeError(f"reflex did not start in {timeout}s:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="session")
def spaces():
    """An S3-compatible server (moto's) standing in for DigitalOcean Spaces: uploaded
    collectible images go there and the storefront shows them from it."""
    from tests.support.s3 import s3_server

    with s3_server() as server:
        yield server


@pytest.fixture(scope="session")
def shop_env(tmp_path_factory, spaces) -> dict[str, str]:
    port = free_port()
    base = f"http://localhost:{port}"
    workdir = tmp_path_factory.mktemp("shop")
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"sqlite:///{workdir / 'shop.db'}",
        PUBLIC_BASE_URL=base,
        API_BASE_URL=base,
        ENVIRONMENT="test",
        HOLD_MINUTES=os.getenv("E2E_HOLD_MINUTES", "15"),
        REFLEX_TELEMETRY_ENABLED="0",
        PORT=str(port),
        **spaces.env(),
        # The cap on unpaid holds per customer, shown on the checkout page
        # (test_checkout.py); the rates stay off: the tests check out many times.
        CHECKOUT_LIMITS_ENABLED="true",
        CHECKOUT_RATE_PER_IP="",
        CHECKOUT_RATE_PER_CUSTOMER="",
        MAX_UNPAID_HOLDS_PER_IP="0",
        MAX_UNPAID_HOLDS_PER_CUSTOMER="3",
        # The embedded mail server on a port of its own; its mailbox in this run's folder.
        SMTP_PORT=str(free_port()),
        MAILBOX_DIR=str(workdir / "mailbox"),
        OUTBOX_INTERVAL_SECONDS="1",
    )
    return env


@pytest.fixture(scope="session")
def shop_url(shop_env, tmp_path_factory) -> str:
    """Start the app once for the whole browser session; yields its base URL."""
    port = shop_env["PORT"]
    subprocess.run(
        [sys.executable, "-m", "mongocollectibles.prestart"], cwd=ROOT, env=shop_env, check=True
    )
    log = tmp_path_factory.mktemp("logs") / "reflex.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            ["reflex", "run", "--env", "prod", "--single-port", "--backend-port", port],
            cwd=ROOT,
            env=shop_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://localhost:{port}"
    try:
        _wait_until_up(base, process, log)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, **launch_options()}


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot under test-artifacts/ (to look at, and keep from CI)."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture(scope="session")
def api(shop_url):
    """An HTTP client for the shop's REST API (and the embedded sandbox's test controls)."""
    with httpx.Client(base_url=shop_url, timeout=30) as client:
        yield client


# Pages are found as a screen reader finds them: by role, accessible name and label.


def collectible_cards(page):
    """The catalog's cards: the items of the list named "Collectibles"."""
    return page.get_by_role("list", name="Collectibles").get_by_role("listitem")


def card(page, name: str):
    """The catalog card whose heading is `name`."""
    return collectible_cards(page).filter(has=page.get_by_role("heading", name=name, exact=True))


def amount(scope, label: str):
    """An amount on a quote or order summary, named by its label ("Total", "Daily rate")."""
    return scope.get_by_role("status", name=label, exact=True)


def stock_of(api: httpx.Client, collectible_id: str, store_id: str = "store-a") -> int:
    answer = api.get(f"/api/collectibles/{collectible_id}", params={"store_id": store_id})
    return answer.json()["data"]["stock"]


@pytest.fixture
def hold_units(shop_env):
    """Book units as other shoppers would (directly in the shop's database), each from today
    for the longest rental, so none is free within the booking horizon; released after."""
    from mongocollectibles.services.unit_of_work import UnitOfWork
    from mongocollectibles.settings import get_settings
    from tests.support.bookings import book, cancel, other_shopper

    url = shop_env["DATABASE_URL"]
    held: list[str] = []

    def hold(collectible_id: str, count: int = 1, store_id: str = "store-a") -> None:
        with UnitOfWork(url)() as session:
            for _ in range(count):
                days = get_settings().max_duration_days
                shopper = other_shopper(len(held))  # other shoppers, not the test's customer
                held.append(book(session, collectible_id, store_id, days=days, customer=shopper).id)

    def until_full(collectible_id: str, store_id: str = "store-a") -> None:
        """Hold units until none is left for any day (other tests may have rented some)."""
        from mongocollectibles.domain.errors import DomainError

        for _ in range(20):
            try:
                hold(collectible_id, store_id=store_id)
            except DomainError:
                return
        raise AssertionError(f"{collectible_id} still bookable after 20 holds")

    def release_all() -> None:
        with UnitOfWork(url)() as session:
            for rental_id in held:
                cancel(session, rental_id)
        held.clear()

    hold.release_all = release_all
    hold.until_full = until_full
    yield hold
    release_all()


@pytest.fixture
def sandbox_faults(api):
    """Switch the embedded PayMongo sandbox's faults; back to normal after the test."""

    def set_faults(**faults) -> None:
        api.post("/paymongo-sandbox/_sandbox/faults", json=faults).raise_for_status()

    yield set_faults
    set_faults(create_checkout="ok", webhooks="deliver")


# Owner-console accounts, made once per browser session with the management command.
OWNER = "owner-e2e"
OWNER_PASSWORD = "a long owner passphrase"
STAFF = "clerk-e2e"
STAFF_PASSWORD = "a long clerk passphrase"


def create_admin(shop_env, username: str, password: str, role: str) -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "mongocollectibles.manage",
            "create-admin",
            "--username",
            username,
            "--role",
            role,
            "--password-stdin",
        ],
        input=password + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=shop_env,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert f"Created {role} account" in run.stdout


@pytest.fixture(scope="session")
def accounts(shop_env, shop_url):
    create_admin(shop_env, OWNER, OWNER_PASSWORD, "owner")
    create_admin(shop_env, STAFF, STAFF_PASSWORD, "staff")


def sign_in(page, shop_url, username=OWNER, password=OWNER_PASSWORD) -> None:
    page.goto(f"{shop_url}/admin/login")
    page.locator("#admin-username").fill(username)
    page.locator("#admin-password").fill(password)
    page.locator("#sign-in").click()
    expect(page).to_have_url(re.compile(r"/admin/today$"), timeout=30_000)
    expect(page.locator("#admin-who")).to_contain_text(username)
