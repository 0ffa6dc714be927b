"""Rate-limit budgets read from the Hub's headers: each plan's pace, the user's override, a
window partly spent before the crawl, and what the run records and prints.

The pacing checks run the limiter on a virtual clock, so they hold however loaded the machine
is; the crawls check the budget the crawler adopts from a double advertising a plan.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from bisect import bisect_left

import duckdb
import pytest
from huggingface_hub.utils import RateLimitInfo

from crawler.crawl import crawl
from crawler.http import Budget, HubClient, RateLimiter
from hub_double.faults import PLANS, Quota
from tests.crawl_helpers import FAST_RETRY
from tests.hub_rows import numbered_store

WINDOW = 300


def virtual_limiter(budgets: dict[str, int | Budget]) -> tuple[RateLimiter, list[float]]:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    return RateLimiter(budgets, clock=lambda: now[0], sleep=sleep), now


def paced(limiter: RateLimiter, now: list[float], bucket: str, seconds: float) -> list[float]:
    """When each request of a crawl that always has one to send goes out, for `seconds`."""
    times = []
    while now[0] < seconds:
        limiter.acquire(bucket)
        times.append(now[0])
    return times


def per_window(times: list[float]) -> list[int]:
    """Requests in each window of the Hub's length, one starting at each request."""
    whole = [t for t in times if t + WINDOW <= times[-1]]
    return [bisect_left(times, t + WINDOW) - i for i, t in enumerate(whole)]


def policy(bucket: str, quota: int, remaining: int, reset: int) -> RateLimitInfo:
    return RateLimitInfo(resource_type=bucket, remaining=remaining, reset_in_seconds=reset,
                         limit=quota, window_seconds=WINDOW)


DEFAULTS = {"api": Budget(500, source="published", given=False),
            "resolvers": Budget(3000, source="published", given=False)}


@pytest.mark.parametrize("plan", ["anonymous", "free", "pro", "team", "enterprise"])
def test_each_plan_is_paced_at_the_quota_the_hub_states(plan):
    limiter, now = virtual_limiter(DEFAULTS)
    for bucket in ("api", "resolvers"):
        quota = PLANS[plan][bucket]
        limiter.observe(policy(bucket, quota, quota - 1, WINDOW))
        assert limiter.budgets[bucket].requests == quota
        assert "RateLimit-Policy" in limiter.budgets[bucket].source
        start = now[0]
        windows = per_window([t - start for t in paced(limiter, now, bucket, start + 2 * WINDOW)])
        assert max(windows) <= quota  # never over the quota, however the Hub's window falls
        assert min(windows) >= 0.9 * quota  # and at least 90% of it used


def test_a_pro_token_uses_at_least_2250_api_requests_per_five_minutes():
    limiter, now = virtual_limiter(DEFAULTS)
    limiter.observe(policy("api", 2500, 2499, WINDOW))
    times = paced(limiter, now, "api", 10 * WINDOW)
    assert min(per_window(times)) >= 2250 and max(per_window(times)) <= 2500


def test_a_budget_the_user_gave_is_kept_whatever_the_hub_states():
    limiter, _ = virtual_limiter({"api": Budget(100, source="--api-budget")})
    limiter.observe(policy("api", 2500, 2499, WINDOW))
    assert limiter.budgets["api"] == Budget(100, source="--api-budget")


def test_a_policy_that_states_no_usable_quota_changes_nothing():
    limiter, _ = virtual_limiter(DEFAULTS)
    for quota, window in ((0, WINDOW), (2500, 0), (None, None)):
        limiter.observe(RateLimitInfo(resource_type="api", remaining=10, reset_in_seconds=0,
                                      limit=quota, window_seconds=window))
    assert limiter.budgets == DEFAULTS


def test_a_window_spent_before_the_crawl_is_paced_on_what_is_left():
    limiter, now = virtual_limiter(DEFAULTS)
    limiter.observe(policy("api", 500, remaining=20, reset=120))  # 480 used by someone else
    times = paced(limiter, now, "api", 240)
    assert sum(t < 120 for t in times) <= 20  # what the window had left, spread to its reset
    after = [t for t in times if t >= 120]
    assert after[1] - after[0] == pytest.approx(WINDOW / 499)  # then the budget's own pace


