"""Several snapshots make a history: counts over time, first-seen dates, deleted models.

Three snapshots a month apart of a generated Hub are derived from its dump by DuckDB: the latest
is the dump less a few deleted models; each earlier one holds only the models created by its date,
those modified since at an older revision (lastModified at its date), and lower counts.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from analysis.db import connect
from analysis.snapshots import crawls, series
from crawler.imports import import_hub_stats
from hf_lineage.cli import main
from hf_lineage.errors import ConfigError
from tests.import_helpers import contents, derive, generated_dump, query, read

WEEKS = 3


@pytest.fixture(scope="module")
def weeks(tmp_path_factory) -> tuple[list[Path], list]:
    """Three snapshots, oldest first, and their dates (the newest lastModified of each)."""
    folder = tmp_path_factory.mktemp("weeks")
    store, dump = generated_dump(folder / "dump.parquet", 1500, seed=11)
    store.close()
    newest = read(f"SELECT max(lastModified) FROM read_parquet('{dump}')")[0][0]
    files = []
    for week in range(WEEKS):
        cutoff = newest - timedelta(days=30 * (WEEKS - 1 - week))
        deleted = "AND hash(id) % 75 <> 0" if week == WEEKS - 1 else ""
        files.append(derive(dump, folder / f"week-{week}.parquet", f"""
            SELECT * REPLACE (least(lastModified, TIMESTAMP '{cutoff}') AS lastModified,
                              downloads // {WEEKS - week} AS downloads,
                              likes // {WEEKS - week} AS likes)
            FROM dump WHERE createdAt <= TIMESTAMP '{cutoff}' {deleted}"""))
    dates = [read(f"SELECT max(lastModified) FROM read_parquet('{f}')")[0][0] for f in files]
    assert dates == sorted(dates) and len(set(dates)) == WEEKS
    return files, dates


def run(*args) -> object:
    return CliRunner().invoke(main, [str(a) for a in args])


def test_snapshots_in_any_order_build_the_history(weeks, tmp_path):
    files, dates = weeks
    db = tmp_path / "history.duckdb"
    result = run("import", "hub-stats", files[2], files[0], files[1], "--db", db)
    assert result.exit_code == 0, result.output
    # imported oldest first: one run per snapshot, dated by it
    assert query(db, "SELECT run_id, mode, started_at FROM crawl_runs ORDER BY run_id") == \
        [(i + 1, "import", date) for i, date in enumerate(dates)]
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == \
        [str(f) for f in files]
    # counts at each date; first seen at the first snapshot that lists the model
    assert query(db, "SELECT run_id, min(taken_at), max(taken_at) FROM snapshots "
                     "GROUP BY ALL ORDER BY 1") == [(i + 1, d, d) for i, d in enumerate(dates)]
    first_seen = query(db, """
        SELECT count(*) FILTER (WHERE m.first_seen_run <> f.first_run), count(*)
        FROM models m JOIN (SELECT model_id, min(run_id) AS first_run FROM snapshots
                            GROUP BY ALL) f ON f.model_id = m.id""")
    assert first_seen[0][0] == 0 and first_seen[0][1] == query(db, "SELECT count(*) FROM "
                                                               "models")[0][0]
    # the models the last snapshot no longer lists keep the run that last listed them; an
    # import marks nothing gone (the next full crawl asks the Hub)
    listed = read(f"SELECT count(*) FROM read_parquet('{files[2]}')")[0][0]
    assert query(db, "SELECT count(*) FROM models WHERE last_seen_run = 3") == [(listed,)]
    assert query(db, "SELECT count(*) FILTER (WHERE last_seen_run = 2), count(*) FILTER "
                     "(WHERE gone) FROM models")[0] == (query(db, "SELECT count(*) FROM "
                                                              "models")[0][0] - listed, 0)
    assert "stored models it does not list are left live" in result.stdout.splitlines()[-1]
    # the watermark is the newest snapshot's newest change
    assert query(db, "SELECT value FROM meta WHERE key = 'watermark:last_modified'") == \
        [(str(dates[-1]),)]
    # downloads over time follow the snapshots' dates
    conn = connect(db)
    try:
        assert list(crawls(conn)["run_id"]) == [1, 2, 3]
        family = series(conn, "family")
        totals = family.groupby("run_id")["downloads"].sum()
        assert list(totals.index) == [1, 2, 3] and totals.is_monotonic_increasing
    finally:
        conn.close()


def test_the_same_snapshots_again_change_nothing(weeks, tmp_path):
    files, _ = weeks
    db = tmp_path / "twice.duckdb"
    import_hub_stats(db, files)
    before = contents(db)
    results = import_hub_stats(db, list(reversed(files)))
    assert [r.stored for r in results] == [None] * WEEKS
    assert all("imported already" in r.note for r in results)
    assert contents(db) == before
    # a copy of a file (the same bytes elsewhere) is the same snapshot too
    copy = tmp_path / "copy.parquet"
    copy.write_bytes(files[1].read_bytes())
    assert import_hub_stats(db, [copy])[0].stored is None
    assert contents(db) == before


def test_an_older_snapshot_is_refused_and_nothing_changes(weeks, tmp_path):
    files, dates = weeks
    db = tmp_path / "newest.duckdb"
    import_hub_stats(db, [files[2]])
    before = contents(db)
    result = run("import", "hub-stats", files[0], "--db", db)
    assert result.exit_code == ConfigError.exit_code, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("error")]
    assert len(lines) == 1 and "older than the data the database holds" in lines[0]
    assert "--older-as-history" in lines[0]
    assert contents(db) == before
    # with a newer file in the same command: refused whole, before anything is written
    result = run("import", "hub-stats", files[0], files[1], "--db", tmp_path / "x.duckdb")
    assert result.exit_code == 0  # a new database: both in order
    assert run("import", "hub-stats", files[0], files[1], "--db", db).exit_code == 2
    assert contents(db) == before


def test_an_older_snapshot_is_placed_by_its_date_as_history(weeks, tmp_path):
    """--older-as-history: newest first, then the older ones, ends as the snapshots imported
    in order end: the same counts at the same dates, first-seen dates, and rows (each model's
    from the newest snapshot listing it); the current rows stay the newest snapshot's."""
    files, dates = weeks
    in_order = tmp_path / "in-order.duckdb"
    import_hub_stats(in_order, files)
    backwards = tmp_path / "backwards.duckdb"
    import_hub_stats(backwards, [files[2]])
    current = query(backwards, "SELECT * EXCLUDE (first_seen_run) FROM models ORDER BY id")
    result = run("import", "hub-stats", files[0], files[1], "--older-as-history",
                 "--db", backwards)
    assert result.exit_code == 0, result.output
    assert "added to the history only" in result.stdout
    assert query(backwards, "SELECT * EXCLUDE (first_seen_run) FROM models WHERE "
                            "last_seen_run = 1 ORDER BY id") == current
    assert query(backwards, "SELECT value FROM meta WHERE key = 'watermark:last_modified'") \
        == [(str(dates[-1]),)]
    by_date = """SELECT s.model_id, s.taken_at, s.downloads, s.likes FROM snapshots s
                 ORDER BY ALL"""
    assert query(backwards, by_date) == query(in_order, by_date)
    dated = """SELECT m.* EXCLUDE (first_seen_run, last_seen_run), f.started_at, l.started_at
               FROM models m JOIN crawl_runs f ON f.run_id = m.first_seen_run
               JOIN crawl_runs l ON l.run_id = m.last_seen_run ORDER BY ALL"""
    assert query(backwards, dated) == query(in_order, dated)
    for table in ("model_tags", "edges"):
        assert query(backwards, f"FROM {table} ORDER BY ALL") == \
            query(in_order, f"FROM {table} ORDER BY ALL")
    conn = connect(backwards)
    try:
        runs = crawls(conn)
        assert list(runs["taken_at"]) == sorted(runs["taken_at"]) and len(runs) == WEEKS
        assert list(runs["run_id"]) == [2, 3, 1]  # placed by date, not by id
    finally:
        conn.close()


def test_a_partial_dump_marks_nothing_gone(tmp_path):
    """A newer file holding a tenth of the models: the others are left as they are, live, with
    the run that last listed them (a listing that leaves a model out proves nothing), and the
    summary says how many."""
    from tests.import_helpers import SAMPLE

    db = tmp_path / "hub.duckdb"
    import_hub_stats(db, [SAMPLE])
    part = derive(SAMPLE, tmp_path / "part.parquet", """
        SELECT * REPLACE (lastModified + INTERVAL 150 DAY AS lastModified) FROM dump
        WHERE hash(id) % 10 = 0""")
    listed = read(f"SELECT count(*) FROM read_parquet('{part}')")[0][0]
    result = run("import", "hub-stats", part, "--db", db)
    assert result.exit_code == 0, result.output
    assert f"; {4167 - listed:,} stored models it does not list are left live" in result.stdout
    assert query(db, "SELECT count(*) FILTER (WHERE gone), count(*) FILTER (WHERE "
                     "last_seen_run = 1), count(*) FROM models") == [(0, 4167 - listed, 4167)]


def test_a_newer_snapshot_ends_as_if_imported_alone(tmp_path):
    """Snapshot B after A: models whose revision changed get B's rows, B's tags (tags added
    and removed) and B's edges (a card that drops its base_model loses the edge); the others
    keep theirs with B's counts. Models and tags end as B imported into a new database (run
    bookkeeping aside), and so do the edges, but for the names A taught the database to
    resolve (aliases are kept: B alone may not show how a card's old name was renamed)."""
    import duckdb

    from tests.import_helpers import SAMPLE

    later = derive(SAMPLE, tmp_path / "later.parquet", """
        SELECT * REPLACE (
            CASE WHEN hash(id) % 5 = 0 THEN lastModified + INTERVAL 30 DAY
                 ELSE lastModified END AS lastModified,
            CASE WHEN hash(id) % 10 = 0
                 THEN list_append(list_filter(tags, lambda t: t <> 'region:us'), 'retagged')
                 ELSE tags END AS tags,
            CASE WHEN hash(id) % 20 = 0 THEN json_object('license', 'mit')::VARCHAR
                 ELSE cardData END AS cardData,
            downloads + 7 AS downloads)
        FROM dump WHERE hash(id) % 50 <> 1""")
    both, alone = tmp_path / "both.duckdb", tmp_path / "alone.duckdb"
    import_hub_stats(both, [SAMPLE])
    (second,) = import_hub_stats(both, [later])
    import_hub_stats(alone, [later])
    assert second.stored.changed > 0 and second.stored.unlisted > 0
    listed = f"IN (SELECT id FROM read_parquet('{later}'))"
    models = f"SELECT * EXCLUDE (first_seen_run, last_seen_run) FROM models WHERE id {listed} " \
             "ORDER BY ALL"
    tags = f"SELECT * FROM model_tags WHERE model_id {listed} ORDER BY ALL"
    for sql in (models, tags):
        assert query(both, sql) == query(alone, sql)
    assert query(both, "SELECT count(*) FROM model_tags WHERE tag = 'retagged'")[0][0] > 0
    conn = duckdb.connect()
    conn.execute(f"ATTACH '{both}' AS b (READ_ONLY)")
    conn.execute(f"ATTACH '{alone}' AS a (READ_ONLY)")
    plain = ("child NOT IN (SELECT child FROM {0}.edges WHERE parent IN (SELECT canonical "
             "FROM b.aliases) OR parent_declared IS NOT NULL)")
    edges = "SELECT * FROM {0}.edges WHERE child " + listed + " AND " + plain + " ORDER BY ALL"
    assert conn.execute(edges.format("b")).fetchall() == conn.execute(edges.format("a")).fetchall()
    # children whose card no longer names a parent lost their card edges
    cleared = (f"SELECT l.id FROM read_parquet('{later}') l JOIN read_parquet('{SAMPLE}') s "
               "USING (id) WHERE l.cardData = '{\"license\":\"mit\"}' "
               "AND s.cardData LIKE '%base_model%'")
    assert conn.execute(f"SELECT count(*) FROM ({cleared})").fetchone()[0] > 0
    assert conn.execute(f"SELECT count(*) FROM b.edges WHERE source = 'card' AND child IN "
                        f"({cleared})").fetchone()[0] == 0
    conn.close()
