"""Crawls of small hand-built Hubs, whose answers are known by construction."""

from __future__ import annotations

import duckdb
import pytest

from analysis.db import connect
from crawler.crawl import crawl
from crawler.roots import stored_roots
from crawler.store import Database
from crawler.store.database import migrations, schema_version
from hf_lineage.errors import ConfigError, CrawlLocked, StorageError
from tests.crawl_helpers import assert_same_tables, fast_client
from tests.hub_rows import model_row, store_of


def messy_family():
    llama = "meta-llama/Llama-2-7b-hf"
    return store_of([
        model_row(llama, 0, gated="manual", tags=["license:llama2"],
                  card_data={"license": "llama2"}),
        model_row("a/ft", 1, tags=["license:llama2", f"base_model:{llama}",
                                   f"base_model:finetune:{llama}"],
                  card_data={"license": "llama2", "base_model": llama}),
        # relation only in tags, base_model as a URL in the card
        model_row("b/quant-GGUF", 2, tags=["gguf", "base_model:a/ft", "base_model:quantized:a/ft"],
                  card_data={"base_model": "https://huggingface.co/a/ft"}),
        # merge of a family model and an outside one, list in the card, relation in the card
        model_row("c/merge", 3, tags=["merge", "base_model:a/ft", "base_model:x/outside"],
                  card_data={"base_model": ["a/ft", "x/outside"], "base_model_relation": "merge",
                             "license": "apache-2.0"}),
        # no YAML at all: relation unknown, parent only in a tag
        model_row("d/bare", 4, tags=["base_model:c/merge"], card_data=None,
                  card=b"# just text, no header\n"),
        # broken YAML: the card is stored with its parse error
        model_row("e/broken", 5, tags=["base_model:a/ft", "base_model:adapter:a/ft"],
                  card_data=None,
                  card=b"---\nlicense: [mit\nbase_model: a/ft\n---\nbody\n"),
        # a parent that does not exist, and a self reference in the card
        model_row("f/orphan", 6, tags=["base_model:ghost/missing", "base_model:a/ft"],
                  card_data={"base_model": ["ghost/missing", "a/ft", "f/orphan", "", {"k": 1}]}),
        # non-UTF-8 bytes in the card
        model_row("g/latin", 7, tags=["base_model:a/ft"], card_data=None,
                  card=b"---\nbase_model: a/ft\n---\ncaf\xe9 \xff\xfe\n"),
        model_row("x/outside", 8),
        model_row("y/unrelated", 9, tags=["base_model:x/outside"]),
    ])


def test_family_crawl_finds_the_family_and_its_edges(serve, tmp_path):
    serve(messy_family())
    db = tmp_path / "hub.duckdb"
    summary = crawl(db, "family", client=fast_client())
    assert summary.status == "ok" and summary.strategy == "filters"
    conn = duckdb.connect(str(db), read_only=True)
    ids = {r[0] for r in conn.execute("SELECT id FROM models").fetchall()}
    assert ids == {"meta-llama/Llama-2-7b-hf", "a/ft", "b/quant-GGUF", "c/merge", "d/bare",
                   "e/broken", "f/orphan", "g/latin"}
    edges = set(conn.execute("SELECT child, parent, relation, source FROM edges").fetchall())
    assert edges == {
        ("a/ft", "meta-llama/Llama-2-7b-hf", "finetune", "card"),
        ("b/quant-GGUF", "a/ft", "quantized", "card"),
        ("c/merge", "a/ft", "merge", "card"),
        ("c/merge", "x/outside", "merge", "card"),
        ("d/bare", "c/merge", "unspecified", "tag"),
        ("e/broken", "a/ft", "adapter", "tag"),
        ("f/orphan", "ghost/missing", "unspecified", "card"),
        ("f/orphan", "a/ft", "unspecified", "card"),
        ("g/latin", "a/ft", "unspecified", "tag"),
    }
    cards = {r[0]: r[1:] for r in conn.execute(
        "SELECT model_id, parse_error IS NOT NULL, fetch_error, body FROM cards").fetchall()}
    assert cards["meta-llama/Llama-2-7b-hf"][1] == "gated"
    assert cards["e/broken"][0] is True and "body" in cards["e/broken"][2]
    assert "caf\ufffd" in cards["g/latin"][2]
    assert cards["d/bare"] == (False, None, "# just text, no header\n")
    run = conn.execute("SELECT status, mode, strategy, models_new FROM crawl_runs").fetchone()
    assert run == ("ok", "family", "filters", 8)


