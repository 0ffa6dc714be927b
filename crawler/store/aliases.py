"""Canonical repo ids: what the database knows of the names parents are written with.

The `aliases` table maps a name as written (in a card, a tag, a file) to the repo's canonical
id. It is learned three ways, cheapest first, and each distinct name is resolved once, ever:
- `tag`: a child's card names a parent its Hub tags do not, and the tags name one the card does
  not: the tag is the Hub's resolution of the card's spelling (paired when the two differ only
  in case, or when each side has exactly one such name);
- `case`: a name differs only in case from a known repo id (the Hub's ids are case-insensitive);
- `hub`, `not_found`, `invalid`: the Hub was asked (crawler/lineage/canonical.py).
Edges are then rewritten so that no child has two parents that are spellings of one repo.

Every statement runs on an edges-shaped relation (child, parent, source, tagged, relation,
parent_declared) and a set of known ids, so the same rules serve the stored `edges` and a family
crawl's staged graph before its closure is taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb

from crawler.clock import utcnow

if TYPE_CHECKING:
    from crawler.store.database import Database


@dataclass(frozen=True)
class Graph:
    """Where the rules read: an edges-shaped table and a query of the known repo ids."""

    edges: str
    ids: str


STORED = Graph(edges="edges", ids="SELECT id FROM models")
STAGED = Graph(edges="staged_edges",
               ids="SELECT id FROM models UNION SELECT id FROM staged_listing")

_LEARN_FROM_TAGS = """
INSERT INTO aliases
WITH card_only AS (
    SELECT child, parent FROM {edges}
    WHERE source = 'card' AND NOT coalesce(tagged, false) AND parent NOT IN ({ids})
),
tag_only AS (SELECT child, parent FROM {edges} WHERE source = 'tag'),
sides AS (
    SELECT child, count(*) AS n FROM card_only GROUP BY child
),
tag_sides AS (
    SELECT child, count(*) AS n FROM tag_only GROUP BY child
),
pairs AS (
    SELECT c.parent AS alias, t.parent AS canonical
    FROM card_only c JOIN tag_only t USING (child)
    JOIN sides s USING (child) JOIN tag_sides ts USING (child)
    WHERE lower(c.parent) = lower(t.parent) OR (s.n = 1 AND ts.n = 1)
)
SELECT alias, any_value(canonical), 'tag', $now FROM pairs
WHERE alias NOT IN (SELECT alias FROM aliases)
GROUP BY alias HAVING count(DISTINCT canonical) = 1
"""

_LEARN_FROM_CASE = """
INSERT INTO aliases
WITH missing AS (
    SELECT DISTINCT parent FROM {edges}
    WHERE parent NOT IN ({ids}) AND parent NOT IN (SELECT alias FROM aliases)
),
known AS (SELECT id, lower(id) AS folded FROM ({ids}) AS k(id))
SELECT m.parent, any_value(k.id), 'case', $now
FROM missing m JOIN known k ON k.folded = lower(m.parent)
GROUP BY m.parent HAVING count(*) = 1
"""

_UNRESOLVED = """
SELECT DISTINCT parent FROM {edges}
WHERE parent NOT IN ({ids}) AND parent NOT IN (SELECT alias FROM aliases)
  AND (NOT contains(parent, '/') OR lower(split_part(parent, '/', 1)) IN (SELECT unnest($orgs))
       OR $everything)
ORDER BY parent
"""

# The children whose edges name a parent by an alias, rebuilt with canonical parents: one row
# per (child, canonical parent), the card's relation first.
_REBUILD = """
CREATE OR REPLACE TEMP TABLE rebuilt AS
WITH affected AS (
    SELECT DISTINCT e.child FROM {edges} e
    JOIN aliases a ON a.alias = e.parent AND a.canonical IS NOT NULL AND a.canonical <> e.parent
),
mapped AS (
    SELECT e.child, coalesce(a.canonical, e.parent) AS parent, e.relation, e.source, e.tagged,
           coalesce(e.parent_declared,
                    CASE WHEN a.canonical IS NOT NULL AND a.canonical <> e.parent
                         THEN e.parent END) AS declared
    FROM {edges} e LEFT JOIN aliases a ON a.alias = e.parent AND a.canonical IS NOT NULL
    WHERE e.child IN (SELECT child FROM affected)
)
SELECT child, parent,
       coalesce(max(relation) FILTER (WHERE source = 'card' AND relation <> 'unspecified'),
                max(relation) FILTER (WHERE relation <> 'unspecified'), 'unspecified')
           AS relation,
       CASE WHEN bool_or(source = 'card') THEN 'card' ELSE 'tag' END AS source,
       min(declared) AS parent_declared,
       bool_or(coalesce(tagged, false)) AS tagged
FROM mapped WHERE child <> parent
GROUP BY child, parent
"""


class AliasStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def learn(self, graph: Graph = STORED) -> None:
        """Learn what the graph itself shows: tag pairs, then case variants (no requests)."""
        with self.db.transaction() as tx:
            self.learn_in(tx, graph)

    @staticmethod
    def learn_in(conn: duckdb.DuckDBPyConnection, graph: Graph) -> None:
        """learn inside the caller's transaction."""
        for statement in (_LEARN_FROM_TAGS, _LEARN_FROM_CASE):
            conn.execute(statement.format(edges=graph.edges, ids=graph.ids), {"now": utcnow()})

    def unresolved(self, organisations: list[str], everything: bool,
                   graph: Graph = STORED) -> list[str]:
        """Parent names neither known as repos nor as aliases, worth asking the Hub about:
        names without a namespace (legacy ids), names in the families' organisations (renamed
        roots), or every such name with `everything`."""
        return [row[0] for row in self.db.conn.execute(
            _UNRESOLVED.format(edges=graph.edges, ids=graph.ids),
            {"orgs": [org.lower() for org in organisations], "everything": everything},
        ).fetchall()]

    def record(self, conn: duckdb.DuckDBPyConnection,
               resolved: list[tuple[str, str | None, str]]) -> None:
        """Store what the Hub said of names: (alias, canonical or None, how)."""
        conn.executemany("INSERT OR IGNORE INTO aliases VALUES (?, ?, ?, ?)",
                         [(*row, utcnow()) for row in resolved])

    def apply(self, graph: Graph = STORED) -> int:
        """Rewrite the graph's edges through the aliases; returns the children rewritten."""
        with self.db.transaction() as tx:
            return self.apply_in(tx, graph)

    @staticmethod
    def apply_in(conn: duckdb.DuckDBPyConnection, graph: Graph) -> int:
        conn.execute(_REBUILD.format(edges=graph.edges))
        children = conn.execute("SELECT count(DISTINCT child) FROM rebuilt").fetchone()[0]
        if children:
            conn.execute(f"DELETE FROM {graph.edges} WHERE child IN "
                         "(SELECT child FROM rebuilt)")
            conn.execute(f"INSERT INTO {graph.edges} (child, parent, relation, source, "
                         "parent_declared, tagged) SELECT child, parent, relation, source, "
                         "parent_declared, tagged FROM rebuilt")
        conn.execute("DROP TABLE rebuilt")
        return children
