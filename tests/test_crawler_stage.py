"""Listing pages staged on disk and parsed once: what each field becomes, and the stage's life."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb

from crawler.crawl import crawl
from crawler.store import Database, Tally
from crawler.store.meta import Checkpoints
from hub_double.faults import Fault
from tests.crawl_helpers import assert_same_tables, fast_client
from tests.hub_rows import numbered_store

# Fields of another type than the Hub's: each keeps the meaning today's ingest gives it.
ODD_ITEMS = [
    {"id": "a/strings", "downloads": "12", "likes": "x", "private": "true", "disabled": 1,
     "gated": False, "tags": "base_model:q/r", "siblings": "x", "config": [1], "gguf": "s",
     "cardData": {"license": ["Apache-2.0", "mit"], "license_name": 5, "license_link": "l"}},
    {"modelId": "b/model-id-only", "downloads": True, "trendingScore": "1e3", "gated": "auto",
     "tags": ["license:MIT", None, 7, "license:other"], "cardData": {"license": " Llama2 "},
     "siblings": [{"rfilename": "a.gguf"}, {"other": 1}, 5, {"rfilename": 7}],
     "createdAt": "2024-01-01T10:00:00+02:00", "lastModified": "2024-13-45T99:00:00Z"},
    {"id": "c/card-not-object", "cardData": [1, 2], "tags": ["license:mit"],
     "config": {"model_type": "llama"}, "gguf": {"architecture": "llama"}},
]


def stored(db: Path) -> dict[str, tuple]:
    conn = duckdb.connect(str(db), read_only=True)
    try:
        return {row[0]: row[1:] for row in conn.execute(
            "SELECT id, author, downloads, likes, trending_score, private, disabled, gated, "
            "license, license_name, license_link, card_data IS NOT NULL, siblings, config, "
            "gguf, created_at, last_modified FROM models").fetchall()}
    finally:
        conn.close()


def test_odd_field_types_mean_what_they_meant(serve, tmp_path):
    double = serve(numbered_store(1))
    double.faults.add(Fault("body", kinds={"list"}, body=json.dumps(ODD_ITEMS).encode(),
                            count=None))
    db = tmp_path / "hub.duckdb"
    assert crawl(db, "full", client=fast_client(), cards=False).status == "ok"
    rows = stored(db)
    assert rows["a/strings"][:14] == (
        "a", 12, None, None, True, True, None, "apache-2.0", None, "l", True, None, None, None)
    assert rows["b/model-id-only"][:14] == (
        None, None, None, 1000.0, None, None, "auto", "llama2", None, None, True,
        ["a.gguf", "7"], None, None)
    assert rows["b/model-id-only"][14:] == (datetime(2024, 1, 1, 8, 0), None)
    assert rows["c/card-not-object"][7:14] == (
        "mit", None, None, False, None, '{"model_type":"llama"}', '{"architecture":"llama"}')
    conn = duckdb.connect(str(db), read_only=True)
    tags = conn.execute("SELECT list(tag ORDER BY tag) FROM model_tags "
                        "WHERE model_id = 'b/model-id-only'").fetchone()[0]
    assert tags == ["7", "license:MIT", "license:other"]
    assert conn.execute("SELECT count(*) FROM model_tags WHERE model_id = 'a/strings'"
                        ).fetchone()[0] == 0


def test_a_crawl_leaves_no_stage_behind(serve, tmp_path):
    serve(numbered_store(50), page_size=10)
    db = tmp_path / "hub.duckdb"
    crawl(db, "full", client=fast_client(), cards=False)
    assert not Path(f"{db}.stage").exists()


def test_stale_page_files_of_a_killed_crawl_are_not_taken_for_pages(serve, tmp_path):
    serve(numbered_store(50), page_size=10)
    fresh = tmp_path / "fresh.duckdb"
    crawl(fresh, "full", client=fast_client(), cards=False)
    db = tmp_path / "hub.duckdb"
    stage = Path(f"{db}.stage")
    stage.mkdir()
    for seq in (1, 2, 9):  # written, never listed: a crawl killed before its batch committed
        (stage / f"{seq:08d}.json").write_text('[{"id": "stale/model"}]', encoding="utf-8")
    crawl(db, "full", client=fast_client(), cards=False)
    assert_same_tables(fresh, db, snapshots=False)
    assert not stage.exists()


def test_staged_pages_survive_until_applied(tmp_path):
    db_path = tmp_path / "hub.duckdb"
    checkpoints = Checkpoints("full")
    pages = [[{"id": f"o/m{i}-{j}", "tags": []} for j in range(3)] for i in range(4)]
    with Database(db_path) as db:
        run_id = db.runs.start("full")
        for i, page in enumerate(pages):
            db.listing.stage_page(json.dumps(page), checkpoints, "listing", f"next-{i}", run_id,
                                  Tally(requests={"list": 1}))
    with Database(db_path) as db:  # reopened: the batch was committed when the file closed
        assert db.listing.has_staged()
        assert checkpoints.read(db.conn, "listing") == "next-3"
        done = db.listing.apply_staged(run_id, Tally())
        assert done.seen == done.new == 12
        assert db.runs.record(run_id).requests == {"list": 4}
        assert not db.listing.has_staged()
    assert not Path(f"{db_path}.stage").exists()


def test_a_model_listed_twice_keeps_its_newest_listing_across_parts(tmp_path, monkeypatch):
    """The stage is applied in parts; a model edited while the listing was paged (listed in
    two parts) keeps its newest listing whichever part comes first, and counts once."""
    monkeypatch.setattr("crawler.store.listing.STAGE_PART_FILES", 1)  # a part per page
    db_path = tmp_path / "hub.duckdb"
    checkpoints = Checkpoints("full")

    def model(name: str, day: int, tag: str) -> dict:
        return {"id": name, "sha": f"sha-{day}", "lastModified": f"2024-01-{day:02d}T00:00:00.000Z",
                "tags": [tag, f"base_model:o/parent-{day}"]}

    pages = [[model("o/edited-later", 1, "old"), model("o/edited-earlier", 5, "new")],
             [model("o/other", 2, "x")],
             [model("o/edited-later", 5, "new"), model("o/edited-earlier", 1, "old")]]
    with Database(db_path) as db:
        run_id = db.runs.start("full")
        for i, page in enumerate(pages):
            db.listing.stage_page(json.dumps(page), checkpoints, "listing", f"next-{i}", run_id,
                                  Tally())
        done = db.listing.apply_staged(run_id, Tally())
        assert (done.seen, done.new) == (3, 3)
        rows = db.conn.execute(
            "SELECT m.id, m.sha, list(DISTINCT t.tag ORDER BY t.tag), list(DISTINCT e.parent) "
            "FROM models m JOIN model_tags t ON t.model_id = m.id "
            "JOIN edges e ON e.child = m.id GROUP BY ALL ORDER BY m.id").fetchall()
        snapshots = db.conn.execute("SELECT count(*) FROM snapshots").fetchone()[0]
    assert rows == [
        ("o/edited-earlier", "sha-5", ["base_model:o/parent-5", "new"], ["o/parent-5"]),
        ("o/edited-later", "sha-5", ["base_model:o/parent-5", "new"], ["o/parent-5"]),
        ("o/other", "sha-2", ["base_model:o/parent-2", "x"], ["o/parent-2"]),
    ]
    assert snapshots == 3