def test_listing_road_gives_the_same_database(serve, tmp_path):
    double = serve(messy_family(), page_size=3)
    by_filters, by_listing = tmp_path / "filters.duckdb", tmp_path / "listing.duckdb"
    crawl(by_filters, "family", client=fast_client())
    double.log.reset()
    summary = crawl(by_listing, "family", client=fast_client(), hub_size=6)
    assert summary.strategy == "listing"
    # the Hub's newest time, the two organisations, 4 listing pages: the requests spent on the
    # organisations already matched a listing's cost, so not one filter was followed
    assert double.log.counts()["list"] == 1 + 2 + 4
    assert not [r for r in double.log.entries if "filter=" in r.query]
    assert_same_tables(by_filters, by_listing)


def test_children_listed_over_several_pages_are_all_stored(serve, tmp_path):
    llama = "meta-llama/Llama-2-7b-hf"
    children = [model_row(f"u{i}/ft-{i}", i + 1, tags=[f"base_model:{llama}"])
                for i in range(25)]
    double = serve(store_of([model_row(llama, 0), *children]), page_size=10)
    db = tmp_path / "hub.duckdb"
    summary = crawl(db, "family", client=fast_client(), cards=False)
    assert summary.status == "ok" and summary.strategy == "filters"
    assert len([r for r in double.log.entries
                if f"filter=base_model%3A{llama.replace('/', '%2F')}" in r.query]) == 3
    conn = duckdb.connect(str(db), read_only=True)
    assert conn.execute("SELECT count(*), count(DISTINCT id) FROM models").fetchone() == (26, 26)
    assert conn.execute("SELECT count(*) FROM edges WHERE parent = ?", [llama]).fetchone() == (25,)


def test_a_second_crawl_on_the_same_database_exits_untouched(serve, tmp_path):
    serve(messy_family())
    db = tmp_path / "hub.duckdb"
    with Database(db):
        with pytest.raises(CrawlLocked, match="another crawl is running"):
            crawl(db, "family", client=fast_client())
    conn = duckdb.connect(str(db), read_only=True)
    assert conn.execute("SELECT count(*) FROM crawl_runs").fetchone()[0] == 0


def test_incremental_needs_a_previous_crawl(serve, tmp_path):
    serve(messy_family())
    with pytest.raises(ConfigError, match="run a family or full crawl first"):
        crawl(tmp_path / "hub.duckdb", "incremental", client=fast_client())


def test_recrawl_is_idempotent_and_fetches_no_unchanged_card(serve, tmp_path):
    double = serve(messy_family())
    db = tmp_path / "hub.duckdb"
    crawl(db, "full", client=fast_client())
    first = tmp_path / "first.duckdb"
    crawl(first, "full", client=fast_client())
    double.log.reset()
    summary = crawl(db, "full", client=fast_client())
    assert double.log.counts()["resolve"] == 0 and summary.cards_fetched == 0
    assert summary.models_new == 0 and summary.models_changed == 0
    assert_same_tables(db, first, snapshots=False)


def test_schema_is_versioned_and_a_newer_database_is_refused(tmp_path):
    db = tmp_path / "hub.duckdb"
    with Database(db) as database:
        assert database.get_meta("schema_version") == str(schema_version())
        database.set_meta("schema_version", "99")
    for _ in range(2):  # the second attempt would find the lock held if the first leaked it
        with pytest.raises(StorageError, match="newer than this hf-lineage"):
            Database(db).acquire()


