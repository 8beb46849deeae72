"""A production rehearsal: the droplet's stack on loopback (tests/support/rehearsal.py: the
release build, the unit's own command lines and environment with ENVIRONMENT=production,
PostgreSQL, Redis with 2 workers, the packaged Caddy 2.6 with deploy/Caddyfile, the
standalone sandbox as PayMongo on sk_test_ keys). The browser talks to Caddy only."""

from __future__ import annotations

import re
import shutil
import tempfile
import uuid
from pathlib import Path

import httpx
import pytest
import redis
from playwright.sync_api import expect

from tests.e2e.test_checkout import fill_billing
from tests.support.databases import create_pg_database, drop_pg_database, postgres_problem
from tests.support.rehearsal import Rehearsal

REDIS_URL = "redis://127.0.0.1:6379/13"


@pytest.fixture(scope="module")
def production():
    problem = postgres_problem()
    if problem:
        pytest.fail(problem)
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=3).ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis not reachable at {REDIS_URL} ({error}); the rehearsal needs it")
    name = f"rehearsal_{uuid.uuid4().hex[:8]}"
    database = create_pg_database(name)
    workdir = Path(tempfile.mkdtemp(prefix="rehearsal-", dir="/tmp"))
    try:
        with Rehearsal(workdir, database, REDIS_URL, workers=2) as stack:
            yield stack
    finally:
        drop_pg_database(name)
        shutil.rmtree(workdir, ignore_errors=True)


def stock(stack: Rehearsal, collectible_id: str) -> int:
    answer = httpx.get(
        f"{stack.url}/api/collectibles/{collectible_id}", params={"store_id": "store-a"}
    )
    return answer.json()["data"]["stock"]


def test_caddy_serves_pages_keeps_queries_and_answers_404(production):
    url = production.url
    success = httpx.get(f"{url}/payment/success?rental_id=r-1&token=t-1")
    assert success.status_code == 200 and not success.history  # no redirect dropping the query
    assert httpx.get(f"{url}/collectibles/col-001").status_code == 200  # app route
    missing = httpx.get(f"{url}/no/such/page")
    assert missing.status_code == 404 and "<html" in missing.text.lower()
    health = httpx.get(f"{url}/_health").json()
    assert health == {"status": True, "db": True, "redis": True}
    log = (production.workdir / "caddy.log").read_text()
    assert "token=REDACTED" in log and "token=t-1" not in log


def test_rent_and_pay_through_caddy_while_the_backend_is_killed(production, page):
    url = production.url
    page.goto(url + "/")
    expect(page.get_by_test_id("collectible-card")).to_have_count(6, timeout=30_000)
    expect(page.locator("#test-mode-banner")).to_contain_text("TEST MODE")  # sk_test_ keys
    page.locator("#card-col-005").click()  # the card links to the collectible
    expect(page).to_have_url(re.compile(r"/collectibles/col-005"))
    page.get_by_label("Duration (days)").fill("3")
    expect(page.locator("#quote-total")).to_have_text("PHP 30,000.00", timeout=30_000)
    page.locator("#rent-button").click()
    expect(page).to_have_url(re.compile(r"/checkout\?collectible_id=col-005.*duration=3"))
    fill_billing(page)
    before = stock(production, "col-005")
    page.locator("#pay-button").click()
    expect(page).to_have_url(re.compile(re.escape(production.sandbox_url) + "/checkout/"))
    assert stock(production, "col-005") == before - 1  # held while the customer pays

    # The backend dies hard (kill -9, every worker) while the customer is on PayMongo's page;
    # the customer pays meanwhile (PayMongo's webhook gets Caddy's 502 and retries) and comes
    # back to the success page before the backend does.
    production.unit.kill9()
    page.locator("#sandbox-pay").click()
    expect(page).to_have_url(re.compile(r"/payment/success\?rental_id=.+&token=.+"))
    assert httpx.get(f"{url}/_health").status_code == 502
    assert production.unit.start()
    production.unit.wait_healthy()

    expect(page.locator("#payment-paid")).to_be_visible(timeout=60_000)
    expect(page.locator("#rental-status")).to_have_text("Paid")
    assert stock(production, "col-005") == before - 1  # the unit stays with the paid rental
