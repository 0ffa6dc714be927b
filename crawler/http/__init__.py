"""The crawler's HTTP: the one client of the Hub API (`HubClient`) and its rate-limit budget.

Every request the crawler makes goes through `HubClient`, on huggingface_hub's session, headers
and error hierarchy, with retries and a per-bucket budget.
"""

from crawler.http.client import (
    STAND_IN_HEADER,
    CardFile,
    HubClient,
    ListingPage,
    RetryPolicy,
    requestable,
)
from crawler.http.ratelimit import Budget, RateLimiter

__all__ = ["STAND_IN_HEADER", "Budget", "CardFile", "HubClient", "ListingPage", "RateLimiter",
           "RetryPolicy", "requestable"]
