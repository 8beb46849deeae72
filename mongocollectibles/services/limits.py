"""Checkout limits, so that one client cannot empty the shop.

Two kinds, both answered with 429 (`TooManyRequests`, with the seconds to wait):

- Rates (the `limits` library, moving window): checkouts per client IP and per customer
  email and phone in a time window. Counters live in memory with one worker, in Redis
  (`REDIS_URL`) when several workers must share them. Keys are hashed: no email, phone or IP
  is written to the store.
- Live unpaid holds: at most N `pending_payment` rentals per customer (email or phone) and per
  IP, counted in the database inside the checkout's own transaction (services/checkout.py),
  so they hold across any number of workers.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import time
import weakref
from dataclasses import dataclass, field

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from mongocollectibles.domain.errors import TooManyRequests
from mongocollectibles.settings import get_settings


def moving_window(storage_url: str | None, prefix: str) -> MovingWindowRateLimiter:
    """A moving-window limiter over the counters' storage: Redis at `storage_url` (every
    worker that uses the same URL and prefix counts in the same place), else this process's
    memory (one worker). Make one per event loop: storages hold asyncio locks and
    connections bound to the loop that made them."""
    storage: Storage
    if storage_url:
        uri = "async+" + storage_url
        storage = RedisStorage(uri, implementation="redispy", key_prefix=prefix)
    else:
        storage = MemoryStorage()
    return MovingWindowRateLimiter(storage)


def wait_text(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    if seconds < 60:
        return f"{max(seconds, 1)} seconds"
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


@dataclass(frozen=True)
class HoldCaps:
    """Most unpaid holds one customer / one IP may have at once (0: no cap)."""

    per_customer: int = 0
    per_ip: int = 0


@dataclass
class CheckoutLimiter:
    """Checkout rates and hold caps. `storage_url` None: in-process memory (one worker)."""

    per_ip: str | None = None  # e.g. "10/10 minutes"; None: no rate limit
    per_customer: str | None = None
    holds: HoldCaps = HoldCaps()
    storage_url: str | None = None  # redis://host:port/db
    prefix: str = "mongocollectibles"
    _items: dict[str, RateLimitItem] = field(default_factory=dict, init=False, repr=False)
    _by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, MovingWindowRateLimiter] = field(
        default_factory=weakref.WeakKeyDictionary, init=False, repr=False
    )

    def __post_init__(self) -> None:
        for name in ("per_ip", "per_customer"):
            value = getattr(self, name)
            if value:
                self._items[name] = parse(value)

    def _limiter(self) -> MovingWindowRateLimiter:
        loop = asyncio.get_running_loop()
        limiter = self._by_loop.get(loop)
        if limiter is None:
            limiter = self._by_loop[loop] = moving_window(self.storage_url, self.prefix)
        return limiter

    async def hit_checkout(self, *, ip: str | None, email: str, phone: str) -> None:
        """Count one checkout attempt; TooManyRequests when a window is full."""
        checks = []
        if ip and "per_ip" in self._items:
            checks.append(("per_ip", "ip", ip, TOO_MANY_FROM_IP))
        if "per_customer" in self._items:
            checks.append(("per_customer", "email", email, TOO_MANY_FOR_CUSTOMER))
            checks.append(("per_customer", "phone", phone, TOO_MANY_FOR_CUSTOMER))
        if not checks:
            return
        limiter = self._limiter()
        for item_name, kind, value, message in checks:
            item = self._items[item_name]
            key = hashed_key(kind, value)
            if not await limiter.hit(item, "checkout", kind, key):
                stats = await limiter.get_window_stats(item, "checkout", kind, key)
                wait = max(1, math.ceil(stats.reset_time - time.time()))
                raise TooManyRequests(message.format(wait=wait_text(wait)), retry_after=wait)


TOO_MANY_FROM_IP = (
    "Too many checkouts from your connection in a short time. Please try again in {wait}."
)
TOO_MANY_FOR_CUSTOMER = (
    "Too many checkouts for this email or phone number in a short time. Please try again in {wait}."
)


def hashed_key(kind: str, value: str) -> str:
    """What the store keeps instead of an email, phone or IP address."""
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()[:32]


_default: dict[tuple[object, ...], CheckoutLimiter] = {}


def default_limiter() -> CheckoutLimiter:
    """The limits the settings describe (one limiter per distinct configuration)."""
    s = get_settings()
    config = (
        s.checkout_limits_enabled,
        s.checkout_rate_per_ip,
        s.checkout_rate_per_customer,
        s.max_unpaid_holds_per_customer,
        s.max_unpaid_holds_per_ip,
        s.redis_url,
        s.rate_limit_prefix,
    )
    limiter = _default.get(config)
    if limiter is None:
        limiter = _default[config] = (
            CheckoutLimiter(
                per_ip=s.checkout_rate_per_ip or None,
                per_customer=s.checkout_rate_per_customer or None,
                holds=HoldCaps(s.max_unpaid_holds_per_customer, s.max_unpaid_holds_per_ip),
                storage_url=s.redis_url or None,
                prefix=s.rate_limit_prefix,
            )
            if s.checkout_limits_enabled
            else CheckoutLimiter()
        )
    return limiter
