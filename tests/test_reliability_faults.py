"""The fault matrix: every fault the double injects, in every crawl mode.

Transient faults must leave exactly the fault-free database; permanent changes (a model deleted
or gated between listing and card fetch, models created mid-listing) must be survived, recorded
and caught up with."""

from __future__ import annotations

import shutil
from datetime import datetime

import duckdb
import pandas as pd
import pytest

from crawler.crawl import crawl
from crawler.http import RetryPolicy
from hub_double.faults import Fault
from tests.crawl_helpers import assert_same_tables, fast_client
from tests.hub_rows import model_row
from tests.test_crawler_basics import messy_family

TRANSIENT = {
    "429 with Retry-After": lambda: Fault("rate_limit", retry_after=1, count=2),
    "5xx burst": lambda: Fault("status", status=503, count=4),
    "slow past the timeout": lambda: Fault("slow", delay_s=1.2, count=2),
    "dropped connections": lambda: Fault("drop", count=3),
    "truncated bodies": lambda: Fault("truncate", count=3),
    "a page listing a model twice": lambda: Fault("duplicate", kinds={"list"}, count=None),
}
SHORT_TIMEOUT = RetryPolicy(attempts=8, base_wait_s=0.01, max_wait_s=0.2, timeout_s=0.5)


def hub():
    """The messy LLaMA family plus background models, over several pages."""
    store = messy_family()
    store.add_models(pd.DataFrame([model_row(f"bg-{i % 5}/m-{i}", 20 + i) for i in range(40)]))
    return store


def prepare(mode: str, store, double, tmp_path) -> tuple:
    """The starting database (empty, or crawled once for incremental) and the crawl's mode."""
    base = tmp_path / "base.duckdb"
    if mode == "incremental":
        crawl(base, "full", client=fast_client())
        store.touch(["a/ft", "bg-1/m-1", "bg-2/m-7"], when=datetime(2026, 3, 1))
    double.log.reset()
    return base


def crawl_copy(base, target, mode: str, card_workers: int = 16):
    if base.exists():
        shutil.copy(base, target)
    return crawl(target, mode, client=fast_client(retry=SHORT_TIMEOUT),
                 card_workers=card_workers)


@pytest.mark.parametrize("mode", ["family", "full", "incremental"])
@pytest.mark.parametrize("fault", list(TRANSIENT))
def test_transient_fault_leaves_the_fault_free_database(mode, fault, serve, tmp_path):
    store = hub()
    double = serve(store, page_size=10)
    base = prepare(mode, store, double, tmp_path)
    clean = tmp_path / "clean.duckdb"
    crawl_copy(base, clean, mode)

    double.faults.add(TRANSIENT[fault]())
    faulty = tmp_path / "faulty.duckdb"
    summary = crawl_copy(base, faulty, mode)

    assert summary.status == "ok"
    assert_same_tables(clean, faulty, snapshots=False)
    conn = duckdb.connect(str(faulty), read_only=True)
    retries = conn.execute("SELECT retries FROM crawl_runs ORDER BY run_id DESC").fetchone()[0]
    assert retries == summary.retries
    assert (retries >= 1) == (fault != "a page listing a model twice")  # that one is no error


@pytest.mark.parametrize("mode", ["family", "full", "incremental"])
def test_model_deleted_or_gated_between_listing_and_card_fetch(mode, serve, tmp_path):
    store = hub()
    double = serve(store, page_size=10)
    base = prepare(mode, store, double, tmp_path)
    changed = False
    # cards are fetched in id order: these two come after the first one
    deleted, gated = ("bg-2/m-7", "bg-1/m-1") if mode == "incremental" else ("g/latin", "f/orphan")
    # a family crawl fetches cards beside its listing: the first card of a/ft's children
    # (listed with the two) is asked for once they are listed
    first = "/b/quant-GGUF/" if mode == "family" else "/"

    def record(entry):  # once that card is asked for, two repos change for good
        nonlocal changed
        if entry.kind == "resolve" and first in entry.path and not changed:
            changed = True
            store.delete(deleted)
            store.set_gated(gated, "manual")

    double.on_request.append(record)
    db = tmp_path / "db.duckdb"
    summary = crawl_copy(base, db, mode, card_workers=1)  # cards in order, one at a time
    assert summary.status == "ok" and changed
    conn = duckdb.connect(str(db), read_only=True)
    errors = dict(conn.execute("SELECT model_id, fetch_error FROM cards "
                               "WHERE fetch_error IS NOT NULL").fetchall())
    assert errors[deleted] == "not found" and errors[gated] == "gated"
    unavailable = conn.execute("SELECT cards_unavailable FROM crawl_runs "
                               "ORDER BY run_id DESC").fetchone()[0]
    assert unavailable >= 2 and summary.cards_unavailable == unavailable


@pytest.mark.parametrize("mode", ["family", "full", "incremental"])
def test_models_created_while_a_listing_is_paged(mode, serve, tmp_path):
    store = hub()
    double = serve(store, page_size=10)
    base = prepare(mode, store, double, tmp_path)
    created = [model_row("late/child", 90, tags=["base_model:a/ft"],
                         last_modified=datetime(2026, 4, 1)),
               model_row("late/other", 91, last_modified=datetime(2026, 4, 1))]

    def record(entry):  # new models appear right after the first listing page
        if entry.kind == "list" and double.log.counts()["list"] == 1:
            store.add_models(pd.DataFrame(created))

    double.on_request.append(record)
    db = tmp_path / "db.duckdb"
    crawl_copy(base, db, mode)
    double.on_request.clear()
    if mode == "incremental":  # paged newest first: the next scheduled run catches them
        crawl(db, "incremental", client=fast_client())
    conn = duckdb.connect(str(db), read_only=True)
    ids = {r[0] for r in conn.execute("SELECT id FROM models").fetchall()}
    assert "late/child" in ids
    assert ("late/other" in ids) == (mode != "family")
    total, distinct = conn.execute("SELECT count(*), count(DISTINCT id) FROM models").fetchone()
    assert total == distinct
