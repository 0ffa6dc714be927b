"""Crawls under rate-limit storms, server errors, dropped connections and tight budgets."""

from __future__ import annotations

import time

import duckdb
import pytest

from crawler.crawl import crawl
from crawler.http import RateLimiter
from hf_lineage.errors import HubUnavailable
from hub_double.faults import Fault, Quota
from tests.crawl_helpers import assert_same_tables, fast_client
from tests.hub_rows import numbered_store


def test_storm_of_429_and_5xx_completes_with_the_fault_free_result(serve, tmp_path):
    store = numbered_store(300)
    double = serve(store, page_size=25)
    clean = tmp_path / "clean.duckdb"
    crawl(clean, "full", client=fast_client())

    double.faults.add(Fault("rate_limit", retry_after=1, count=2))
    for action, status in (("status", 503), ("status", 502), ("status", 500), ("drop", 0),
                           ("truncate", 0)):
        double.faults.add(Fault(action, status=status or 503, count=None, probability=0.05))
    waits: list[float] = []
    stormy = tmp_path / "stormy.duckdb"
    started = time.monotonic()
    summary = crawl(stormy, "full",
                    client=fast_client(on_wait=lambda bucket, s: waits.append(s)))
    elapsed = time.monotonic() - started

    statuses = [e.status for e in double.log.entries]
    assert statuses.count(429) == 2 and sum(s >= 500 or s == -1 for s in statuses) > 5
    assert summary.status == "ok" and summary.retries >= statuses.count(429) + 5
    assert sum(1 for w in waits if w >= 1.0) >= 2 and elapsed >= 2.0  # waited as told
    assert_same_tables(clean, stormy)
    conn = duckdb.connect(str(stormy), read_only=True)
    assert conn.execute("SELECT retries FROM crawl_runs").fetchone()[0] == summary.retries


def test_permanent_outage_stops_with_a_clear_message_and_keeps_the_checkpoint(serve, tmp_path):
    double = serve(numbered_store(100), page_size=10)
    db = tmp_path / "hub.duckdb"
    def outage(entry):  # the Hub goes down for good after the third page (the first list
        # request, the Hub's newest model, is made before the new database is created)
        if entry.kind == "list" and entry.status == 200 and double.log.counts()["list"] == 4:
            double.faults.add(Fault("status", kinds={"list"}, status=503, count=None))

    double.on_request.append(outage)
    with pytest.raises(HubUnavailable, match="resume from its checkpoint"):
        crawl(db, "full", client=fast_client())
    conn = duckdb.connect(str(db), read_only=True)
    assert conn.execute("SELECT status FROM crawl_runs").fetchone()[0] == "failed"
    assert conn.execute("SELECT count(*) FROM models").fetchone()[0] == 30
    conn.close()
    double.on_request.clear()
    double.faults.clear()
    double.log.reset()
    summary = crawl(db, "full", client=fast_client())
    assert summary.resumed and double.log.counts()["list"] == 7  # pages 4..10 only
    conn = duckdb.connect(str(db), read_only=True)
    assert conn.execute("SELECT count(*) FROM models").fetchone()[0] == 100


def test_tight_budget_is_used_but_never_exceeded(serve, tmp_path):
    double = serve(numbered_store(120), page_size=10)
    window, budgets = 2.0, {"api": 8, "resolvers": 40}
    double.faults.quota = Quota(budgets, window_s=window)
    client = fast_client()
    client.limiter = RateLimiter(budgets, window_s=window)
    started = time.monotonic()
    crawl(tmp_path / "hub.duckdb", "full", client=client)
    elapsed = time.monotonic() - started
    statuses = [e.status for e in double.log.entries]
    assert 429 not in statuses
    counts = double.log.counts()
    # each bucket's time at its budget; the cards may be fetched beside the listing
    listing = (counts["list"] - 1) / (budgets["api"] - 1) * window
    cards = (counts["resolve"] - 1) / (budgets["resolvers"] - 1) * window
    assert elapsed >= max(listing, cards) * 0.95  # paced, never bursting past the budget
    assert elapsed <= (listing + cards) / 0.9 + 1.0  # and using at least 90% of it
