"""Imported snapshots of the Hub's listing into the tables a crawl fills: one transaction each.

An import is a run like a crawl (a `crawl_runs` row of mode 'import' whose started_at and
ended_at are the snapshot's date, and an `imports` row saying where it came from): the rows it
stores carry its run id as a crawl's do, so every row's provenance is one join away. The rows of
the dump are read by DuckDB straight from the Parquet file, as `crawler.imports` spells them
(the columns a listing page gives, `crawler.store.ingest`), and go through the crawl's own SQL
for tags, edges (canonical parents through `aliases`) and snapshots.

A snapshot newer than the data held (`apply`) replaces the rows of the models it lists. Into a
database holding none of them the rows are inserted straight from the file. Otherwise a model's
revision decides: a stored model whose lastModified is unchanged keeps its row, tags and edges
and gets the snapshot's counts (downloads, likes, trending score: its row rebuilt, see
`_counts`); a new model, or one whose lastModified changed, gets the snapshot's whole row, as an
incremental crawl relists what changed, and its tags and edges when they changed (a new model's,
or a changed one's whose tags or card did). Columns the dump lacks stay as stored for an
unchanged revision and are NULL for a changed one: never a guess. A count the dump leaves NULL
keeps the stored count, and a row without a usable lastModified keeps the stored revision (its
counts are still the snapshot's). Models the dump does not list are left as they are: a listing
that leaves a model out proves nothing on its own (docs/schema.md, "When a model is gone"), so
they keep the run that last listed them and the next full crawl asks the Hub about them.

An older snapshot is added to the history only (`add_history`): its counts as snapshots at its
date, earlier first-seen runs, and, in a database of the whole Hub, the models it lists that the
database does not hold (deleted since, most likely: the next full crawl asks), with that
snapshot's rows. The current rows, the watermark and the scope stay.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import duckdb

from crawler.clock import utcnow
from crawler.store import ingest, meta
from crawler.store.aliases import STORED, AliasStore

if TYPE_CHECKING:
    from crawler.store.database import Database

MODE = "import"


@dataclass(frozen=True)
class SnapshotFile:
    """A dump to import, as crawler.imports read it: where from, its date, and its rows."""

    source: str  # 'hub-stats'
    file: str
    file_bytes: int
    fingerprint: str
    as_of: datetime  # the snapshot's date
    dated_by: str  # 'as-of' or 'lastModified'
    newest_modified: datetime
    models: int  # models it lists, each once
    columns: tuple[str, ...]  # the file's columns read
    missing: tuple[str, ...]  # the file's names of what it lacks
    missing_targets: tuple[str, ...]  # the same as the crawl's columns
    select: str  # SQL: the crawl's rows, file_row_number and licenses
    duplicates: bool  # some model is listed twice (the newest listing is kept)


@dataclass(frozen=True)
class Held:
    """What the database holds, for dating a new snapshot against it."""

    watermark: datetime | None  # the newest lastModified its crawls and imports saw
    newest_import: datetime | None  # the date of the newest snapshot imported as current
    scope: str | None
    by_fingerprint: dict[str, tuple[int, datetime]]  # fingerprint -> (run, as_of)
    by_date: dict[datetime, tuple[int, str, int]]  # as_of -> (run, file, models)


@dataclass(frozen=True)
class Imported:
    """What one import stored."""

    run_id: int
    models: int  # models listed by the snapshot
    new: int
    changed: int  # stored models whose revision (lastModified) changed
    unlisted: int  # live models the database holds that the snapshot does not list
    history_only: bool


IMPORT_MEMORY = "512MB"  # DuckDB's buffer pool while an import runs (see `_counts`)

# The listed models that are new, or stored as another revision (lastModified differs): the
# ones whose whole row comes from the snapshot. Usually a small share of a listing, so kept
# apart, never a table of every listed model. A row without a usable lastModified (missing,
# before 2000 or in the future) says nothing of the revision: a stored model keeps its own.
_DIFF = """
CREATE OR REPLACE TEMP TABLE import_diff AS
SELECT p.id, m.id IS NULL AS new
FROM (SELECT id, last_modified FROM dump) p LEFT JOIN models m USING (id)
WHERE m.id IS NULL
   OR (p.last_modified IS NOT NULL AND m.last_modified IS DISTINCT FROM p.last_modified)
