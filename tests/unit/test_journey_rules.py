"""Order codes, the rate limiter and the outbox's backoff and Message-ID."""

import asyncio
from datetime import UTC, datetime, timedelta

from mongocollectibles.domain.order_code import (
    ALPHABET,
    is_order_code,
    new_order_code,
    normalize_order_code,
)
from mongocollectibles.services.outbox import backoff, message_id
from mongocollectibles.services.rate_limit import RateLimiter


def test_order_codes_are_short_and_unambiguous():
    codes = {new_order_code() for _ in range(2000)}
    # 23^6 codes: two of 2,000 share a code about once in 75 runs (the birthday bound), ten
    # practically never; a generator drawing from few codes repeats far more.
    assert len(codes) >= 1990
    assert all(is_order_code(c) and len(c) == 9 for c in codes)
    assert not set("0O1IL5S8B2ZUV") & set(ALPHABET)
    assert normalize_order_code("mc-7k3q9p") == "MC-7K3Q9P"
    assert normalize_order_code(" 7K3 Q9P ") == "MC-7K3Q9P"
    for bad in ("", "MC-7K3Q9", "MC-7K3Q9PP", "MC-OOOOOO", None, 123):
        assert normalize_order_code(bad) is None


async def test_rate_limiter_counts_per_key_within_the_window():
    limiter = RateLimiter("test", limit=2, window_seconds=1)
    assert await limiter.hit("a") and await limiter.hit("a")
    assert not await limiter.hit("a")
    assert await limiter.hit("b")
    await asyncio.sleep(1.1)
    assert await limiter.hit("a")  # the first hits left the window


def test_outbox_backoff_and_message_id():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(30) == timedelta(hours=2)
    created = datetime(2026, 11, 30, tzinfo=UTC)
    first = message_id(7, created, "Shop <orders@shop.example.ph>")
    assert first == message_id(7, created, "Shop <orders@shop.example.ph>")
    assert first != message_id(8, created, "Shop <orders@shop.example.ph>")
    assert first.startswith("<outbox-7.") and first.endswith("@shop.example.ph>")


def test_the_shops_contact_details_come_from_the_settings(monkeypatch):
    from mongocollectibles.services import site
    from mongocollectibles.settings import get_settings

    monkeypatch.setenv("CONTACT_EMAIL", "hello@shop.example.ph")
    monkeypatch.setenv("CONTACT_PHONE", "+63 917 555 0101")
    get_settings.cache_clear()
    shop = site.contact()
    assert (shop.email, shop.phone) == ("hello@shop.example.ph", "+63 917 555 0101")
    assert shop.phone_href == "tel:+639175550101"
