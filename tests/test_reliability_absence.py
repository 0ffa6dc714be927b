"""Absence is never proven by one quiet answer: every way a valid answer can under-report.

A listing page cut short without its Link, an empty page, a short page that keeps its Link, an
empty `base_model:` filter or organisation listing, a listing of changes that ends before the
watermark: each is a valid answer of the Hub's API (hub_double/faults.py, 'short'). None may
mark a live model gone; only a model's own model-info answer can (crawler/modes/absence.py).
"""

from __future__ import annotations

import shutil
from datetime import datetime

import duckdb
import pandas as pd
import pytest

from crawler.crawl import crawl
from crawler.modes.absence import MASS_MIN, SAMPLE
from hf_lineage.errors import HubUnavailable
from hub_double.faults import Fault
from tests.crawl_helpers import assert_same_tables, fast_client, table_frames
from tests.hub_rows import model_row, numbered_store
from tests.test_reliability_adversarial import crawled, family_with_outside_roots, state


def meta_value(db, key: str) -> str | None:
    conn = duckdb.connect(str(db), read_only=True)
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else None
    finally:
        conn.close()


def error_kinds(db) -> list[str]:
    conn = duckdb.connect(str(db), read_only=True)
    try:
        return [r[0] for r in conn.execute("SELECT kind FROM crawl_errors ORDER BY ALL").fetchall()]
    finally:
        conn.close()


def twin(db, tmp_path, mode: str, **options):
    """The same database crawled again without faults: what a faulty crawl must end in."""
    clean = tmp_path / "clean.duckdb"
    shutil.copy(db, clean)
    assert crawl(clean, mode, client=fast_client(), **options).status == "ok"
    return clean


# Ways a whole listing of 40 models (4 pages of 10) can say less than the truth.
UNDER_REPORTS = {
    "a page cut short, its Link dropped": dict(match="cursor=", keep=3),
    "an empty page without Link": dict(match="cursor=", keep=0),
    "a short page that keeps its Link": dict(match="cursor=", keep=3, keep_link=True),
    "an empty first page": dict(keep=0),
}


@pytest.mark.parametrize("fault", UNDER_REPORTS.values(), ids=UNDER_REPORTS.keys())
def test_a_listing_that_under_reports_marks_nothing_gone(fault, serve, tmp_path):
    double, db = crawled(serve, tmp_path)
    clean = twin(db, tmp_path, "full")
    watermark = meta_value(db, "watermark:last_modified")
    double.log.reset()
    double.faults.add(Fault("short", kinds={"list"}, **fault))
    summary = crawl(db, "full", client=fast_client())
    assert summary.status == "ok" and summary.models_gone == 0
    assert state(db)[:2] == (40, 0)
    # the models the listing left out were each asked about, and stored from their answers
    listed = 40 - double.log.counts()["info"]
    assert 0 <= listed < 40 and summary.requests["info"] == 40 - listed
    assert_same_tables(db, clean, snapshots=False)
    assert "listing_incomplete" in error_kinds(db)
    assert meta_value(db, "watermark:last_modified") == watermark


def test_a_mass_under_report_is_refused_after_a_sample(serve, tmp_path):
    double, db = crawled(serve, tmp_path, store=numbered_store(200))
    double.faults.add(Fault("short", kinds={"list"}, match="cursor=", keep=0))  # page 2: []
    summary = crawl(db, "full", client=fast_client())
    assert 200 - 10 > MASS_MIN  # more missing than the Hub loses between two crawls
    assert summary.status == "ok" and summary.models_gone == 0
    assert state(db)[:2] == (200, 0)
    assert double.log.counts()["info"] == SAMPLE  # a sample, not one request per model
    assert "gone_refused" in error_kinds(db)


def test_only_the_hubs_own_answer_marks_a_model_gone(serve, tmp_path):
    store = numbered_store(40)
    store.add_models(pd.DataFrame([model_row("old/name", 50), model_row("a/../../etc/passwd", 51)]))
    double, db = crawled(serve, tmp_path, store=store)
    store.delete("org-1/model-1")  # deleted
    store.cursor().execute("UPDATE models SET private = true WHERE id = 'org-2/model-2'")
    store.delete("old/name")  # renamed: the old id answers 307 to the new one
    store.add_models(pd.DataFrame([model_row("new/name", 52)]))
    store.add_alias("old/name", "new/name")
    store.delete("a/../../etc/passwd")  # an id the client never requests: it cannot be asked
    summary = crawl(db, "full", client=fast_client())
    frame = table_frames(db)["models"].set_index("id")["gone"]
    assert sorted(frame[frame].index) == ["old/name", "org-1/model-1", "org-2/model-2"]
    assert not frame["new/name"] and not frame["a/../../etc/passwd"]
    assert summary.models_gone == 3 and summary.requests["info"] == 3
    assert not any("etc/passwd" in e.path for e in double.log.entries)


