"""A client-side limiter per rate-limit bucket, so a crawl stays inside the Hub's budget.

The Hub counts requests in fixed 5-minute windows per bucket ("api": listings and model info;
"resolvers": file downloads such as README.md). Spacing requests `window / (budget - 1)` apart
keeps any window, however it is aligned, at or under the budget, while still using nearly all
of it. When the Hub says a bucket is exhausted (429, or `RateLimit: r=0`), the bucket pauses
for the reset time it gave.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from hf_lineage.errors import ConfigError

WINDOW_S = 300.0
# The Hub's published per-window limits (../shared/HUB_API.md, September 2025).
ANONYMOUS_BUDGETS = {"api": 500, "resolvers": 3000}
TOKEN_BUDGETS = {"api": 1000, "resolvers": 5000}


class RateLimiter:
    """Paces requests per bucket; thread-safe (card fetches run concurrently)."""

    def __init__(
        self,
        budgets: dict[str, int],
        window_s: float = WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        for bucket, budget in budgets.items():
            if budget < 2:
                raise ConfigError(f"the {bucket} budget must be at least 2 requests per window")
        self.budgets = dict(budgets)
        self.window_s = window_s
        self._clock, self._sleep = clock, sleep
        self._next_slot: dict[str, float] = {}
        self._paused_until: dict[str, float] = {}
        self._lock = threading.Lock()
        self.waited_s: dict[str, float] = {bucket: 0.0 for bucket in budgets}

    def interval(self, bucket: str) -> float:
        return self.window_s / (self.budgets[bucket] - 1)

    def acquire(self, bucket: str) -> float:
        """Block until this bucket may send one more request; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot.get(bucket, now), self._paused_until.get(bucket, 0))
            self._next_slot[bucket] = slot + self.interval(bucket)
        wait = slot - now
        if wait > 0:
            self._sleep(wait)
            with self._lock:
                self.waited_s[bucket] = self.waited_s.get(bucket, 0.0) + wait
        return wait

    def pause(self, bucket: str, seconds: float) -> None:
        """The Hub said the bucket is exhausted: hold every request on it for `seconds`."""
        with self._lock:
            until = self._clock() + seconds
            self._paused_until[bucket] = max(self._paused_until.get(bucket, 0), until)
            self._next_slot[bucket] = max(self._next_slot.get(bucket, 0), until)
