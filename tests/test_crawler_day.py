"""A day of the Hub: the next day of a generated Hub (hub_double/generator/next_day.py) reached
by `crawl --mode incremental --refresh-counts`, over HTTP, equals a fresh full crawl of it; its
cards are fetched while the listing of downloads is paged."""

from __future__ import annotations

import duckdb

from crawler.crawl import crawl
from crawler.http import Budget
from hub_double.generator import generated_store
from hub_double.generator.next_day import next_day
from tests.crawl_helpers import assert_same_live_tables, fast_client

PAGE = 100


def test_an_incremental_crawl_with_counts_brings_the_database_to_the_next_day(serve, tmp_path):
    store = generated_store(800, seed=31)
    double = serve(store, page_size=PAGE)
    db = tmp_path / "hub.duckdb"
    crawl(db, "full", client=fast_client())
    day = next_day(store, seed=4, changed=0.03, new=0.01, deleted=0.005)  # 24, 8, 4 models
    double.log.reset()

    summary = crawl(db, "incremental", client=fast_client(), refresh_counts=True)

    assert summary.status == "ok"
    assert (summary.models_changed, summary.models_new, summary.models_gone) == (
        day.changed, day.new, day.deleted)
    requests = double.log.counts()
    live = 800 + day.new - day.deleted
    changes = -(-(day.changed + day.new + 1) // PAGE)  # the changes and one older model
    assert requests["list"] == changes + -(-live // PAGE)  # and the light listing of all
    assert requests["resolve"] == day.changed + day.new  # the cards that changed, no more
    assert requests["info"] == day.deleted  # each model the listing left out, asked about
    conn = duckdb.connect(str(db), read_only=True)
    gone = {r[0] for r in conn.execute("SELECT id FROM models WHERE gone").fetchall()}
    conn.close()
    deleted = {r[0] for r in store.cursor().execute("SELECT id FROM deleted").fetchall()}
    assert gone == deleted

    fresh = tmp_path / "fresh.duckdb"
    crawl(fresh, "full", client=fast_client())
    assert_same_live_tables(db, fresh)


def test_the_changed_cards_are_fetched_while_the_counts_are_listed(serve, tmp_path):
    store = generated_store(600, seed=32)
    double = serve(store, page_size=20)
    db = tmp_path / "hub.duckdb"
    crawl(db, "full", client=fast_client())
    next_day(store, seed=5, changed=0.05)
    double.log.reset()
    # the listing paced at 20 pages a second: its 31 pages take at least 1.5 s
    client = fast_client(budgets={"api": Budget(21, window_s=1.0), "resolvers": 10**7})
    crawl(db, "incremental", client=client, refresh_counts=True, card_workers=4)
    kinds = [(e.kind, "expand=downloads" in e.query and "sort=" not in e.query)
             for e in double.log.entries]
    counts_pages = [i for i, (kind, light) in enumerate(kinds) if kind == "list" and light]
    cards = [i for i, (kind, _) in enumerate(kinds) if kind == "resolve"]
    assert cards and counts_pages
    assert any(counts_pages[0] < i < counts_pages[-1] for i in cards)


def day_of(seed: int) -> tuple:
    store = generated_store(1000, seed=33)
    before = dict(store.cursor().execute("SELECT id, (sha, downloads) FROM models").fetchall())
    day = next_day(store, seed=seed)
    after = dict(store.cursor().execute("SELECT id, (sha, downloads) FROM models").fetchall())
    return day, before, after


def test_the_next_day_holds_the_days_changes_and_is_the_same_for_the_same_seed():
    day, before, after = day_of(seed=1)
    assert (day.changed, day.new, day.deleted) == (10, 3, 0)  # 1%, 0.3%, 0.05% of 1,000
    new = set(after) - set(before)
    pushed = {i for i in set(after) & set(before) if after[i][0] != before[i][0]}
    assert len(new) == 3 and len(pushed) == 10 and set(before) - set(after) == set()
    assert all(after[i][1] != before[i][1] for i in set(after) & set(before))  # counts moved
    assert day_of(seed=1)[2] == after and day_of(seed=2)[2] != after
