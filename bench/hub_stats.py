"""Item 8: importing hub-stats snapshots, beside a full crawl of the same Hub through the double.

The generated Hub (bench.hubs, lineage share 0.35) is written once as a hub-stats
`models.parquet` (hub_double.hub_stats.write_hub_stats, in a child process) and nine later
weekly snapshots are derived from it by DuckDB (`weekly`): each week 5% of the models are
pushed to (a new lastModified inside the week; one in three of those also gets a new tag), 1%
are new (copies of existing models under new ids, created that week), 0.1% are deleted, and
every count grows. All files are cached under data/bench/.

In one run: a full crawl of the Hub through the double (no cards, as bench item 1), the import
of its dump into a new database (`hf-lineage import hub-stats`, a fresh process: its own time
and peak RSS), and the ten weekly snapshots imported by one command into another new database,
the way a researcher imports `snapshots/*/models.parquet`.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from bench.common import CACHE, Section, at_most, info, run_measured
from bench.hubs import cached_store
from bench.listing import crawl_full, fresh_db
from bench.worker import run_worker

IMPORT_SECONDS = 60
RSS_TARGET_MB = 1024
WEEKS = 10
WEEKS_SECONDS = 600
PUSHED, NEW, DELETED = 20, 100, 1000  # one model in PUSHED is pushed to a week, … (see above)


def dump_path(n_models: int, seed: int) -> Path:
    return CACHE / f"hub-stats-{n_models}-s{seed}" / "week-00.parquet"


def cached_dump(store: Path, n_models: int, seed: int) -> tuple[Path, float]:
    """The Hub's hub-stats dump, written once in a child process; (path, seconds)."""
    path = dump_path(n_models, seed)
    if path.exists():
        return path, 0.0
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    out = run_worker({"task": "hub_stats_dump", "store": str(store), "path": str(partial)})
    partial.rename(path)
    return path, out["seconds"]


def weekly(first: Path, weeks: int = WEEKS) -> list[Path]:
    """The first snapshot and the weeks after it, derived by DuckDB (cached)."""
    files = [first]
    conn = duckdb.connect(config={"memory_limit": "1GB"})
    conn.execute("SET enable_progress_bar = false")
    newest = conn.execute(f"SELECT max(lastModified) FROM read_parquet('{first}')"
                          ).fetchone()[0]
    for week in range(1, weeks):
        path = first.with_name(f"week-{week:02d}.parquet")
        if not path.exists():
            partial = path.with_suffix(".partial")
            conn.execute(f"COPY ({_week(first, week, newest)}) TO '{partial}' "
                         "(FORMAT parquet, ROW_GROUP_SIZE 100000)")
            partial.rename(path)
        files.append(path)
    conn.close()
    return files


def _week(first: Path, week: int, newest: object) -> str:
    """SQL: snapshot `week` (1…) of the Hub whose first snapshot is `first`."""
    def day(j: str) -> str:  # the end of week j
        return f"(TIMESTAMP '{newest}' + {j} * INTERVAL 7 DAY)"

    weeks = f"range(1, {week + 1})"
    pushed = f"list_filter({weeks}, lambda j: hash(id || 'push' || j) % {PUSHED} = 0)"
    retagged = f"list_filter({pushed}, lambda j: hash(id || 'tag' || j) % 3 = 0)"
    in_week = "INTERVAL (hash(id) % 500000) SECOND"  # a moment in the week (< 6 days)
    return f"""
        SELECT * REPLACE (
            coalesce({day(f'list_max({pushed})')} - {in_week}, lastModified) AS lastModified,
            list_concat(tags, list_transform({retagged}, lambda j: 'week-' || j)) AS tags,
            (downloads * (1 + 0.02 * {week}))::BIGINT AS downloads,
            (likes * (1 + 0.01 * {week}))::BIGINT AS likes)
        FROM read_parquet('{first}')
        WHERE hash(id || 'gone') % {DELETED} >= {week}
        UNION ALL
        SELECT * EXCLUDE (j) REPLACE (id || '-w' || j AS id,
                                      {day('j')} - {in_week} AS createdAt,
                                      {day('j')} - {in_week} AS lastModified)
        FROM (SELECT *, unnest({weeks}) AS j FROM read_parquet('{first}'))
        WHERE hash(id || 'new' || j) % {NEW} = 0"""