"""
# The same revision as stored, or a row that cannot say (no usable lastModified).
_SAME_REVISION = ("(p.last_modified IS NULL "
                  "OR m.last_modified IS NOT DISTINCT FROM p.last_modified)")
_CHANGED = "SELECT id FROM import_diff WHERE NOT new"
_NEW = "SELECT id FROM import_diff WHERE new"
# Of the stored models whose rows are rewritten (`{ids}`), those whose tags (compared as sets:
# their count and the sum of their hashes) or card metadata changed: their tags and edges are
# rewritten too. The others keep theirs: deleting a model's rows from tables of tens of
# millions marks a whole vector of each, which DuckDB holds in memory until the commit.
_RETAGGED = """
CREATE OR REPLACE TEMP TABLE import_retagged AS
SELECT p.id
FROM (SELECT id, tags, card_data FROM dump WHERE id IN ({ids})) p
JOIN models m USING (id)
LEFT JOIN (SELECT model_id AS id, count(*) AS n, sum(hash(tag)::HUGEINT) AS h FROM model_tags
           WHERE model_id IN ({ids}) GROUP BY model_id) t USING (id)
WHERE p.card_data IS DISTINCT FROM m.card_data
   OR coalesce(t.n, 0) <> len(list_filter(list_distinct(p.tags), lambda x: x <> ''))
   OR coalesce(t.h, 0) <> coalesce(list_sum(list_transform(
          list_filter(list_distinct(p.tags), lambda x: x <> ''), lambda x: hash(x)::HUGEINT)), 0)
"""
# The tags the snapshot gives the models whose tags changed.
_RETAGGED_TAGS = """
CREATE OR REPLACE TEMP TABLE import_tags AS
SELECT DISTINCT model_id, tag FROM (
    SELECT id AS model_id, unnest(tags) AS tag FROM dump
    WHERE id IN (SELECT id FROM import_retagged))
