"""Browser tests: the real Reflex app (`reflex run --env prod`, one port) on a fresh SQLite
database with the embedded PayMongo sandbox, driven by Playwright in Chromium."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


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
    args = {**browser_type_launch_args, "args": CHROMIUM_FLAGS}
    system = os.getenv("CHROMIUM_PATH") or shutil.which("chromium")
    if system:
        args["executable_path"] = system
    return args


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot under test-artifacts/ (to look at, and keep from CI)."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
