"""The lineage below each configured root (`root_closure`), written once per run, when its
documented edges are final (after the listing and its canonical parents).

`hf-lineage tree ROOT` on a 2M-model Hub would otherwise walk all 1.5M edges once per generation
and count the hidden part of the tree on every call; computed here once per crawl, the tree of a
root is a filter on this table, which also holds what a node shows (license, downloads, its
place among its siblings). The walk goes level by level in ordinary statements, not one
recursive query, so DuckDB can spill under the writer's memory limit (the roots' closure holds
about 0.8M rows at 2M models). The rule is analysis.tree's: each model once, at its shortest
depth, under the smallest of its parents on the level above.

The marker (meta 'root_closure') records the run that wrote the table and the edges it saw, so a
reader can tell a closure that later writes made stale (`is_current`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import duckdb

from crawler.store import meta

if TYPE_CHECKING:
    from crawler.store.database import Database

# Documented edges as the analysis reads them without inference (analysis/lineage.sql).
_EDGES = ("(SELECT child, parent, coalesce(relation, 'unspecified') AS relation FROM edges "
          "WHERE child <> parent)")

# The roots known to the crawl (stored, or named as a parent): the tree of any other id fails.
_SEED = f"""
CREATE OR REPLACE TEMP TABLE _walk AS
SELECT DISTINCT r.root, r.root AS model_id, NULL::VARCHAR AS parent, NULL::VARCHAR AS relation,
       0 AS depth, 0::BIGINT AS descendants
FROM (SELECT unnest($roots) AS root) r
WHERE r.root IN (SELECT id FROM models) OR r.root IN (SELECT parent FROM {_EDGES})
"""

# One generation: the children of the last level not yet in the root's tree, each under its
# smallest parent of that level.
_LEVEL = f"""
INSERT INTO _walk
SELECT w.root, e.child, min(e.parent), arg_min(e.relation, e.parent), $depth, 0
FROM _walk w JOIN {_EDGES} e ON e.parent = w.model_id
WHERE w.depth = $depth - 1
  AND NOT EXISTS (SELECT 1 FROM _walk k WHERE k.root = w.root AND k.model_id = e.child)
GROUP BY w.root, e.child
"""

# Bottom up, one level at a time: a parent has its children and all of theirs below it.
_COUNT_LEVEL = """
UPDATE _walk SET descendants = _walk.descendants + k.n
FROM (SELECT root, parent, sum(descendants + 1) AS n FROM _walk WHERE depth = $depth
      GROUP BY root, parent) k
WHERE _walk.root = k.root AND _walk.model_id = k.parent
"""

_WRITE = f"""
INSERT INTO root_closure
WITH parents AS (SELECT child, count(*) AS n FROM {_EDGES} GROUP BY child)
SELECT w.root, w.model_id, w.parent, w.depth, w.relation, w.descendants, coalesce(p.n, 0),
       m.license, m.downloads, m.id IS NOT NULL,
       row_number() OVER (PARTITION BY w.root ORDER BY w.depth, w.descendants DESC,
                          coalesce(m.downloads, 0) DESC, w.model_id)
FROM _walk w
LEFT JOIN parents p ON p.child = w.model_id
LEFT JOIN models m ON m.id = w.model_id
ORDER BY w.root, w.depth, w.model_id
"""


class ClosureStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def write(self, run_id: int, roots: list[str]) -> int:
        """Replace the closure with the one below `roots` on today's edges, marked as written
        by `run_id`, in one transaction; returns its rows."""
        with self.db.transaction() as tx:
            tx.execute("DELETE FROM root_closure")
            tx.execute(_SEED, {"roots": roots})
            depth = 1
            while tx.execute(_LEVEL, {"depth": depth}).fetchone()[0]:
                depth += 1
            for level in range(depth - 1, 0, -1):
                tx.execute(_COUNT_LEVEL, {"depth": level})
            tx.execute(_WRITE)
            tx.execute("DROP TABLE _walk")
            edges = tx.execute("SELECT count(*) FROM edges").fetchone()[0]
            meta.write(tx, meta.CLOSURE, json.dumps({"run": run_id, "edges": edges}))
            return tx.execute("SELECT count(*) FROM root_closure").fetchone()[0]


def is_current(conn: duckdb.DuckDBPyConnection) -> bool:
    """Whether `root_closure` describes today's edges: the run that wrote it is the newest run
    (a later one may have changed edges) and edges has the rows it saw. A run writes it once
    its listing and canonical parents are in, after which it changes no edge (its card bodies
    and inference write other tables), so it serves while that run fetches its cards, and
    after it, however it ended. Cheap: no scan of edges."""
    try:
        marker = meta.read(conn, meta.CLOSURE)
        newest = conn.execute("SELECT run_id FROM crawl_runs "
                              "ORDER BY run_id DESC LIMIT 1").fetchone()
    except duckdb.CatalogException:  # not a crawler database (no meta or crawl_runs)
        return False
    if marker is None:
        return False
    written = json.loads(marker)
    edges = conn.execute("SELECT count(*) FROM edges").fetchone()[0]
    return newest is not None and newest[0] == written["run"] and edges == written["edges"]
