"""What a crawl's steps will cost before it starts waiting: requests per rate-limit bucket and
the time they take at the budget in force (a paced crawl sends one request per interval)."""

from __future__ import annotations

from crawler.http import RateLimiter


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
