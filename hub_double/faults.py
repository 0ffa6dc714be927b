"""Switchable faults and rate limits of the Hub double, and its request log.

Tests flip faults on while a crawl runs; the double consults `Faults.pick` once per request.
Every request is logged by kind ("list", "info", "resolve", "other") so tests can bound the
requests a crawl made.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

KINDS = frozenset({"list", "info", "resolve", "other"})
BUCKET_OF_KIND = {"list": "api", "info": "api", "resolve": "resolvers", "other": "api"}


ACTIONS = frozenset({"status", "rate_limit", "drop", "truncate", "slow", "duplicate", "body",
                     "link", "redirect", "trickle", "short", "headers"})
SAME_URL = "{same}"  # in `location`: the URL of the request itself


@dataclass
class Fault:
    """One misbehaviour, applied to the next `count` matching requests (or forever if None).

    Transient: 'status' (answer `status`, with extra `headers`), 'rate_limit' (429 with
    Retry-After and RateLimit headers saying `retry_after`), 'drop' (close the connection
    without answering), 'truncate' (send half the body), 'slow' (sleep `delay_s` first),
    'trickle' (send the body one byte every `delay_s`).
    Hostile: 'duplicate' (a listing page repeats a model), 'body' (answer `status` with `body`
    instead of the real answer), 'link' (the listing's next-page Link points to `location`),
    'redirect' (answer 307 to `location`), 'headers' (the real answer with `headers` added).
    `location` may be SAME_URL.
    Quiet: 'short' (a listing page with only its first `keep` models, 0 for `[]`, and no Link
    unless `keep_link`): a valid answer of the Hub's API that says less than the truth, as a
    page cut short or an empty `base_model:` filter does.
    `match`: the fault applies only to requests whose path and query (decoded) contain it,
    e.g. "filter=base_model:" or "author=org-1".
    """

    action: str
    kinds: frozenset[str] = KINDS
    count: int | None = 1
    status: int = 503
    retry_after: int = 1
    delay_s: float = 0.0
    probability: float = 1.0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    location: str = SAME_URL
    keep: int = 0
    keep_link: bool = False
    match: str = ""

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"unknown fault action {self.action!r}")
        self.kinds = frozenset(self.kinds)
        if self.action == "body" and self.status == 503:
            self.status = 200


# The Hub's published limits per 5-minute window, by plan (../shared/HUB_API.md, September 2025;
# "limits apply per member inside organisations").
PLANS = {
    "anonymous": {"api": 500, "resolvers": 3000, "pages": 100},
    "free": {"api": 1000, "resolvers": 5000, "pages": 200},
    "pro": {"api": 2500, "resolvers": 12000, "pages": 400},
    "team": {"api": 3000, "resolvers": 20000, "pages": 400},
    "enterprise": {"api": 6000, "resolvers": 50000, "pages": 600},
}


@dataclass
class Quota:
    """A fixed-window budget per bucket, as the Hub enforces it (429 once exhausted) and states
    it on every answer (`RateLimit` and `RateLimit-Policy` headers)."""

    limits: dict[str, int]
    window_s: float = 300.0
    _window_start: float = field(default_factory=time.monotonic)
    _used: Counter = field(default_factory=Counter)

    @classmethod
    def plan(cls, name: str, window_s: float = 300.0, scale: float = 1.0) -> Quota:
        """The quota of a plan (`PLANS`). Tests and benchmarks may shorten the window (whole
        seconds, as the header states it) and `scale` the limits with it, keeping the rate."""
        return cls({bucket: max(2, round(n * scale)) for bucket, n in PLANS[name].items()},
                   window_s)

    def take(self, bucket: str) -> tuple[bool, int, int, int]:
        """Count one request; returns (allowed, remaining, seconds to reset, limit)."""
        now = time.monotonic()
        if now - self._window_start >= self.window_s:
            self._window_start, self._used = now, Counter()
        limit = self.limits.get(bucket, 10**9)
        reset = max(1, int(self.window_s - (now - self._window_start) + 0.999))
        if self._used[bucket] >= limit:
            return False, 0, reset, limit
        self._used[bucket] += 1
        return True, limit - self._used[bucket], reset, limit


class Faults:
    """The fault plan: a list of active faults, consulted in order, thread-safe."""

    def __init__(self, seed: int = 0) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self.quota: Quota | None = None

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self.quota = None

    def pick(self, kind: str, target: str = "") -> Fault | None:
        """The fault to apply to this request (`target`: its decoded path and query),
        consuming one use of it."""
        with self._lock:
            for fault in self._faults:
                if kind not in fault.kinds or (fault.count is not None and fault.count <= 0):
                    continue
                if fault.match not in target:
                    continue
                if fault.probability < 1.0 and self._rng.random() >= fault.probability:
                    continue
                if fault.count is not None:
                    fault.count -= 1
                return fault
        return None


@dataclass
class LoggedRequest:
    method: str
    kind: str
    path: str
    query: str
    status: int
    authorized: bool  # an Authorization header was sent


class RequestLog:
    """What the double was asked, for tests that bound a crawl's requests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.entries: list[LoggedRequest] = []
        self.arrived: Counter[str] = Counter()  # requests received, answered or not yet

    def arrive(self, kind: str) -> None:
        with self._lock:
            self.arrived[kind] += 1

    def record(self, entry: LoggedRequest) -> None:
        with self._lock:
            self.entries.append(entry)

    def counts(self) -> Counter:
        """Requests by kind, e.g. Counter({'list': 12, 'resolve': 40})."""
        with self._lock:
            return Counter(e.kind for e in self.entries)

    def total(self) -> int:
        with self._lock:
            return len(self.entries)

    def reset(self) -> None:
        with self._lock:
            self.entries.clear()
            self.arrived.clear()