def test_a_version_1_database_keeps_its_checkpoints_when_migrated(tmp_path):
    db = tmp_path / "hub.duckdb"
    conn = duckdb.connect(str(db))
    conn.execute(migrations()[1])
    conn.execute("INSERT INTO meta VALUES ('schema_version', '1'), "
                 "('checkpoint:family:org:meta-llama', 'http://hub/next?cursor=x'), "
                 "('checkpoint:incremental:listing', 'done'), ('running:family', '3'), "
                 "('watermark:last_modified', '2025-01-01 00:00:00')")
    conn.close()
    with Database(db) as database:
        conn = database.conn
        assert sorted(conn.execute("SELECT * FROM checkpoints").fetchall()) == [
            ("family", "org:meta-llama", "http://hub/next?cursor=x"),
            ("incremental", "listing", "done")]
        assert database.runs.interrupted("family") == 3
        assert database.get_meta("watermark:last_modified") == "2025-01-01 00:00:00"
        assert conn.execute("SELECT count(*) FROM meta WHERE key LIKE 'checkpoint:%'"
                            ).fetchone()[0] == 0


def test_a_crawl_stores_its_roots_and_an_incremental_crawl_keeps_them(serve, tmp_path):
    serve(messy_family())
    roots = tmp_path / "mine.toml"
    roots.write_text('[families.mine]\nlabel = "Mine"\norganisations = ["meta-llama"]\n')
    db = tmp_path / "hub.duckdb"
    crawl(db, "family", client=fast_client(), roots_path=roots)
    crawl(db, "incremental", client=fast_client())  # no --roots: the stored ones
    with Database(db) as database:
        stored = stored_roots(database.get_meta)
    assert stored is not None and stored.families == {"mine": "Mine"}


def test_a_version_5_database_keeps_its_models_when_their_key_index_goes(tmp_path):
    db = tmp_path / "hub.duckdb"
    conn = duckdb.connect(str(db))
    for version in range(1, 6):
        conn.execute(migrations()[version])
    conn.execute("INSERT INTO meta VALUES ('schema_version', '5')")
    conn.execute("INSERT INTO models (id, sha, first_seen_run, last_seen_run) "
                 "VALUES ('a/kept', 's1', 1, 1), ('b/gone', 's2', 1, 1)")
    conn.execute("UPDATE models SET gone = true WHERE id = 'b/gone'")
    conn.close()
    with Database(db) as database:
        conn = database.conn
        assert conn.execute("SELECT id, sha, gone FROM models ORDER BY id").fetchall() == [
            ("a/kept", "s1", False), ("b/gone", "s2", True)]
        assert not conn.execute("SELECT count(*) FROM duckdb_indexes() "
                                "WHERE table_name = 'models'").fetchone()[0]
        assert not conn.execute("SELECT count(*) FROM duckdb_constraints() "
                                "WHERE table_name = 'models' AND constraint_type = 'PRIMARY KEY'"
                                ).fetchone()[0]
        conn.execute("INSERT INTO models (id) VALUES ('c/new')")  # the default survives
        assert conn.execute("SELECT gone FROM models WHERE id = 'c/new'").fetchone() == (False,)


def test_a_model_listed_again_is_merged_into_its_row(tmp_path):
    """models has no key: a model met again updates its one row, whatever the path."""
    from crawler.store import Tally

    with Database(tmp_path / "hub.duckdb") as database:
        first = database.runs.start("full")
        listing = database.listing
        listing.ingest_page('[{"id": "a/m", "sha": "s1", "downloads": 1}]', first, Tally())
        second = database.runs.start("full")
        listing.ingest_page('[{"id": "a/m", "sha": "s2", "downloads": 5},'
                            ' {"id": "b/n", "sha": "t1"}]', second, Tally())
        listing.ingest_page('[{"id": "a/m", "sha": "s2", "downloads": 6}]', second, Tally())
        assert database.conn.execute(
            "SELECT id, sha, downloads, first_seen_run, last_seen_run FROM models ORDER BY id"
        ).fetchall() == [("a/m", "s2", 6, first, second), ("b/n", "t1", None, second, second)]