def hub_stats(n_models: int, seed: int) -> Section:
    section = Section(
        "8. hub-stats import",
        "python -m bench.run --only hub-stats",
        f"A generated Hub of {n_models:,} models (seed {seed}, lineage share 0.35), written as "
        "a hub-stats models.parquet, and nine weekly snapshots derived from it (5% of the "
        "models pushed to each week, a third of those with a new tag, 1% new, 0.1% deleted, "
        "every count growing). In one run: a full crawl of the Hub through the double (no "
        "cards), `hf-lineage import hub-stats` of the dump into a new database, and one "
        "command importing the ten weekly snapshots into another; each a fresh process.",
    )
    store, gen_s = cached_store(n_models, seed, 0.35)
    if gen_s:
        section.details.append(f"generated the {n_models:,}-model Hub in {gen_s:.0f} s (cached)")
    first, dump_s = cached_dump(store, n_models, seed)
    if dump_s:
        section.details.append(f"wrote its hub-stats dump in {dump_s:.0f} s (cached)")
    files = weekly(first)
    rows = [duckdb.connect().execute(f"SELECT count(*) FROM read_parquet('{f}')").fetchone()[0]
            for f in files]
    work = CACHE / "hub-stats-work"
    work.mkdir(exist_ok=True)

    crawled, _ = crawl_full(store, work / "crawl.duckdb")
    imported = run_measured(["import", "hub-stats", str(first),
                             "--db", str(fresh_db(work / "import.duckdb"))])
    _check(imported, "the import")
    history_db = fresh_db(work / "weeks.duckdb")
    history = run_measured(["import", "hub-stats", *map(str, files), "--db", str(history_db)])
    _check(history, "the weekly imports")

    section.figures += [
        at_most(f"import of the {rows[0]:,}-row dump: wall time", [imported.seconds], "s",
                IMPORT_SECONDS, note="the whole command: reading, checking, storing, the "
                "trees below the roots"),
        at_most(f"import of the {rows[0]:,}-row dump: peak RSS", [imported.peak_rss_mb], "MB",
                RSS_TARGET_MB),
        info("full crawl of the same Hub through the double: wall time", [crawled["wall_s"]],
             "s", note=f"{crawled['models_in_db']:,} models, no cards; peak RSS "
             f"{crawled['peak_rss_mb']:.0f} MB"),
        info("full crawl / import, wall time", [crawled["wall_s"] / imported.seconds], "x"),
        at_most(f"ten weekly snapshots ({min(rows):,} to {max(rows):,} rows), one command: "
                "wall time", [history.seconds], "s", WEEKS_SECONDS,
                note=f"{history.seconds / WEEKS:.0f} s a snapshot"),
        info("ten weekly snapshots: peak RSS", [history.peak_rss_mb], "MB"),
    ]
    section.details += _compare(work / "crawl.duckdb", work / "import.duckdb")
    section.details += _history(history_db)
    return section


def _check(run: object, what: str) -> None:
    if run.returncode != 0:  # type: ignore[attr-defined]
        raise RuntimeError(f"{what} failed: {run.stderr[-2000:]}")  # type: ignore[attr-defined]


def _compare(crawled: Path, imported: Path) -> list[str]:
    """What the import and the crawl hold, side by side."""
    conn = duckdb.connect()
    conn.execute(f"ATTACH '{crawled}' AS c (READ_ONLY)")
    conn.execute(f"ATTACH '{imported}' AS i (READ_ONLY)")
    counts = {}
    for db in ("c", "i"):
        counts[db] = conn.execute(
            f"SELECT (SELECT count(*) FROM {db}.models), (SELECT count(*) FROM {db}.model_tags),"
            f" (SELECT count(*) FROM {db}.edges), (SELECT count(license) FROM {db}.models)"
        ).fetchone()
    pairs = conn.execute(
        "SELECT count(*) FROM ((SELECT child, parent FROM c.edges EXCEPT ALL SELECT child, "
        "parent FROM i.edges) UNION ALL (SELECT child, parent FROM i.edges EXCEPT ALL "
        "SELECT child, parent FROM c.edges))").fetchone()[0]
    relations = conn.execute(
        "SELECT count(*) FROM c.edges a JOIN i.edges b USING (child, parent) "
        "WHERE a.relation <> b.relation").fetchone()[0]
    conn.close()
    label = "models, tag rows, edges, licenses"
    return [f"crawl: {label} {', '.join(f'{v:,}' for v in counts['c'])}; import: "
            f"{', '.join(f'{v:,}' for v in counts['i'])}; (child, parent) pairs in one only: "
            f"{pairs:,}; relations that differ: {relations:,} (the dump's baseModels states "
            "a relation where card and tags state none: docs/schema.md)"]


def _history(db: Path) -> list[str]:
    conn = duckdb.connect(str(db), read_only=True)
    runs = conn.execute("SELECT count(*), min(started_at), max(started_at) FROM crawl_runs"
                        ).fetchone()
    rows = conn.execute("SELECT count(*) FROM snapshots").fetchone()[0]
    gone = conn.execute("SELECT count(*) FILTER (WHERE gone), count(*) FROM models").fetchone()
    conn.close()
    size = db.stat().st_size / 1024 ** 3
    return [f"after the ten weekly snapshots: {runs[0]} runs dated {runs[1]} to {runs[2]}, "
            f"{rows:,} snapshot rows, {gone[1]:,} models of which {gone[0]:,} gone; database "
            f"file {size:.1f} GB"]