def test_a_bare_404_is_not_the_hubs_word(serve, tmp_path):
    double, db = crawled(serve, tmp_path)
    double.faults.add(Fault("short", kinds={"list"}, match="cursor=", keep=0))
    # a proxy's 404, without the Hub's RepoNotFound error code
    double.faults.add(Fault("status", kinds={"info"}, status=404, count=None))
    summary = crawl(db, "full", client=fast_client())
    assert summary.models_gone == 0 and state(db)[:2] == (40, 0)
    assert double.log.counts()["info"] == 30


def test_a_mass_deletion_is_believed_model_by_model(serve, tmp_path):
    store = numbered_store(200)
    double, db = crawled(serve, tmp_path, store=store)
    for i in range(0, 200, 2):  # half the Hub vanishes from one listing to the next
        store.delete(f"org-{i % 17}/model-{i}")
    summary = crawl(db, "full", client=fast_client())
    assert summary.status == "ok" and summary.models_gone == 100 and state(db)[:2] == (100, 100)
    assert double.log.counts()["info"] == 100 and not error_kinds(db)


FAMILY_UNDER_REPORTS = {
    "every base_model filter answers []": ("filters", "filter=base_model:", 10**9),
    "every organisation listing answers []": ("filters", "author=", 10**9),
    "the whole listing cut short": ("listing", "cursor=", 1),
}


@pytest.mark.parametrize("road, match, hub_size", FAMILY_UNDER_REPORTS.values(),
                         ids=FAMILY_UNDER_REPORTS.keys())
def test_a_family_crawl_fed_empty_answers_loses_no_member(road, match, hub_size, serve,
                                                           tmp_path):
    double = serve(family_with_outside_roots(), page_size=4)
    db = tmp_path / "hub.duckdb"
    assert crawl(db, "family", client=fast_client(), hub_size=hub_size).strategy == road
    clean = twin(db, tmp_path, "family", hub_size=hub_size)
    measured = meta_value(db, "hub_size")  # by the listing road's whole listing
    double.faults.add(Fault("short", kinds={"list"}, match=match, keep=0, count=None))
    summary = crawl(db, "family", client=fast_client(), hub_size=hub_size)
    assert summary.status == "ok" and summary.models_gone == 0
    assert meta_value(db, "hub_size") == measured  # a listing cut short does not shrink it
    assert summary.requests["info"] > 0  # the members left out were asked about
    assert not table_frames(db)["models"]["gone"].any()
    assert_same_tables(db, clean, snapshots=False)


def test_a_model_that_left_the_family_is_gone_by_its_own_answer(serve, tmp_path):
    store = family_with_outside_roots()
    double = serve(store)
    db = tmp_path / "hub.duckdb"
    crawl(db, "family", client=fast_client())
    watermark = meta_value(db, "watermark:last_modified")
    # its card now names a parent outside the families: no filter of a family model lists it
    store.edit_card("b/quant-GGUF", '{"base_model": "x/elsewhere"}',
                    ["gguf", "base_model:x/elsewhere"], when=datetime(2026, 3, 1))
    double.log.reset()
    summary = crawl(db, "family", client=fast_client())
    frame = table_frames(db)["models"].set_index("id")["gone"]
    assert list(frame[frame].index) == ["b/quant-GGUF"] and summary.models_gone == 1
    assert double.log.counts()["info"] == summary.requests["info"]
    assert "listing_incomplete" not in error_kinds(db)  # the listing said the truth
    assert meta_value(db, "watermark:last_modified") > watermark


def test_a_listing_of_changes_that_ends_short_keeps_the_watermark(serve, tmp_path):
    store = numbered_store(60)
    double, db = crawled(serve, tmp_path, store=store)
    watermark = meta_value(db, "watermark:last_modified")
    store.touch([f"org-{i % 17}/model-{i}" for i in range(25)], when=datetime(2026, 3, 1))
    clean = twin(db, tmp_path, "incremental")
    double.faults.add(Fault("short", kinds={"list"}, match="cursor=", keep=0))
    assert crawl(db, "incremental", client=fast_client()).status == "ok"
    assert meta_value(db, "watermark:last_modified") == watermark  # 15 changes not listed yet
    crawl(db, "incremental", client=fast_client())  # the next scheduled run lists them
    assert_same_tables(db, clean, snapshots=False)
    assert meta_value(db, "watermark:last_modified") == meta_value(clean,
                                                                   "watermark:last_modified")


def test_a_failure_while_asking_fails_the_run_and_the_next_one_resumes(serve, tmp_path):
    double, db = crawled(serve, tmp_path)
    clean = twin(db, tmp_path, "full")
    double.faults.add(Fault("short", kinds={"list"}, match="cursor=", keep=0))
    double.faults.add(Fault("status", kinds={"info"}, status=503, count=None))
    with pytest.raises(HubUnavailable):
        crawl(db, "full", client=fast_client())
    assert state(db)[:2] == (40, 0)
    double.faults.clear()
    double.log.reset()
    summary = crawl(db, "full", client=fast_client())
    assert summary.resumed and summary.models_gone == 0
    assert double.log.counts()["list"] == 0 and double.log.counts()["info"] == 30
    assert_same_tables(db, clean, snapshots=False)
