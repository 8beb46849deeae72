"""Attempts per key in a moving window ("Find my order", back-in-stock requests), counted
where the checkout limits count (services/limits.py): in Redis when `REDIS_URL` is set, so
every worker shares one count per key; in this process's memory otherwise (one worker).

Keys are hashed before they are stored (no email or IP address in Redis)."""

from __future__ import annotations

import asyncio
import weakref

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.strategies import MovingWindowRateLimiter

from mongocollectibles.domain.errors import DomainError
from mongocollectibles.services.limits import hashed_key, moving_window
from mongocollectibles.settings import get_settings


class TooManyAttempts(DomainError):
    status_code = 429


class RateLimiter:
    """At most `limit` attempts per key in any `window_seconds`. Limiters with the same
    `name` share their counts wherever they share the storage: two workers' copies of one
    limiter, with the same REDIS_URL (and RATE_LIMIT_PREFIX), count together."""

    def __init__(self, name: str, limit: int, window_seconds: int) -> None:
        self.name = name
        self.limit = limit
        self.window_seconds = window_seconds
        self._item: RateLimitItem = RateLimitItemPerSecond(limit, window_seconds)
        # Per event loop and storage (a test or a settings change may switch the storage).
        self._by_loop: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, dict[tuple[str, str], MovingWindowRateLimiter]
        ] = weakref.WeakKeyDictionary()

    def _limiter(self) -> MovingWindowRateLimiter:
        settings = get_settings()
        where = (settings.redis_url, settings.rate_limit_prefix)
        limiters = self._by_loop.setdefault(asyncio.get_running_loop(), {})
        limiter = limiters.get(where)
        if limiter is None:
            limiter = limiters[where] = moving_window(where[0] or None, where[1])
        return limiter

    async def hit(self, key: str) -> bool:
        """Count one attempt for `key`; False when the window is full (not counted)."""
        return await self._limiter().hit(
            self._item, "attempts", self.name, hashed_key(self.name, key)
        )