WHERE tag <> ''
"""
# Stored models an older snapshot lists whose rows come from a snapshot older still: that
# snapshot's rows are the newer view of them (models no later data lists).
_STALE = """
CREATE OR REPLACE TEMP TABLE import_stale AS
SELECT m.id FROM models m JOIN crawl_runs r ON r.run_id = m.last_seen_run
WHERE r.started_at < $as_of AND m.id IN (SELECT id FROM dump)
"""
# Listed models whose tags and edges come from the snapshot: new ones, and rewritten ones
# whose tags or card changed.
_REWRITTEN = f"{_NEW} UNION ALL SELECT id FROM import_retagged"
# The counts a listing refreshes whatever the revision.
COUNTS = ("downloads", "downloads_all_time", "likes", "trending_score")

_COLUMNS = ", ".join(ingest.MODEL_COLUMNS)

_SNAPSHOTS = "INSERT INTO snapshots SELECT $run_id, id, $as_of, downloads, likes FROM dump"

# The Hub's `baseModels`, as edges the Hub derived beside the tags (crawler.store.ingest).
_DERIVED = """(SELECT id AS child, unnest(base_model_parents) AS parent,
                      base_model_relation AS relation FROM page)"""
INSERT_EDGES = ("INSERT INTO edges (child, parent, relation, source, parent_declared, tagged) "
                + ingest.edges_of("page", _DERIVED))


class ImportStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def held(self) -> Held:
        conn = self.db.conn
        rows = conn.execute("SELECT i.run_id, i.fingerprint, i.as_of, i.file, i.history_only, "
                            "i.models FROM imports i ORDER BY run_id").fetchall()
        watermark = meta.read(conn, meta.WATERMARK)
        current = [as_of for _, _, as_of, _, history, _ in rows if not history]
        return Held(
            watermark=datetime.fromisoformat(watermark) if watermark else None,
            newest_import=max(current, default=None),
            scope=meta.read(conn, meta.SCOPE),
            by_fingerprint={fp: (run, as_of) for run, fp, as_of, _, _, _ in rows},
            by_date={as_of: (run, file, models) for run, _, as_of, file, _, models in rows},
        )

    # -- a snapshot newer than the data held ----------------------------------------------------
    def apply(self, snapshot: SnapshotFile, roots_text: str | None) -> Imported:
        """Store `snapshot` as the database's current data, in one transaction: models, tags,
        edges, snapshots, aliases and the state a crawl continues from (watermark,
        scope 'full', Hub size; `roots_text` when the database has no roots yet)."""
        with self._buffer_pool(), self.db.transaction() as tx:
            run_id = _start(tx, snapshot, history_only=False)
            _dump_view(tx, snapshot)
            new, changed = snapshot.models, 0
            if tx.execute("SELECT count(*) FROM models").fetchone()[0]:
                tx.execute(_DIFF)
                new, changed = tx.execute("SELECT count(*) FILTER (WHERE new), "
                                          "count(*) FILTER (WHERE NOT new) FROM import_diff"
                                          ).fetchone()
            held = snapshot.models - new
            if held:
                _rewrite(tx, snapshot, run_id, _CHANGED)
            _page(tx, _NEW if held else "")
            tx.execute(ingest.INSERT_MODELS, {"run_id": run_id})
            tx.execute(ingest.INSERT_TAGS)
            _page(tx, _REWRITTEN if held else "")
            tx.execute(INSERT_EDGES)
            tx.execute(_SNAPSHOTS, {"run_id": run_id, "as_of": snapshot.as_of})
            unlisted = tx.execute("SELECT count(*) FROM models WHERE NOT gone AND id NOT IN "
                                  "(SELECT id FROM dump)").fetchone()[0]
            AliasStore.learn_in(tx, STORED)
            AliasStore.apply_in(tx, STORED)
            if held:  # last: its updated values fill the buffer pool until the commit
                _counts(tx, snapshot, run_id)
            _continue_from(tx, snapshot, roots_text)
            _count(tx, run_id, snapshot.models, new, changed)
            _drop_temp(tx)
        return Imported(run_id, snapshot.models, new, changed, unlisted, history_only=False)

    @contextmanager
    def _buffer_pool(self) -> Iterator[None]:
        """The import's buffer pool (IMPORT_MEMORY), and no DuckDB progress bar on stderr
        (the command draws its own), for as long as it runs; then the writer's settings."""
        conn = self.db.conn
        before = conn.execute("SELECT current_setting('memory_limit'), "
                              "current_setting('enable_progress_bar')").fetchone()
        conn.execute(f"SET memory_limit = '{IMPORT_MEMORY}'")
        conn.execute("SET enable_progress_bar = false")
        try:
            yield
        finally:
            if self.db.open_connection() is conn:
                conn.execute(f"SET memory_limit = '{before[0]}'")
                conn.execute(f"SET enable_progress_bar = {str(before[1]).lower()}")

    # -- a snapshot older than the data held ----------------------------------------------------
    def add_history(self, snapshot: SnapshotFile) -> Imported:
        """Add an older `snapshot` to the history only, in one transaction: its counts (at
        its date); the first-seen run of the models it lists earlier than any run before; the
        rows of the models it lists whose rows come from a snapshot older still; and in a
        database of the whole Hub the models it lists that the database does not hold. Placed
        by date so, snapshots imported in any order end as imported oldest first."""
        with self._buffer_pool(), self.db.transaction() as tx:
            run_id = _start(tx, snapshot, history_only=True)
            _dump_view(tx, snapshot)
            tx.execute(_DIFF)
            params = {"as_of": snapshot.as_of, "run_id": run_id}
            # first seen earlier than any run before (a crawl's start, a snapshot's date)
            listed = ("first_seen_run IN (SELECT run_id FROM crawl_runs WHERE started_at > "
                      "$as_of AND run_id <> $run_id) AND id IN (SELECT id FROM dump)")
            if tx.execute(f"SELECT count(*) FROM models WHERE {listed}", params).fetchone()[0]:
                tx.execute(f"UPDATE models SET first_seen_run = $run_id WHERE {listed}", params)
            tx.execute(_STALE, {"as_of": snapshot.as_of})
            stale = tx.execute("SELECT count(*) FROM import_stale").fetchone()[0]
            tx.execute(_RETAGGED.format(ids="SELECT NULL"))  # none unless rows are rewritten
            if stale:
                _rewrite(tx, snapshot, run_id, "SELECT id FROM import_stale")
            new = 0
            if meta.read(tx, meta.SCOPE) == "full":
                new = tx.execute(f"SELECT count(*) FROM ({_NEW})").fetchone()[0]
                _page(tx, _NEW)
                tx.execute(ingest.INSERT_MODELS, {"run_id": run_id})
                tx.execute(ingest.INSERT_TAGS)
            _page(tx, _REWRITTEN if new else "SELECT id FROM import_retagged")
            tx.execute(INSERT_EDGES)
            held = tx.execute("SELECT count(*) FROM (SELECT id FROM dump) WHERE id IN "
                              "(SELECT id FROM models)").fetchone()[0] - new
            tx.execute(_SNAPSHOTS + " WHERE id IN (SELECT id FROM models)", params)
            AliasStore.learn_in(tx, STORED)
            AliasStore.apply_in(tx, STORED)
            _count(tx, run_id, held + new, new, stale)
            _drop_temp(tx)
        return Imported(run_id, held + new, new, stale, 0, history_only=True)


