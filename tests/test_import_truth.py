"""An imported hub-stats snapshot holds what a full crawl of the same models stores.

The Hub double serves the dump's rows as a Hub (hub_double/hub_stats.py), the crawler lists
them over real HTTP; the import reads the file. Models, tags, edges (relations, sources,
canonical parents) and licenses must be equal; the only disagreements allowed are the columns
the dump does not carry, which the import leaves NULL. Then the continuation: an incremental
crawl after an import lists only what changed and fetches only those cards, and ends where a
full crawl of the changed Hub ends.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from crawler.crawl import crawl
from crawler.http import requestable
from crawler.imports import import_hub_stats
from hub_double.hub_stats import hub_stats_store
from tests.crawl_helpers import fast_client
from tests.hub_rows import model_row
from tests.import_helpers import NOT_IN_DUMPS, NOT_IN_SAMPLE, SAMPLE, generated_dump, query

BOOKKEEPING = ("first_seen_run", "last_seen_run")


def differing(crawled: Path, imported: Path) -> dict[str, int]:
    """Per column of `models`, the models whose value differs between the two databases
    (a model in one only counts under 'id'); and the tag and edge rows in one only."""
    conn = duckdb.connect()
    conn.execute(f"ATTACH '{crawled}' AS c (READ_ONLY)")
    conn.execute(f"ATTACH '{imported}' AS i (READ_ONLY)")
    columns = [r[0] for r in conn.execute("DESCRIBE c.models").fetchall()]
    found = {}
    for column in columns:
        test = ("a.id IS NULL OR b.id IS NULL" if column == "id"
                else f"a.{column}::VARCHAR IS DISTINCT FROM b.{column}::VARCHAR")
        found[column] = conn.execute(
            f"SELECT count(*) FROM c.models a FULL JOIN i.models b USING (id) WHERE {test}"
        ).fetchone()[0]
    for table in ("model_tags", "edges"):
        found[table] = conn.execute(
            f"SELECT count(*) FROM ((FROM c.{table} EXCEPT ALL FROM i.{table}) "
            f"UNION ALL (FROM i.{table} EXCEPT ALL FROM c.{table}))").fetchone()[0]
    conn.close()
    return {name: n for name, n in found.items() if n}


@pytest.fixture(scope="module")
def sample_dbs(tmp_path_factory) -> tuple[Path, Path]:
    """(full crawl of the sample served by the double, import of the sample)."""
    from hub_double.server import HubDouble

    folder = tmp_path_factory.mktemp("sample")
    store = hub_stats_store(SAMPLE)
    crawled = folder / "crawled.duckdb"
    with HubDouble(store) as double:
        crawl(crawled, "full", client=fast_client(endpoint=double.url), cards=False)
    store.close()
    imported = folder / "imported.duckdb"
    import_hub_stats(imported, [SAMPLE])
    return crawled, imported


def test_the_real_sample_imports_as_a_full_crawl_stores_it(sample_dbs):
    crawled, imported = sample_dbs
    disagree = differing(*sample_dbs)
    # every model, tag, edge (relation, source, canonical parent) and license agrees; only
    # what the dump does not carry differs, and the import left it NULL
    assert set(disagree) - set(BOOKKEEPING) <= set(NOT_IN_SAMPLE), disagree
    for column in NOT_IN_SAMPLE:
        assert query(imported, f"SELECT count({column}) FROM models") == [(0,)]
    assert query(crawled, "SELECT count(*), count(DISTINCT license) FROM models") == \
        query(imported, "SELECT count(*), count(DISTINCT license) FROM models") == [(4167, 27)]
    edges = "SELECT relation, count(*) FROM edges GROUP BY ALL ORDER BY ALL"
    assert query(crawled, edges) == query(imported, edges)
    assert dict(query(imported, edges))["merge"] > 3000  # the sample's many merges


def test_the_sample_s_base_models_are_its_edges(sample_dbs):
    """baseModels (the Hub's own list of parents) and the base_model tags agree on the real
    sample: each baseModels parent is an edge, with its relation (six models name themselves:
    no edge, as for a card naming its own repo)."""
    _, imported = sample_dbs
    missing = query(imported, f"""
        SELECT count(*) FROM (
            SELECT id AS child, unnest(baseModels.models).id AS parent,
                   baseModels.relation AS relation
            FROM read_parquet('{SAMPLE}')) b
        LEFT JOIN aliases a ON a.alias = b.parent
        WHERE b.child <> b.parent AND NOT EXISTS (SELECT 1 FROM edges e WHERE e.child = b.child
                          AND e.parent = coalesce(a.canonical, b.parent)
                          AND e.relation = b.relation)""")
    assert missing == [(0,)]


def test_provenance_of_every_row(sample_dbs):
    _, imported = sample_dbs
    assert query(imported, "SELECT mode, status, started_at FROM crawl_runs") == \
        [("import", "ok", datetime(2026, 5, 20, 18, 24, 8))]
    row = query(imported, "SELECT source, dated_by, as_of, models, missing FROM imports")
    assert row == [("hub-stats", "lastModified", datetime(2026, 5, 20, 18, 24, 8), 4167,
                    list(NOT_IN_SAMPLE))]
    # each row names its run; the run its source and date
    assert query(imported, """
        SELECT count(*) FROM models m JOIN imports i ON i.run_id = m.last_seen_run
        WHERE m.first_seen_run = i.run_id""") == [(4167,)]
    assert query(imported, "SELECT count(*), min(taken_at), max(taken_at) FROM snapshots") == \
        [(4167, datetime(2026, 5, 20, 18, 24, 8), datetime(2026, 5, 20, 18, 24, 8))]


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, Path, Path]:
    """(the dump of a generated Hub, a full crawl of that Hub through the double, its import)."""
    from hub_double.server import HubDouble

    folder = tmp_path_factory.mktemp("generated")
    store, dump = generated_dump(folder / "models.parquet", 2000, seed=5)
    crawled = folder / "crawled.duckdb"
    with HubDouble(store) as double:
        crawl(crawled, "full", client=fast_client(endpoint=double.url), cards=False)
    store.close()
    imported = folder / "imported.duckdb"
    import_hub_stats(imported, [dump])
    return dump, crawled, imported


def test_a_generated_hub_imports_as_a_full_crawl_stores_it(generated):
    """The dump of a generated Hub (siblings, config and gguf included) against a full crawl
    of it: equal but for what the dump lacks, and for one thing the dump has that a listing
    does not: `baseModels`, whose relation the Hub states for every parent. Where a model's
    card and tags name a parent without a relation, a crawl stores 'unspecified' and the
    import the Hub's relation."""
    dump, crawled, imported = generated
    disagree = differing(crawled, imported)
    assert set(disagree) - {*BOOKKEEPING, "edges"} <= set(NOT_IN_DUMPS), disagree
    assert_edges_differ_by_base_models(crawled, imported, dump, disagree["edges"])


def assert_edges_differ_by_base_models(crawled: Path, imported: Path, dump: Path,
                                       rows: int) -> None:
    """The same (child, parent) pairs, sources and spellings; relations differ only where the
    crawl stored 'unspecified' and the dump's baseModels states the relation (`rows`: the
    differing edge rows, both sides)."""
    conn = duckdb.connect()
    conn.execute(f"ATTACH '{crawled}' AS c (READ_ONLY)")
    conn.execute(f"ATTACH '{imported}' AS i (READ_ONLY)")
    pairs = "SELECT child, parent, source, parent_declared, tagged FROM {}.edges"
    assert conn.execute(f"SELECT count(*) FROM (({pairs.format('c')} EXCEPT ALL "
                        f"{pairs.format('i')}) UNION ALL ({pairs.format('i')} EXCEPT ALL "
                        f"{pairs.format('c')}))").fetchone()[0] == 0
    relations = conn.execute(f"""
        SELECT a.relation, b.relation = d.baseModels.relation, count(*)
        FROM c.edges a JOIN i.edges b USING (child, parent)
        JOIN read_parquet('{dump}') d ON d.id = a.child
        WHERE a.relation <> b.relation GROUP BY ALL""").fetchall()
    conn.close()
    assert relations and all(crawl_says == "unspecified" and from_base_models
                             for crawl_says, from_base_models, _ in relations), relations
    assert sum(n for *_, n in relations) == rows // 2


def test_incremental_crawl_continues_an_import(serve, tmp_path):
    """After an import, `crawl --mode incremental` lists only the changed models (newest
    first, down to the snapshot's newest change), fetches only their cards, asks the Hub once
    about each parent name the dump could not resolve, and ends as a full crawl of the changed
    Hub ends."""
    store, dump = generated_dump(tmp_path / "models.parquet", 2000, seed=6)
    db = tmp_path / "continued.duckdb"
    import_hub_stats(db, [dump])
    names = [row[0] for row in query(
        db, "SELECT DISTINCT parent FROM edges WHERE parent NOT IN (SELECT id FROM models) "
            "AND parent NOT IN (SELECT alias FROM aliases)")]
    changed = [row[0] for row in store.cursor().execute(
        "SELECT id FROM models WHERE NOT coalesce(private, false) ORDER BY idx "
        "LIMIT 9 OFFSET 100").fetchall()]
    new = [f"new/model-{i}" for i in range(3)]
    double = serve(store, page_size=50)
    after = query(db, "SELECT max(last_modified) FROM models")[0][0] + timedelta(days=1)
    store.touch(changed, when=after)
    store.add_models(pd.DataFrame([model_row(name, last_modified=after, created_at=after)
                                   for name in new]))
    double.log.reset()

    summary = crawl(db, "incremental", client=fast_client())

    counts = double.log.counts()
    k = len(changed) + len(new)
    assert counts["list"] <= -(-k // 50) + 1
    assert counts["resolve"] == k  # the changed and new models' cards, no other
    assert counts["info"] == sum(map(requestable, names)) > 0  # each name asked once
    assert summary.models_new == len(new) and summary.models_seen == k
    assert query(db, "SELECT count(*) FROM cards") == [(k,)]
    assert query(db, "SELECT value FROM meta WHERE key = 'watermark:last_modified'") == \
        [(str(after),)]

    fresh = tmp_path / "fresh.duckdb"
    crawl(fresh, "full", client=fast_client(), cards=False)
    disagree = differing(fresh, db)
    assert set(disagree) - {*BOOKKEEPING, "edges"} <= set(NOT_IN_DUMPS), disagree
    assert_edges_differ_by_base_models(fresh, db, dump, disagree["edges"])
    # the relisted models carry what a crawl reads and the dump lacks
    assert query(db, "SELECT count(*) FROM models WHERE sha IS NOT NULL AND private IS NOT "
                     "NULL") == [(k,)]
    store.close()


def test_the_analysis_reads_an_import_as_a_crawl(generated, tmp_path):
    """Every analysis command runs on an imported database; the lineage figures (family sizes,
    license drift, a root's tree) are those of the full crawl of the same Hub (the relations
    aside, where the dump's baseModels states one: above)."""
    from click.testing import CliRunner

    from analysis import licenses, metrics
    from analysis.db import connect
    from analysis.tree import family_tree
    from hf_lineage.cli import main

    _, crawled, imported = generated
    root = "meta-llama/Llama-3.1-8B"
    figures = []
    for db in (crawled, imported):
        conn = connect(db)
        try:
            tree = family_tree(conn, root, 3)
            figures.append((metrics.sizes(conn, "family").to_dict("records"),
                            licenses.drift(conn, "family").to_dict("records"),
                            tree.descendants, sorted((n.model_id, n.depth) for n in tree.nodes)))
        finally:
            conn.close()
    assert figures[0] == figures[1] and figures[0][2] > 10
    for args in (["tree", root], ["anatomy", "--format", "csv"], ["timeline"],
                 ["roots"], ["report", "--out", tmp_path / "report"],
                 ["export", "--parquet", tmp_path / "export"],
                 ["sql", "SELECT count(*) FROM family_members"]):
        result = CliRunner().invoke(main, [*map(str, args), "--db", str(imported)])
        assert result.exit_code == 0, (args, result.output)
