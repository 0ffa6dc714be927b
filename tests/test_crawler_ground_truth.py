"""Crawls checked against answers known independently: the generator's ground truth and the
real family trees captured from the Hub."""

from __future__ import annotations

import duckdb
import pytest
import yaml

from crawler.crawl import crawl
from hub_double.generator import generated_store
from hub_double.samples import sample_records, samples_store
from tests.crawl_helpers import assert_same_tables, fast_client


@pytest.fixture(scope="module")
def generated():
    return generated_store(3000, seed=11)


def _set(conn, sql: str) -> set:
    return set(conn.execute(sql).fetchall())


def test_family_crawl_finds_exactly_the_ground_truth(serve, generated, tmp_path):
    serve(generated)
    db = tmp_path / "family.duckdb"
    summary = crawl(db, "family", client=fast_client())
    assert summary.strategy == "filters"
    truth = generated.cursor()
    conn = duckdb.connect(str(db), read_only=True)
    family = _set(truth, "SELECT id FROM truth_models WHERE family IS NOT NULL")
    assert _set(conn, "SELECT id FROM models") == family
    truth_edges = _set(truth, "SELECT child, parent, relation FROM truth_edges "
                              "WHERE documented AND child IN (SELECT id FROM truth_models "
                              "WHERE family IS NOT NULL)")
    assert _set(conn, "SELECT child, parent, relation FROM edges") == truth_edges
    # the hard cases are really there, and right
    merges = conn.execute("SELECT count(DISTINCT child) FROM edges WHERE relation = 'merge' "
                          "GROUP BY ALL").fetchone()[0]
    missing = _set(conn, "SELECT parent FROM edges WHERE parent NOT IN (SELECT id FROM models)")
    truly_missing = _set(truth, "SELECT parent FROM truth_edges WHERE NOT parent_exists AND "
                                "documented AND "
                                "child IN (SELECT id FROM truth_models WHERE family IS NOT NULL)")
    tag_only = conn.execute("SELECT count(*) FROM edges WHERE source = 'tag' "
                            "AND relation <> 'unspecified'").fetchone()[0]
    assert merges > 10 and tag_only > 5 and truly_missing and truly_missing <= missing
    licenses = _set(truth, "SELECT id, license FROM truth_models WHERE family IS NOT NULL")
    assert _set(conn, "SELECT id, license FROM models") == licenses
    both = _set(truth, "SELECT id FROM truth_models WHERE family = 'both'")
    assert len(both) > 5  # DeepSeek-R1-Distill-Llama and its descendants were reached


def test_listing_road_equals_the_filter_road(serve, generated, tmp_path):
    double = serve(generated)
    by_filters = tmp_path / "filters.duckdb"
    crawl(by_filters, "family", client=fast_client(), cards=False)
    double.log.reset()
    by_listing = tmp_path / "listing.duckdb"
    summary = crawl(by_listing, "family", client=fast_client(), cards=False, hub_size=3000)
    assert summary.strategy == "listing"
    # roots' organisations, one generation of filters, then 3 pages of 1,000
    assert double.log.counts()["list"] < 200
    assert_same_tables(by_filters, by_listing, snapshots=False)


