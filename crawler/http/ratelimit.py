"""A client-side limiter per rate-limit bucket, so a crawl stays inside the Hub's budget.

The Hub counts requests in fixed windows per bucket ("api": listings and model info;
"resolvers": file downloads such as README.md) and states its policy on every answer:
`RateLimit-Policy: "fixed window";"api";q=<quota>;w=<seconds>` and
`RateLimit: "api";r=<remaining>;t=<seconds to reset>`. A bucket's budget is the quota the Hub
states (read from the first answers of the bucket: a PRO, Team or Enterprise token is paced
at its own plan's rate), or the one the user gave (`--api-budget`, `--resolver-budget`: kept
whatever the Hub says); until the Hub has answered, the published limit of the anonymous or
free plan, or, once one bucket's policy shows the plan (its quota is a plan's published one), the
other bucket's published limit on that plan (a PRO token's cards are paced, and estimated, at
12,000 per window before the first card is asked for). Spacing requests
`window / (budget - 1)` apart keeps any window, however it is aligned, at or under the budget,
while still using nearly all of it. When the Hub says less
of the window is left than that pace would use (the quota was partly spent before the crawl
started), the rest of the window is paced on what remains; when it says a bucket is exhausted
(429, or `RateLimit: r=0`), the bucket pauses for the reset time it gave.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple

from huggingface_hub.utils import RateLimitInfo

from hf_lineage.errors import ConfigError

WINDOW_S = 300.0
# The Hub's published limits per 5-minute window, by plan (../shared/HUB_API.md, September 2025;
# Enterprise Plus: issue 24): a bucket's budget until the Hub states its own.
PLANS: dict[str, dict[str, int]] = {
    "anonymous": {"api": 500, "resolvers": 3000},
    "free": {"api": 1000, "resolvers": 5000},
    "PRO": {"api": 2500, "resolvers": 12000},
    "Team": {"api": 3000, "resolvers": 20000},
    "Enterprise": {"api": 6000, "resolvers": 50000},
    "Enterprise Plus": {"api": 10000, "resolvers": 100000},
}
ANONYMOUS_BUDGETS = PLANS["anonymous"]
TOKEN_BUDGETS = PLANS["free"]
LEAN_SLACK_S = 1.0  # the Hub's reset time is whole seconds
# The Hub's windows are 5 minutes; a policy or reset time stated beyond an hour is not its own
# (one answer saying `t=999999999` would otherwise hold every later request for 31 years)
MAX_STATED_S = 3600.0


@dataclass(frozen=True)
class Budget:
    """A bucket's budget: requests per window, and where it comes from. A budget that is not
    `given` follows the policy the Hub states."""

    requests: int
    window_s: float = WINDOW_S
    source: str = "given"
    given: bool = True
    stated: bool = False  # the Hub's own RateLimit-Policy for this bucket

    @property
    def interval(self) -> float:
        return self.window_s / max(self.requests - 1, 1)

    def describe(self) -> str:
        return f"{self.requests:,} requests per {self.window_s:g} s ({self.source})"

    def as_dict(self) -> dict[str, object]:
        return {"requests": self.requests, "window_s": self.window_s, "source": self.source}

    def per_window(self) -> float:
        """Requests per the Hub's 5-minute window at this budget's rate."""
        return self.requests * WINDOW_S / self.window_s


def plan_of(bucket: str, budget: Budget) -> str | None:
    """The plan whose published limit for `bucket` is this budget's rate, if one is."""
    return next((name for name, limits in PLANS.items()
                 if round(budget.per_window()) == limits[bucket]), None)


def plan_budget(plan: str, bucket: str, window_s: float, shown_by: str) -> Budget:
    """`plan`'s published limit for `bucket`, over `window_s` (the Hub's stated window)."""
    return Budget(max(2, round(PLANS[plan][bucket] * window_s / WINDOW_S)), window_s,
                  f"the published {bucket} limit of the {plan} plan, which the Hub's "
                  f"{shown_by} policy shows, until it states its own", given=False)


def stated(info: RateLimitInfo) -> Budget | None:
    """The budget a `RateLimit-Policy` header states, if it states a usable one."""
    if not info.limit or not info.window_seconds or info.limit < 1 or info.window_seconds < 1 \
            or info.window_seconds > MAX_STATED_S:
        return None
    return Budget(info.limit, float(info.window_seconds),
                  f"the Hub's RateLimit-Policy: q={info.limit};w={info.window_seconds}",
                  given=False, stated=True)