def test_ids_the_hub_lists_are_requested_as_listed(serve, tmp_path):
    """Ids of 2020-2022 longer than huggingface_hub's 96 characters or ending in '.git' are
    real (the 2022 listing sample holds 13 of 2,944): their cards are fetched, the id quoted."""
    long_id = "espnet/kan-bayashi_jsut_tts_train_fastspeech2_transformer_teacher_raw_phn_" \
              "jaconv_pyopenjtalk_accent_train.loss.ave"
    assert len(long_id) > 96
    card = b"---\nlicense: mit\n---\nreal\n"
    serve(store_of([model_row(long_id, 0, card=card),
                    model_row("glasses/resnet200.git", 1, card=card)]))
    db = tmp_path / "hub.duckdb"
    assert crawl(db, "full", client=fast_client()).status == "ok"
    conn = duckdb.connect(str(db), read_only=True)
    cards = conn.execute("SELECT model_id, fetch_error, body FROM cards ORDER BY 1").fetchall()
    conn.close()
    assert cards == [(long_id, None, "real\n"), ("glasses/resnet200.git", None, "real\n")]


def test_declared_parents_that_name_no_repo_are_never_edges_and_stay_for_audit(serve, tmp_path):
    parent = "meta-llama/Llama-2-7b-hf"
    declared = {
        "a/none": ("None", ["base_model:None"]),
        "a/null": ("null", []),
        "a/paths": (["./models/x", "/cache/models/llama", parent], [f"base_model:{parent}"]),
        "a/url": ("https://example.com/models/x", []),
        "a/placeholder": ("[More Information Needed]", []),
    }
    serve(store_of([model_row(parent, 0)] + [
        model_row(child, n, card_data={"license": "mit", "base_model": base}, tags=tags)
        for n, (child, (base, tags)) in enumerate(declared.items(), start=1)]))
    db = tmp_path / "hub.duckdb"
    assert crawl(db, "full", client=fast_client()).status == "ok"
    conn = duckdb.connect(str(db), read_only=True)
    assert conn.execute("SELECT child, parent FROM edges").fetchall() == [("a/paths", parent)]
    conn.close()
    with connect(db) as analysis:
        refused = set(analysis.execute(
            "SELECT child, source, declared FROM declared_parents_refused").fetchall())
    assert refused == {("a/none", "card", "None"), ("a/none", "tag", "None"),
                       ("a/null", "card", "null"), ("a/paths", "card", "./models/x"),
                       ("a/paths", "card", "/cache/models/llama"),
                       ("a/url", "card", "https://example.com/models/x"),
                       ("a/placeholder", "card", "[More Information Needed]")}


def test_a_commit_that_leaves_a_large_log_checkpoints(tmp_path, monkeypatch):
    """DuckDB does not checkpoint after a transaction that deleted or updated rows, and their
    versions stay in the buffer pool until it does (at 3M models, a day's MERGE filled it): a
    commit that leaves the write-ahead log over CHECKPOINT_WAL_BYTES checkpoints."""
    from crawler.store import database as store

    with Database(tmp_path / "hub.duckdb") as db:
        wal = db.beside.wal
        with db.transaction() as tx:
            tx.execute("CREATE TABLE t AS SELECT range AS i, repeat('x', 50) AS s "
                       "FROM range(200000)")
        with db.transaction() as tx:  # under the threshold: left to DuckDB
            tx.execute("DELETE FROM t WHERE i % 2 = 0")
        assert wal.exists() and wal.stat().st_size > 0
        monkeypatch.setattr(store, "CHECKPOINT_WAL_BYTES", 1)
        with db.transaction() as tx:
            tx.execute("UPDATE t SET s = 'y' WHERE i % 3 = 0")
        assert not wal.exists() or wal.stat().st_size == 0
        assert db.conn.execute("SELECT count(*), count(*) FILTER (WHERE s = 'y') FROM t"
                               ).fetchone() == (100000, 33333)
