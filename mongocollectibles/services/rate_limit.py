"""A small sliding-window rate limiter, per key, kept in this process.

Each app process counts on its own, so with N processes a key gets at most N times the
limit: enough to stop guessing order codes by hand or script at scale."""

from __future__ import annotations

import threading
import time
from collections import deque

from mongocollectibles.domain.errors import DomainError


class TooManyAttempts(DomainError):
    status_code = 429


class RateLimiter:
    def __init__(self, limit: int, window_seconds: float) -> None:
        self.limit = limit
        self.window = window_seconds
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, now: float | None = None) -> bool:
        """Count one attempt for `key`; False when it is over the limit (not counted)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._hits) > 10_000:  # forget idle keys now and then
                for stale in [
                    k for k, q in self._hits.items() if not q or q[-1] < now - self.window
                ]:
                    del self._hits[stale]
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            return True

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()
