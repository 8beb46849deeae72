"""Browser tests: the real Reflex app (`reflex run --env prod`, one port) on a fresh SQLite
database with the embedded PayMongo sandbox, driven by Playwright in Chromium."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.support.browser import launch_options

# Reflex hydrates over a websocket and live stock polls every few seconds.
expect.set_options(timeout=15_000)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
def shop_env(tmp_path_factory) -> dict[str, str]:
    port = _free_port()
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


def stock_of(api: httpx.Client, collectible_id: str, store_id: str = "store-a") -> int:
    answer = api.get(f"/api/collectibles/{collectible_id}", params={"store_id": store_id})
    return answer.json()["data"]["stock"]


@pytest.fixture
def hold_units(shop_env):
    """Book units as other shoppers would (directly in the shop's database), each from today
    for the longest rental, so none is free within the booking horizon; released after."""
    from mongocollectibles.services.unit_of_work import UnitOfWork
    from mongocollectibles.settings import get_settings
    from tests.support.bookings import book, cancel

    url = shop_env["DATABASE_URL"]
    held: list[str] = []

    def hold(collectible_id: str, count: int = 1, store_id: str = "store-a") -> None:
        with UnitOfWork(url)() as session:
            for _ in range(count):
                days = get_settings().max_duration_days
                held.append(book(session, collectible_id, store_id, days=days).id)

    def release_all() -> None:
        with UnitOfWork(url)() as session:
            for rental_id in held:
                cancel(session, rental_id)
        held.clear()

    hold.release_all = release_all
    yield hold
    release_all()


@pytest.fixture
def sandbox_faults(api):
    """Switch the embedded PayMongo sandbox's faults; back to normal after the test."""

    def set_faults(**faults) -> None:
        api.post("/paymongo-sandbox/_sandbox/faults", json=faults).raise_for_status()

    yield set_faults
    set_faults(create_checkout="ok", webhooks="deliver")