class WaitClock:
    """Wall time during which at least one request waited (for its budget or a retry): what
    waiting costs a crawl, however many workers wait at once."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._waiting = 0
        self._mark = 0.0
        self.total_s = 0.0

    def _settle(self) -> None:
        now = self._clock()
        if self._waiting:
            self.total_s += now - self._mark
        self._mark = now

    @contextmanager
    def waiting(self) -> Iterator[list[float]]:
        """Count the wall time of the block; yields a list that holds, once the block ends,
        how much the total grew (0 when other waits already covered the time)."""
        grown = [0.0]
        with self._lock:
            self._settle()
            self._waiting += 1
            before = self.total_s
        try:
            yield grown
        finally:
            with self._lock:
                self._settle()
                self._waiting -= 1
                grown[0] = self.total_s - before


class Waited(NamedTuple):
    seconds: float  # this request's wait
    wall_s: float  # how much the crawl's waiting wall time grew (see WaitClock)


class RateLimiter:
    """Paces requests per bucket; thread-safe (card fetches run concurrently)."""

    def __init__(
        self,
        budgets: dict[str, int | Budget],
        window_s: float = WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        on_budget: Callable[[str, Budget], None] | None = None,
    ) -> None:
        self.budgets: dict[str, Budget] = {}
        for bucket, budget in budgets.items():
            if not isinstance(budget, Budget):
                budget = Budget(budget, window_s)
            if budget.requests < 2:
                raise ConfigError(f"the {bucket} budget must be at least 2 requests per window")
            self.budgets[bucket] = budget
        self._clock, self._sleep = clock, sleep
        self._on_budget = on_budget or (lambda bucket, budget: None)
        self._next_slot: dict[str, float] = {}
        self._paused_until: dict[str, float] = {}
        self._lean: dict[str, tuple[float, float]] = {}  # bucket -> (until, interval)
        self._lock = threading.Lock()
        self.waited_s: dict[str, float] = {bucket: 0.0 for bucket in budgets}
        self.wait_clock = WaitClock(clock)

    def interval(self, bucket: str) -> float:
        """Seconds between two requests of the bucket at its budget."""
        return self.budgets[bucket].interval

    def _interval_now(self, bucket: str, now: float) -> float:
        until, lean = self._lean.get(bucket, (0.0, 0.0))
        return max(self.interval(bucket), lean if now < until else 0.0)

    def acquire(self, bucket: str) -> Waited:
        """Block until this bucket may send one more request."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot.get(bucket, now), self._paused_until.get(bucket, 0))
            self._next_slot[bucket] = slot + self._interval_now(bucket, slot)
        wait = slot - now
        if wait <= 0:
            return Waited(0.0, 0.0)
        with self.waiting() as grown:
            self._sleep(wait)
        with self._lock:
            self.waited_s[bucket] = self.waited_s.get(bucket, 0.0) + wait
        return Waited(wait, grown[0])

    def pause(self, bucket: str, seconds: float) -> None:
        """The Hub said the bucket is exhausted: hold every request on it for `seconds`."""
        with self._lock:
            until = self._clock() + seconds
            self._paused_until[bucket] = max(self._paused_until.get(bucket, 0), until)
            self._next_slot[bucket] = max(self._next_slot.get(bucket, 0), until)

    def observe(self, info: RateLimitInfo) -> None:
        """What an answer's rate-limit headers say about its bucket: the budget its policy
        states (unless the user gave one), and how much of the current window is left."""
        bucket = info.resource_type
        policy = stated(info)
        changed: dict[str, Budget] = {}
        with self._lock:
            current = self.budgets.get(bucket)
            if policy is not None and (current is None or not current.given) \
                    and policy != current:
                self.budgets[bucket] = changed[bucket] = policy
                self.waited_s.setdefault(bucket, 0.0)
                changed.update(self._follow_plan(bucket, policy))
            if bucket in self.budgets and 0 < info.reset_in_seconds <= MAX_STATED_S:
                self._lean_window(bucket, info.remaining, info.reset_in_seconds)
        for name, budget in changed.items():
            self._on_budget(name, budget)

    def _follow_plan(self, bucket: str, policy: Budget) -> dict[str, Budget]:
        """The other buckets the Hub has not stated yet (nor the user given) take their
        published limit on the plan `policy` shows (called with the lock held)."""
        plan = plan_of(bucket, policy) if bucket in PLANS["free"] else None
        if plan is None:
            return {}
        followed = {}
        for other, budget in self.budgets.items():
            if other != bucket and other in PLANS[plan] and not budget.given \
                    and not budget.stated:
                followed[other] = plan_budget(plan, other, policy.window_s, bucket)
        self.budgets.update(followed)
        return followed

    def _lean_window(self, bucket: str, remaining: int, reset_s: float) -> None:
        """Pace the rest of the window on what it has left, when that is less than the budget's
        pace would use (called with the lock held)."""
        now = self._clock()
        interval = self.interval(bucket)
        if remaining * interval + interval + LEAN_SLACK_S >= reset_s:
            return  # the budget's pace fits (the Hub rounds the reset time up)
        self._lean[bucket] = (now + reset_s, reset_s / max(remaining, 1))
        self._next_slot[bucket] = max(self._next_slot.get(bucket, now),
                                      now + reset_s / max(remaining, 1))

    @contextmanager
    def waiting(self) -> Iterator[list[float]]:
        """A wait of the crawl outside `acquire` (a retry's backoff), on the wall clock."""
        with self.wait_clock.waiting() as grown:
            yield grown