def _start(conn: duckdb.DuckDBPyConnection, snapshot: SnapshotFile, history_only: bool) -> int:
    """The import's run (dated by the snapshot) and its provenance row."""
    run_id = conn.execute("SELECT coalesce(max(run_id), 0) + 1 FROM crawl_runs").fetchone()[0]
    strategy = (f"{snapshot.source} as of {snapshot.as_of}"
                + (", history only" if history_only else ""))
    conn.execute(
        "INSERT INTO crawl_runs (run_id, mode, strategy, started_at, ended_at, status, requests, "
        "retries, models_seen, models_new, models_changed, models_gone, cards_fetched, "
        "cards_unavailable, errors) "
        "VALUES (?, ?, ?, ?, ?, 'ok', '{}', 0, 0, 0, 0, 0, 0, 0, 0)",
        [run_id, MODE, strategy, snapshot.as_of, snapshot.as_of])
    conn.execute(
        "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [run_id, snapshot.source, snapshot.file, snapshot.file_bytes, snapshot.fingerprint,
         snapshot.as_of, snapshot.dated_by, snapshot.newest_modified, snapshot.models,
         history_only, list(snapshot.columns), list(snapshot.missing), utcnow()])
    return run_id


def _dump_view(conn: duckdb.DuckDBPyConnection, snapshot: SnapshotFile) -> None:
    """The temp view `dump`: the file's rows, each model once (its newest listing, as a crawl
    keeps a model listed twice)."""
    conn.execute(f"CREATE OR REPLACE TEMP VIEW import_rows AS {snapshot.select}")
    keep = ""
    if snapshot.duplicates:
        conn.execute("""
            CREATE OR REPLACE TEMP TABLE import_dropped AS
            SELECT file_row_number FROM (
                SELECT id, last_modified, file_row_number FROM import_rows
                WHERE id IN (SELECT id FROM (SELECT id FROM import_rows)
                             GROUP BY id HAVING count(*) > 1))
            QUALIFY row_number() OVER (PARTITION BY id ORDER BY last_modified DESC NULLS LAST,
                                       file_row_number DESC) > 1""")
        keep = "WHERE file_row_number NOT IN (SELECT file_row_number FROM import_dropped)"
    conn.execute("CREATE OR REPLACE TEMP VIEW dump AS "
                 f"SELECT * EXCLUDE (file_row_number) FROM import_rows {keep}")


def _counts(conn: duckdb.DuckDBPyConnection, snapshot: SnapshotFile, run_id: int) -> None:
    """Stored models of an unchanged revision: the snapshot's counts (those it has; a NULL count
    keeps the stored one), and the run that saw them. Their rows are rebuilt (copied with
    the new counts, deleted, inserted back), not UPDATEd: DuckDB holds an UPDATE's new and
    old values in memory until the commit, which at 3M models grew from 1 s to 143 s by the
    tenth weekly snapshot at a 512 MB pool (the pool full, spilling); a rebuild's rows spill
    like any insert and cost about 10 s.
    """
    counts = [c for c in COUNTS if c not in snapshot.missing_targets]
    values = "".join(f"coalesce(p.{c}, m.{c}) AS {c}, " for c in counts)
    conn.execute(f"""
        CREATE OR REPLACE TEMP TABLE import_counted AS
        SELECT m.* REPLACE ({values}$run_id AS last_seen_run, false AS gone)
        FROM models m
        JOIN (SELECT id, last_modified{"".join(f", {c}" for c in counts)} FROM dump) p
          ON m.id = p.id AND {_SAME_REVISION}
        WHERE m.last_seen_run IS DISTINCT FROM $run_id""", {"run_id": run_id})
    conn.execute("DELETE FROM models WHERE id IN (SELECT id FROM import_counted) "
                 "AND last_seen_run IS DISTINCT FROM $run_id", {"run_id": run_id})
    conn.execute("INSERT INTO models SELECT * FROM import_counted")


