"""What a crawl's steps will cost before it starts waiting: requests per rate-limit bucket and
the time they take at the budget in force (a paced crawl sends one request per interval). The
buckets are paced apart and worked at the same time (crawler/card_pump.py), so a crawl takes
its slowest bucket's time, not the sum."""

from __future__ import annotations

from crawler.http import RateLimiter
from crawler.http.ratelimit import plan_of


def wait_s(limiter: RateLimiter, bucket: str, requests: int) -> float:
    """Seconds `requests` take on the bucket at its budget (the first one goes at once)."""
    return max(requests - 1, 0) * limiter.interval(bucket)


def human(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def cost(limiter: RateLimiter, bucket: str, requests: int) -> str:
    """E.g. 'about 2,200 api requests, 22 min at 500 requests per 300 s (…)'."""
    return (f"about {requests:,} {bucket} requests, "
            f"{human(wait_s(limiter, bucket, requests))} at "
            f"{limiter.budgets[bucket].describe()}")


def plan(limiter: RateLimiter, requests: dict[str, int]) -> str:
    """The requests of several buckets, their times, and the whole: the slowest bucket's time,
    since the buckets are worked side by side. Names the plan the api budget matches."""
    parts = [cost(limiter, bucket, n) for bucket, n in requests.items() if n]
    longest = max((wait_s(limiter, bucket, n) for bucket, n in requests.items()), default=0.0)
    plan_name = plan_of("api", limiter.budgets["api"]) if "api" in limiter.budgets else None
    at = f" (the {plan_name} plan's pace)" if plan_name else ""
    return "; ".join(parts) + f"; side by side, about {human(longest)} in all{at}"
