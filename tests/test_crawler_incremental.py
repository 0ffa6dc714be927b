"""Incremental crawls: requests grow with the changes, and the result equals a fresh crawl."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from crawler.crawl import crawl
from tests.crawl_helpers import assert_same_tables, fast_client
from tests.hub_rows import model_row, numbered_store
from tests.test_crawler_basics import messy_family


def test_incremental_costs_o_of_k_and_matches_a_fresh_full_crawl(serve, tmp_path):
    store = numbered_store(400)
    double = serve(store, page_size=50)
    db = tmp_path / "hub.duckdb"
    crawl(db, "full", client=fast_client())
    changed = [f"org-{i % 17}/model-{i}" for i in (3, 50, 51, 199, 250, 333, 399)]
    store.touch(changed, when=datetime(2026, 1, 1))
    store.add_models(pd.DataFrame([model_row(f"new/model-{i}", 500 + i) for i in range(3)]))
    double.log.reset()

    summary = crawl(db, "incremental", client=fast_client())

    counts = double.log.counts()
    k = len(changed) + 3
    assert counts["list"] <= -(-k // 50) + 1  # the changed models' pages plus the boundary one
    assert counts["resolve"] == k  # exactly the changed and new cards
    assert summary.models_new == 3 and summary.models_changed == len(changed)
    fresh = tmp_path / "fresh.duckdb"
    crawl(fresh, "full", client=fast_client())
    assert_same_tables(db, fresh, snapshots=False)


def test_incremental_of_a_family_keeps_new_descendants_only(serve, tmp_path):
    store = messy_family()
    double = serve(store)
    db = tmp_path / "hub.duckdb"
    crawl(db, "family", client=fast_client())
    store.add_models(pd.DataFrame([
        model_row("n/child-of-merge", 50, tags=["base_model:c/merge"],
                  last_modified=datetime(2026, 2, 1)),
        model_row("n/grandchild", 51, tags=["base_model:n/child-of-merge"],
                  last_modified=datetime(2026, 2, 2)),
        model_row("n/unrelated", 52, tags=["base_model:x/outside"],
                  last_modified=datetime(2026, 2, 3)),
    ]))
    store.touch(["a/ft"], when=datetime(2026, 2, 4))
    double.log.reset()
    summary = crawl(db, "incremental", client=fast_client())
    conn = duckdb.connect(str(db), read_only=True)
    ids = {r[0] for r in conn.execute("SELECT id FROM models").fetchall()}
    assert {"n/child-of-merge", "n/grandchild"} <= ids and "n/unrelated" not in ids
    assert summary.models_new == 2 and summary.models_changed == 1
    assert double.log.counts()["list"] == 1 and double.log.counts()["resolve"] == 3
    fresh = tmp_path / "fresh.duckdb"
    conn.close()
    crawl(fresh, "family", client=fast_client())
    assert_same_tables(db, fresh, snapshots=False)


def test_refresh_counts_goes_through_listings_not_per_model(serve, tmp_path):
    store = numbered_store(250)
    double = serve(store, page_size=100)
    db = tmp_path / "hub.duckdb"
    crawl(db, "full", client=fast_client())
    store.set_counts("org-3/model-3", downloads=123_456, likes=77)
    store.set_counts("org-12/model-199", downloads=0, likes=1)
    double.log.reset()
    crawl(db, "incremental", client=fast_client(), refresh_counts=True)
    counts = double.log.counts()
    assert counts["list"] == 1 + 3 and counts["resolve"] == 0 and counts["info"] == 0
    conn = duckdb.connect(str(db), read_only=True)
    rows = dict(conn.execute("SELECT id, (downloads, likes) FROM models WHERE id IN "
                             "('org-3/model-3', 'org-12/model-199')").fetchall())
    assert rows == {"org-3/model-3": (123_456, 77), "org-12/model-199": (0, 1)}
    runs = conn.execute("SELECT run_id, count(*) FROM snapshots GROUP BY ALL ORDER BY 1")
    assert runs.fetchall() == [(1, 250), (2, 250)]  # a time series point per model and run


def test_family_incremental_does_not_relist_changes_outside_the_family(serve, tmp_path):
    store = messy_family()
    store.add_models(pd.DataFrame([model_row(f"bg/m-{i}", 30 + i) for i in range(30)]))
    double = serve(store, page_size=10)
    db = tmp_path / "hub.duckdb"
    crawl(db, "family", client=fast_client())
    store.touch([f"bg/m-{i}" for i in range(30)])  # busy Hub, nothing in the family
    crawl(db, "incremental", client=fast_client())
    double.log.reset()
    crawl(db, "incremental", client=fast_client())
    assert double.log.counts()["list"] == 1  # one page to see that nothing is new