def test_a_crawl_with_no_budget_flags_adopts_the_plan_the_hub_states(serve, tmp_path):
    double = serve(numbered_store(30), page_size=10)
    double.faults.quota = Quota.plan("pro")
    told: list[tuple[str, Budget]] = []
    client = HubClient(retry=FAST_RETRY, on_budget=lambda bucket, b: told.append((bucket, b)))
    db = tmp_path / "hub.duckdb"
    crawl(db, "full", client=client, card_workers=4)
    assert 429 not in {e.status for e in double.log.entries}
    for bucket in ("api", "resolvers"):
        budget = client.limiter.budgets[bucket]
        assert (budget.requests, budget.window_s) == (PLANS["pro"][bucket], WINDOW)
        assert (bucket, budget) in told
    conn = duckdb.connect(str(db), read_only=True)
    recorded = json.loads(conn.execute("SELECT budgets FROM crawl_runs").fetchone()[0])
    assert recorded["api"]["requests"] == 2500
    assert recorded["api"]["source"].startswith("the Hub's RateLimit-Policy")


def test_the_crawl_summary_says_which_budget_it_used_and_why(serve, tmp_path):
    double = serve(numbered_store(20), page_size=10)
    double.faults.quota = Quota.plan("enterprise")
    result = subprocess.run(
        [sys.executable, "-m", "hf_lineage", "crawl", "--mode", "full", "--no-cards",
         "--db", str(tmp_path / "hub.duckdb"), "--endpoint", double.url,
         "--api-budget", "100000"],
        env={**os.environ, "COLUMNS": "200"}, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = {line.split("│")[1].strip(): line.split("│")[2].strip()
             for line in result.stdout.splitlines() if line.count("│") == 3}
    assert lines["budget: api"] == "100,000 per 300 s (--api-budget)"
    assert lines["budget: resolvers"].startswith("3,000 per 300 s (the Hub's published limit")
    assert "listing the Hub" in result.stderr and "api requests" in result.stderr


def test_a_bucket_the_hub_has_not_stated_follows_the_plan_the_other_shows():
    limiter, _ = virtual_limiter(DEFAULTS)
    limiter.observe(policy("api", 2500, 2499, WINDOW))  # a PRO token's api policy
    followed = limiter.budgets["resolvers"]
    assert (followed.requests, followed.window_s) == (12000, WINDOW)
    assert "PRO" in followed.source and not followed.given and not followed.stated
    limiter.observe(policy("resolvers", 9000, 8999, WINDOW))  # the Hub's own word wins
    limiter.observe(policy("api", 1000, 999, WINDOW))  # and stays, whatever the api says
    assert limiter.budgets["resolvers"].requests == 9000


def test_a_plan_is_read_at_the_window_the_hub_states_and_a_given_budget_is_kept():
    limiter, _ = virtual_limiter({**DEFAULTS, "resolvers": Budget(77, source="--resolver-budget")})
    limiter.observe(RateLimitInfo(resource_type="api", remaining=20, reset_in_seconds=15,
                                  limit=125, window_seconds=15))  # PRO, scaled to 15 s
    assert limiter.budgets["resolvers"] == Budget(77, source="--resolver-budget")
    limiter, _ = virtual_limiter(DEFAULTS)
    limiter.observe(RateLimitInfo(resource_type="api", remaining=20, reset_in_seconds=15,
                                  limit=125, window_seconds=15))
    assert (limiter.budgets["resolvers"].requests, limiter.budgets["resolvers"].window_s) == (
        600, 15)
    limiter, _ = virtual_limiter(DEFAULTS)
    limiter.observe(policy("api", 777, 700, WINDOW))  # no plan's quota: nothing follows
    assert limiter.budgets["resolvers"] == DEFAULTS["resolvers"]