def _rewrite(conn: duckdb.DuckDBPyConnection, snapshot: SnapshotFile, run_id: int,
             ids: str) -> None:
    """The stored models `ids` (SQL) get the snapshot's whole row, inserted beside the stored
    one, which is then deleted; a column the snapshot lacks keeps its stored value when the
    row is the same revision and is NULL otherwise; their first-seen run and any column a
    listing does not give are kept (m.*). Those whose tags or card metadata changed get the
    snapshot's tags, tag by tag (only the tags that went are deleted: a model's tags lie
    scattered over a table of tens of millions), and lose their edges (the snapshot's are
    inserted with the new models')."""
    conn.execute(_RETAGGED.format(ids=ids))
    values = ", ".join(
        f"CASE WHEN m.last_modified IS NOT DISTINCT FROM p.last_modified THEN m.{c} END AS {c}"
        if c in snapshot.missing_targets
        else f"coalesce(p.{c}, m.{c}) AS {c}" if c in COUNTS
        else f"p.{c} AS {c}" for c in ingest.MODEL_COLUMNS)
    conn.execute(f"""
        INSERT INTO models
        SELECT m.* REPLACE ({values}, $run_id AS last_seen_run, false AS gone)
        FROM dump p JOIN models m ON m.id = p.id
        WHERE p.id IN ({ids})""", {"run_id": run_id})
    conn.execute(f"DELETE FROM models WHERE id IN ({ids}) "
                 "AND last_seen_run IS DISTINCT FROM $run_id", {"run_id": run_id})
    conn.execute(_RETAGGED_TAGS)
    conn.execute("DELETE FROM model_tags t WHERE t.model_id IN (SELECT id FROM import_retagged) "
                 "AND NOT EXISTS (SELECT 1 FROM import_tags n WHERE n.model_id = t.model_id "
                 "AND n.tag = t.tag)")
    conn.execute("INSERT INTO model_tags SELECT model_id, tag FROM import_tags EXCEPT "
                 "SELECT model_id, tag FROM model_tags WHERE model_id IN "
                 "(SELECT id FROM import_retagged)")
    conn.execute("DELETE FROM edges WHERE child IN (SELECT id FROM import_retagged)")


def _page(conn: duckdb.DuckDBPyConnection, ids: str) -> None:
    """The temp view `page` the crawl's statements read: the dump's models `ids` (SQL), or
    all of them."""
    conn.execute("CREATE OR REPLACE TEMP VIEW page AS SELECT * FROM dump"
                 + (f" WHERE id IN ({ids})" if ids else ""))


def _continue_from(conn: duckdb.DuckDBPyConnection, snapshot: SnapshotFile,
                   roots_text: str | None) -> None:
    """The state an incremental crawl continues from: the newest lastModified the snapshot
    holds (never later than now, nor earlier than the watermark held), scope 'full' (a dump
    lists the whole Hub), the Hub's size (the models it lists), and the roots when none are
    stored."""
    stored = meta.read(conn, meta.WATERMARK)
    newest = min(snapshot.newest_modified, utcnow())
    if stored and datetime.fromisoformat(stored) > newest:
        newest = datetime.fromisoformat(stored)
    meta.write(conn, meta.WATERMARK, str(newest))
    meta.write(conn, meta.SCOPE, "full")
    meta.write(conn, meta.HUB_SIZE, str(snapshot.models))
    if roots_text is not None and meta.read(conn, meta.ROOTS) is None:
        meta.write(conn, meta.ROOTS, roots_text)


def _count(conn: duckdb.DuckDBPyConnection, run_id: int, seen: int, new: int,
           changed: int) -> None:
    conn.execute("UPDATE crawl_runs SET models_seen = ?, models_new = ?, models_changed = ? "
                 "WHERE run_id = ?", [seen, new, changed, run_id])


def _drop_temp(conn: duckdb.DuckDBPyConnection) -> None:
    for view in ("page", "dump", "import_rows"):
        conn.execute(f"DROP VIEW IF EXISTS {view}")
    for table in ("import_diff", "import_retagged", "import_tags", "import_stale",
                  "import_dropped", "import_counted"):
        conn.execute(f"DROP TABLE IF EXISTS {table}")
