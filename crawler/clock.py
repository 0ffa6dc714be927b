"""Time as the crawl database stores it: naive UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, as the naive UTC timestamps of the tables."""
    return datetime.now(UTC).replace(tzinfo=None)