def test_full_crawl_stores_every_model(serve, generated, tmp_path):
    """Every model, and every edge to its canonical parent: the cards' old names, legacy ids,
    other cases and local paths (truth_aliases) resolved; the Hub asked once at most about each
    distinct name the listing did not answer, and never again by the next crawl."""
    double = serve(generated)
    db = tmp_path / "full.duckdb"
    crawl(db, "full", client=fast_client(), cards=False)
    conn = duckdb.connect(str(db), read_only=True)
    assert _set(conn, "SELECT id FROM models") == _set(generated.cursor(),
                                                       "SELECT id FROM models")
    every_edge = _set(generated.cursor(),
                      "SELECT child, parent, relation FROM truth_edges WHERE documented")
    assert _set(conn, "SELECT child, parent, relation FROM edges") == every_edge
    hows = _set(generated.cursor(), "SELECT DISTINCT how FROM truth_aliases")
    assert hows == {("legacy",), ("renamed",), ("case",), ("local_path",)}
    listed = _set(generated.cursor(), "SELECT id FROM models")
    infos = [e for e in double.log.entries if e.kind == "info"]
    names = [e.path.removeprefix("/api/models/") for e in infos]
    unlisted = [name for name in names if (name,) not in listed]
    assert unlisted and len(unlisted) == len(set(unlisted))  # each name asked once
    # the other requests follow a renamed repo's 307 to its new id
    assert len(names) - len(unlisted) == sum(e.status == 307 for e in infos) > 0
    conn.close()
    double.log.reset()
    crawl(db, "full", client=fast_client(), cards=False)
    assert double.log.counts()["info"] == 0


SAMPLE_ROOTS = """
[families.llama]
label = "LLaMA"
[families.deepseek]
label = "DeepSeek"
[[releases]]
family = "llama"
name = "Llama 2"
released = "2023-07-18"
models = ["meta-llama/Llama-2-7b"]
[[releases]]
family = "llama"
name = "Llama 4"
released = "2025-04-05"
models = ["meta-llama/Llama-4-Scout-17B-16E"]
[[releases]]
family = "deepseek"
name = "DeepSeek-V3"
released = "2024-12-26"
models = ["deepseek-ai/DeepSeek-V3"]
"""


def _headers(records: dict[str, dict]) -> dict[str, dict]:
    """The YAML header of every captured card that has one."""
    return {i: yaml.safe_load(r["card"].split("---", 2)[1]) or {} for i, r in records.items()
            if isinstance(r.get("card"), str) and r["card"].startswith("---")}


def _named(value: object) -> list[str]:
    """base_model as a list of ids (a string, or the strings of a list)."""
    return [value] if isinstance(value, str) else [v for v in value or [] if isinstance(v, str)]


def test_real_family_trees_are_crawled_completely_and_exactly(serve, tmp_path):
    store = samples_store()
    serve(store)
    roots = tmp_path / "roots.toml"
    roots.write_text(SAMPLE_ROOTS)
    db = tmp_path / "samples.duckdb"
    crawl(db, "family", roots_path=roots, client=fast_client())
    conn = duckdb.connect(str(db), read_only=True)
    records = {r["id"]: r for r in sample_records()}
    assert _set(conn, "SELECT id FROM models") == {(i,) for i in records}
    # every edge the records' tags state, with its relation…
    tag_edges = _set(store.cursor(), "SELECT child, parent, relation FROM truth_edges")
    stored = _set(conn, "SELECT child, parent, relation FROM edges")
    assert tag_edges <= stored
    # …and nothing else but the extra parents some cards name in their YAML
    headers = _headers(records)
    card_edges = {(i, p) for i, h in headers.items() for p in _named(h.get("base_model"))}
    assert {(c, p) for c, p, _ in stored - tag_edges} <= card_edges
    # declared licenses as captured
    declared = {i: h["license"].lower() for i, h in headers.items()
                if isinstance(h.get("license"), str)}
    licenses = dict(conn.execute("SELECT id, license FROM models").fetchall())
    assert len(declared) >= 100
    assert {i: licenses[i] for i in declared} == declared
    # every captured card fetched as captured, but the gated ones
    outcomes = dict(conn.execute("SELECT model_id, coalesce(fetch_error, body) FROM cards"
                                 ).fetchall())
    gated = {i for i, r in records.items() if (r["metadata"] or {}).get("gated")}
    assert len(headers.keys() & gated) >= 5
    assert {i: outcomes[i] for i in headers.keys() & gated} == dict.fromkeys(
        headers.keys() & gated, "gated")
    fetched = headers.keys() - gated
    assert len(fetched) >= 100
    assert [i for i in fetched if not records[i]["card"].endswith(outcomes[i])] == []
