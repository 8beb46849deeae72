"""A fresh clone works with plain `reflex run`: no sourced set-up script, no DATABASE_URL, no
prestart by hand, on ports of its own choosing.

The checkout is copied (tracked and new files, as a clone would have them) into a temporary
folder with its own git history; this venv's `reflex` runs there with an environment cleaned
of everything the project's scripts and tests set. The shop must come up migrated and
seeded, send checkouts to the chosen backend port and customers back to the chosen frontend
port, and leave `git status` clean.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.support.orders import order
from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
DEMO_IDS = [f"col-00{n}" for n in range(1, 7)]
DEMO_NAMES = ["Vintage Batman Action Figure", "Arcade Machine - Street Fighter II"]
# What scripts/setup.sh, the test fixtures or a developer's shell may have set.
SET_BY_US = {
    "DATABASE_URL",
    "PUBLIC_BASE_URL",
    "API_BASE_URL",
    "ENVIRONMENT",
    "SEED_DEMO_DATA",
    "PORT",
    "VIRTUAL_ENV",
    "PYTHONPATH",
}


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def _git_bytes(*args: str, cwd: Path) -> bytes:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True).stdout


def _fresh_clone(target: Path) -> Path:
    """The files a clone of this checkout would have (with uncommitted edits), committed."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listed = _git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT)
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if name.startswith("reflex.lock/"):
            # As staged: the other browser tests' Reflex runs in this checkout rewrite these
            # lock files (same content, other formatting); a clone gets them as committed.
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).write_bytes(_git_bytes("show", f":{name}", cwd=ROOT))
        elif source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    _git("init", "-q", cwd=target)
    _git("add", "-A", cwd=target)
    _git("-c", "user.name=t", "-c", "user.email=t@localhost", "commit", "-qm", "clone", cwd=target)
    return target


def _clean_environment() -> dict[str, str]:
    venv_bin = Path(sys.executable).parent
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in SET_BY_US and not key.startswith(("REFLEX_", "BUN_"))
    }
    # No venv or project tool folders on PATH: `reflex` is called by its full path below.
    env["PATH"] = os.pathsep.join(
        entry
        for entry in env.get("PATH", "").split(os.pathsep)
        if entry
        and Path(entry).resolve() != venv_bin.resolve()
        and not Path(entry).resolve().is_relative_to(ROOT)
    )
    return env


@dataclass
class Shop:
    clone: Path
    frontend: str
    backend: str
    log: Path
    process: subprocess.Popen | None = None

    def stop(self) -> None:
        """Stop `reflex run` and everything it started (as Ctrl+C in its terminal would)."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def _wait_until_up(shop: Shop, timeout: float = 420) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if shop.process.poll() is not None:
            raise AssertionError(f"reflex run exited early:\n{shop.log.read_text()[-4000:]}")
        try:
            # Any answer from the backend will do: the tests below judge what it says.
            httpx.get(shop.backend + "/api/stores", timeout=5)
            if httpx.get(shop.frontend + "/", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    tail = shop.log.read_text()[-4000:]
    raise AssertionError(f"reflex run did not start in {timeout} s:\n{tail}")


@pytest.fixture(scope="module")
def fresh_shop(tmp_path_factory) -> Iterator[Shop]:
    clone = _fresh_clone(tmp_path_factory.mktemp("clone"))
    frontend_port = backend_port = free_port()
    while backend_port == frontend_port:
        backend_port = free_port()
    shop = Shop(
        clone=clone,
        frontend=f"http://localhost:{frontend_port}",
        backend=f"http://localhost:{backend_port}",
        log=tmp_path_factory.mktemp("logs") / "reflex-run.log",
    )
    reflex = Path(sys.executable).parent / "reflex"
    command = [str(reflex), "run", "--frontend-port", str(frontend_port)]
    command += ["--backend-port", str(backend_port)]
    with shop.log.open("w") as out:
        shop.process = subprocess.Popen(
            command,
            cwd=clone,
            env=_clean_environment(),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_up(shop)
        yield shop
    finally:
        shop.stop()


def test_the_api_serves_the_demo_catalog_from_the_embedded_database(fresh_shop):
    answer = httpx.get(fresh_shop.backend + "/api/collectibles", timeout=30).json()
    assert answer["success"] is True
    assert [c["id"] for c in answer["data"]] == DEMO_IDS
    assert all(c["stock"] == 4 for c in answer["data"])
    assert (fresh_shop.clone / ".data" / "mongocollectibles.db").is_file()


def test_checkout_goes_to_the_backend_port_and_returns_to_the_frontend_port(fresh_shop):
    with httpx.Client(timeout=30) as client:
        answer = client.post(fresh_shop.backend + "/api/rentals/checkout", json=order())
        assert answer.status_code == 200, answer.text
        payment_url = answer.json()["data"]["payment_url"]
        assert payment_url.startswith(fresh_shop.backend + "/paymongo-sandbox/checkout/")
        back = client.post(payment_url + "/cancel")
    assert back.status_code == 303
    assert back.headers["location"].startswith(fresh_shop.frontend + "/payment/")


def test_the_storefront_shows_the_catalog(fresh_shop, page):
    page.goto(fresh_shop.frontend, timeout=120_000)
    expect(page.get_by_test_id("collectible-card")).to_have_count(6, timeout=120_000)
    for name in DEMO_NAMES:
        expect(page.get_by_role("heading", name=name)).to_be_visible()


def test_the_run_is_quiet_and_leaves_the_clone_clean(fresh_shop):
    # Last (pytest keeps file order): the app has started, served and swept holds by now.
    fresh_shop.stop()
    log = fresh_shop.log.read_text()
    assert "uv run" not in log
    assert "hold expiry sweep failed" not in log
    assert "unable to open database file" not in log
    changed = _git("status", "--porcelain", cwd=fresh_shop.clone)
    assert changed == "", changed + _git("diff", cwd=fresh_shop.clone)[:3000]
