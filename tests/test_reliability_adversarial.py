"""A hostile or broken Hub, and repeated crawls: nothing is lost, leaked or waited for forever.

Each misbehaviour is a switch of the Hub double (hub_double/faults.py). A transient one must end
in the fault-free database; a persistent one must fail the run with one clear error, keep what
is stored (no model marked gone, no Hub size changed) and release the crawl lock.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from datetime import datetime, timedelta

import duckdb
import pandas as pd
import pytest

from crawler.clock import utcnow
from crawler.crawl import crawl
from crawler.http import RetryPolicy
from crawler.store import Database
from hf_lineage.errors import ConfigError, HubAnswerInvalid, HubError, HubUnavailable
from hub_double.faults import SAME_URL, Fault
from hub_double.server import HubDouble
from tests.crawl_helpers import assert_same_tables, fast_client, table_frames
from tests.hub_rows import model_row, numbered_store, store_of
from tests.test_crawler_basics import messy_family
from tests.test_crawler_resume import crawl_command

TOKEN = "hf_adversarialTestToken0123456789"


def crawled(serve, tmp_path, store=None, **options):
    """A full crawl of a small Hub, done once without faults: (double, db path)."""
    double = serve(store or numbered_store(40), page_size=10, **options)
    db = tmp_path / "hub.duckdb"
    assert crawl(db, "full", client=fast_client()).status == "ok"
    double.log.reset()
    return double, db


def state(db) -> tuple[int, int, str | None]:
    """(live models, gone models, stored Hub size)."""
    conn = duckdb.connect(str(db), read_only=True)
    try:
        live, gone = conn.execute("SELECT count(*) FILTER (NOT gone), count(*) FILTER (gone) "
                                  "FROM models").fetchone()
        size = conn.execute("SELECT value FROM meta WHERE key = 'hub_size'").fetchone()
        return live, gone, size[0] if size else None
    finally:
        conn.close()


def assert_lock_released(db) -> None:
    with Database(db):
        pass


# -- answers that are not the Hub's --------------------------------------------------------------
BROKEN_PAGES = {
    "a JSON object": b'{"error": "Internal error, please retry"}',
    "an HTML page": b"<html><body>Bad gateway</body></html>",
    "an empty body": b"",
    "truncated JSON": b'[{"id": "org-1/model-1", "sha": "abc"',
}


@pytest.mark.parametrize("body", BROKEN_PAGES.values(), ids=BROKEN_PAGES.keys())
def test_a_persistently_broken_listing_fails_the_run_and_marks_nothing_gone(
        body, serve, tmp_path):
    double, db = crawled(serve, tmp_path)
    before = state(db)

    def break_after_first_page(entry):  # taking page 2 for the end of the listing would mark
        if entry.kind == "list" and double.log.counts()["list"] == 1:  # 30 of 40 models gone
            double.faults.add(Fault("body", kinds={"list"}, body=body, count=None))

    double.on_request.append(break_after_first_page)
    with pytest.raises(HubUnavailable, match="kept failing"):
        crawl(db, "full", client=fast_client())
    assert state(db) == before
    assert_lock_released(db)
    conn = duckdb.connect(str(db), read_only=True)
    assert conn.execute("SELECT status FROM crawl_runs ORDER BY run_id DESC").fetchone()[0] \
        == "failed"
    conn.close()


def test_a_transiently_broken_page_ends_in_the_fault_free_database(serve, tmp_path):
    double, db = crawled(serve, tmp_path)
    fresh = tmp_path / "fresh.duckdb"
    crawl(fresh, "full", client=fast_client())
    for body in BROKEN_PAGES.values():
        double.faults.add(Fault("body", kinds={"list"}, body=body, count=1))
    summary = crawl(db, "full", client=fast_client())
    assert summary.status == "ok" and summary.retries >= len(BROKEN_PAGES)
    assert_same_tables(db, fresh, snapshots=False)


def test_a_listing_item_that_is_not_a_model_is_refused_not_skipped(serve, tmp_path):
    double, db = crawled(serve, tmp_path)
    before = state(db)
    double.faults.add(Fault("body", kinds={"list"}, body=b'[{"sha": "no id"}, 5]', count=None))
    with pytest.raises(HubAnswerInvalid, match="not a model"):
        crawl(db, "full", client=fast_client())
    assert state(db) == before


# -- where the token goes -----------------------------------------------------------------------
@pytest.fixture
def foreign():
    """Another server, standing for whoever a hostile answer points the crawler to."""
    double = HubDouble(numbered_store(3)).start()
    yield double
    double.stop()


def test_a_link_to_another_host_is_refused_and_gets_no_token(serve, tmp_path, foreign):
    double = serve(numbered_store(40), page_size=10, expected_token=TOKEN)
    double.faults.add(Fault("link", kinds={"list"}, location=f"{foreign.url}/api/models?c=1",
                            count=None))
    with pytest.raises(HubAnswerInvalid, match="not to the endpoint"):
        crawl(tmp_path / "hub.duckdb", "full", client=fast_client(token=TOKEN))
    assert foreign.log.total() == 0 and not double.token_leaks


def test_a_redirect_to_another_host_gets_no_token(serve, tmp_path, foreign):
    double = serve(messy_family(), expected_token=TOKEN)
    # model info of the named roots (outside the organisations) is redirected away
    double.faults.add(Fault("redirect", kinds={"info"}, count=None,
                            location=f"{foreign.url}/api/models/org-0/model-0"))
    crawl(tmp_path / "hub.duckdb", "family", client=fast_client(token=TOKEN))
    assert foreign.log.total() > 0
    assert not any(entry.authorized for entry in foreign.log.entries)
    assert all(entry.authorized for entry in double.log.entries)


def test_a_link_back_to_a_page_already_read_ends_the_run(serve, tmp_path):
    double = serve(numbered_store(40), page_size=10)
    double.faults.add(Fault("link", kinds={"list"}, location=SAME_URL, count=None))
    with pytest.raises(HubAnswerInvalid, match="repeats a page"):
        crawl(tmp_path / "hub.duckdb", "full", client=fast_client())
    assert double.log.counts()["list"] <= 3  # the Hub's newest model, asked first, and 2 pages


def test_a_redirect_loop_is_one_clear_error(serve, tmp_path):
    double = serve(numbered_store(5))
    double.faults.add(Fault("redirect", kinds={"list"}, location=SAME_URL, count=None))
    with pytest.raises(HubAnswerInvalid, match="redirected in a loop"):
        crawl(tmp_path / "hub.duckdb", "full", client=fast_client())


# -- waits the server asks for --------------------------------------------------------------------
HUGE_WAITS = {
    "Retry-After": {"Retry-After": "1000000000"},
    "RateLimit r=0": {"RateLimit": '"api";r=0;t=999999999'},
}


@pytest.mark.parametrize("headers", HUGE_WAITS.values(), ids=HUGE_WAITS.keys())
def test_a_wait_longer_than_the_cap_fails_at_once_and_releases_the_lock(
        headers, serve, tmp_path):
    double = serve(numbered_store(5))
    double.faults.add(Fault("status", kinds={"list"}, status=429, headers=headers, count=None))
    db = tmp_path / "hub.duckdb"
    with pytest.raises(HubUnavailable, match="asked to wait"):
        crawl(db, "full", client=fast_client())
    assert double.log.counts()["list"] == 1
    assert_lock_released(db)


def test_a_trickled_answer_is_cut_at_the_deadline(serve, tmp_path):
    double = serve(numbered_store(5))
    double.faults.add(Fault("trickle", kinds={"list"}, delay_s=0.05, count=None))
    client = fast_client(retry=RetryPolicy(attempts=2, base_wait_s=0.01, max_wait_s=0.1,
                                           timeout_s=5, deadline_s=1.0))
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            crawl(tmp_path / "hub.duckdb", "full", client=client)
        except HubError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=120)  # a per-read timeout alone would wait for ever
    assert not worker.is_alive() and outcome
    assert "SlowResponse" in str(outcome[0])


# -- data no database should refuse ---------------------------------------------------------------
def test_lone_surrogates_anywhere_are_stored_as_replacement_characters(serve, tmp_path):
    # as the Hub serialises a user's card YAML: JSON escapes, one of them a lone surrogate
    page = (b'[{"id": "b/surrogate", "sha": "s1", "pipeline_tag": "text\\udc00generation",'
            b' "cardData": {"license": "mit", "note": "\\ud800 x \\udfff"}, "tags": []},'
            b' {"id": "c/emoji", "sha": "s2", "cardData": {"note": "\\ud83d\\ude00"},'
            b' "tags": []}]')
    double = serve(store_of([
        model_row("b/surrogate", 1, card=b'---\nlicense: mit\nnote: "\\ud800 lone"\n---\nbody\n'),
        model_row("c/emoji", 2)]))
    double.faults.add(Fault("body", kinds={"list"}, body=page, count=None))
    db = tmp_path / "hub.duckdb"
    assert crawl(db, "full", client=fast_client()).status == "ok"
    conn = duckdb.connect(str(db), read_only=True)
    note, tag = conn.execute("SELECT card_data->>'note', pipeline_tag FROM models "
                             "WHERE id = 'b/surrogate'").fetchone()
    assert note == "\ufffd x \ufffd" and tag == "text\ufffdgeneration"
    assert conn.execute("SELECT card_data->>'note' FROM models WHERE id = 'c/emoji'"
                        ).fetchone()[0] == "\U0001F600"
    meta, error = conn.execute("SELECT metadata->>'note', parse_error FROM cards "
                               "WHERE model_id = 'b/surrogate'").fetchone()
    assert meta == "\ufffd lone" and error is None


def test_dates_honour_offsets_and_impossible_ones_are_null(serve, tmp_path):
    future = utcnow() + timedelta(days=3650)
    store = store_of([model_row("a/ok", 0), model_row("b/future", 1), model_row("c/bad", 2)])
    conn = store.cursor()
    conn.execute("UPDATE models SET last_modified = ? WHERE id = 'b/future'", [future])
    serve(store)
    db = tmp_path / "hub.duckdb"
    crawl(db, "full", client=fast_client())
    got = duckdb.connect(str(db), read_only=True)
    assert got.execute("SELECT last_modified FROM models WHERE id = 'b/future'"
                       ).fetchone()[0] is None
    watermark = got.execute("SELECT value FROM meta WHERE key = 'watermark:last_modified'"
                            ).fetchone()[0]
    got.close()
    assert datetime.fromisoformat(watermark) <= utcnow()


def test_a_page_with_offset_and_garbage_dates(serve, tmp_path):
    body = (b'[{"id": "a/offset", "sha": "1", "createdAt": "2024-01-01T10:00:00+02:00",'
            b' "lastModified": "2024-13-45T99:00:00Z", "tags": []},'
            b' {"id": "b/year0", "sha": "2", "createdAt": "0000-01-01T00:00:00Z", "tags": []}]')
    double = serve(numbered_store(1))
    double.faults.add(Fault("body", kinds={"list"}, body=body, count=None))
    db = tmp_path / "hub.duckdb"
    crawl(db, "full", client=fast_client(), cards=False)
    conn = duckdb.connect(str(db), read_only=True)
    rows = {r[0]: r[1:] for r in conn.execute(
        "SELECT id, created_at, last_modified FROM models").fetchall()}
    assert rows["a/offset"] == (datetime(2024, 1, 1, 8, 0), None)
    assert rows["b/year0"] == (None, None)


# -- repeated crawls ------------------------------------------------------------------------------
def family_with_outside_roots():
    """messy_family plus a named root that no organisation holds (as huggyllama's LLaMA 1
    uploads are) and its descendants."""
    store = messy_family()
    store.add_models(pd.DataFrame([
        model_row("huggyllama/llama-7b", 20, tags=["license:other"],
                  card_data={"license": "other"}),
        model_row("h/alpaca", 21, tags=["base_model:huggyllama/llama-7b"],
                  card_data={"base_model": "huggyllama/llama-7b"}),
        model_row("h/alpaca-GGUF", 22, tags=["gguf", "base_model:h/alpaca",
                                             "base_model:quantized:h/alpaca"],
                  card_data={"base_model": "h/alpaca"}),
    ]))
    return store


@pytest.mark.parametrize("road", ["filters", "listing"])
def test_repeated_family_crawls_equal_a_fresh_one(road, serve, tmp_path):
    serve(family_with_outside_roots())
    hub_size = 10**9 if road == "filters" else 1
    db, fresh = tmp_path / "repeated.duckdb", tmp_path / "fresh.duckdb"
    for _ in range(3):
        assert crawl(db, "family", client=fast_client(), hub_size=hub_size).status == "ok"
    crawl(fresh, "family", client=fast_client(), hub_size=hub_size)
    assert_same_tables(db, fresh, snapshots=False)
    models = table_frames(db)["models"]
    assert not models["gone"].any()
    assert {"huggyllama/llama-7b", "h/alpaca", "h/alpaca-GGUF"} <= set(models["id"])


@pytest.mark.parametrize("mode", ["full", "incremental"])
def test_repeated_full_and_incremental_crawls_equal_a_fresh_one(mode, serve, tmp_path):
    serve(family_with_outside_roots())
    db, fresh = tmp_path / "repeated.duckdb", tmp_path / "fresh.duckdb"
    crawl(db, "full", client=fast_client())
    for _ in range(3):
        assert crawl(db, mode, client=fast_client()).status == "ok"
    crawl(fresh, "full", client=fast_client())
    assert_same_tables(db, fresh, snapshots=False)
    assert not table_frames(db)["models"]["gone"].any()


def test_a_family_crawl_of_a_full_database_is_refused(serve, tmp_path):
    _, db = crawled(serve, tmp_path, store=family_with_outside_roots())
    before = table_frames(db)
    with pytest.raises(ConfigError, match="holds a full crawl"):
        crawl(db, "family", client=fast_client())
    after = table_frames(db)
    for table, frame in before.items():
        pd.testing.assert_frame_equal(frame, after[table], obj=table)


def test_a_full_crawl_of_a_family_database_equals_a_fresh_full_crawl(serve, tmp_path):
    serve(family_with_outside_roots())
    db, fresh = tmp_path / "widened.duckdb", tmp_path / "fresh.duckdb"
    crawl(db, "family", client=fast_client())
    crawl(db, "full", client=fast_client())
    crawl(fresh, "full", client=fast_client())
    assert_same_tables(db, fresh, snapshots=False)


def test_an_ordinary_deletion_is_marked_gone(serve, tmp_path):
    store = numbered_store(40)
    _, db = crawled(serve, tmp_path, store=store)
    store.delete("org-1/model-1")
    summary = crawl(db, "full", client=fast_client())
    assert summary.models_gone == 1 and state(db)[1] == 1


def test_card_ids_that_are_no_hub_id_are_never_requested(serve, tmp_path):
    # what the Hub lists is asked as listed (ids of 2020-2022 end in '.git' or hold '--');
    # a name no Hub repo can have (a leading '-', a path) is stored, never put in a URL
    odd = ["-lead/model", "x/.hidden", "a b/model"]
    listed = ["a--b/model", "x/model.git"]
    double = serve(store_of([model_row(mid, i) for i, mid in enumerate(odd + listed)]
                            + [model_row("ok/model", 9)]))
    db = tmp_path / "hub.duckdb"
    assert crawl(db, "full", client=fast_client()).status == "ok"
    conn = duckdb.connect(str(db), read_only=True)
    errors = dict(conn.execute("SELECT model_id, fetch_error FROM cards").fetchall())
    assert all(errors[mid] == "invalid repo id: not requested" for mid in odd)
    assert all(errors[mid] is None for mid in [*listed, "ok/model"])
    assert double.log.counts()["resolve"] == 3


def test_ctrl_c_during_slow_card_downloads_ends_the_crawl_at_once(serve, tmp_path):
    double = serve(numbered_store(30))
    double.faults.add(Fault("slow", kinds={"resolve"}, delay_s=120, count=None))
    db = tmp_path / "hub.duckdb"
    proc = subprocess.Popen(crawl_command(db, double.url, "full"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while double.log.arrived["resolve"] < 4 and time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode()
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    interrupted = time.monotonic()
    proc.wait(timeout=60)
    # every card request in flight is still being held by the double (for 120 s each)
    assert time.monotonic() - interrupted < 60
    assert proc.returncode == 130
    lines = [line for line in proc.stderr.read().decode().splitlines()
             if line.startswith("error:")]
    assert lines and "run the same command again to resume" in lines[-1]
    conn = duckdb.connect(str(db), read_only=True)
    assert conn.execute("SELECT status FROM crawl_runs").fetchone()[0] == "interrupted"
    conn.close()
