"""A model's family tree in the terminal: descendants with counts, relations and licenses.

A descendant with several parents sits under the parent on its shortest path (marked "+N
parents"), so the counts add up. The tree of a configured root comes from `root_closure`, which
the crawl writes at the end of each run (crawler/store/closure.py): a filter on one table, where
walking down from the biggest root of a 2M-model Hub takes a second. It is read only when it
describes the connection's lineage: documented edges only, and written after the last change to
`edges` (closure.is_current); the roots the connection analyses with do not matter, since a
tree depends on the edges alone. Otherwise one recursive query walks down from the model along
shortest paths (USING KEY: each descendant once, cycles cut) and tags every node with its
ancestor at the depth limit, so the hidden part of the tree is counted by one GROUP BY. Both give
the same tree. Only the shown nodes reach Python, and pandas is not imported.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from rich.text import Text
from rich.tree import Tree

from analysis import edges
from analysis.lineage import ensure_installed
from crawler.store import closure
from hf_lineage.errors import AnalysisError
from hf_lineage.printable import printable

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

# top: the node's ancestor at the depth limit (itself while within it).
TREE_SQL = """
CREATE OR REPLACE TEMP TABLE _tree AS
WITH RECURSIVE down(model_id, parent, relation, depth, top) USING KEY (model_id) AS (
    SELECT $root, NULL::VARCHAR, NULL::VARCHAR, 0, $root
    UNION
    SELECT e.child, min(e.parent), arg_min(e.relation, e.parent), any_value(d.depth) + 1,
           CASE WHEN any_value(d.depth) < $depth THEN e.child ELSE arg_min(d.top, e.parent) END
    FROM down d JOIN lineage_edges e ON e.parent = d.model_id
    WHERE NOT EXISTS (SELECT 1 FROM recurring.down r WHERE r.model_id = e.child)
    GROUP BY e.child
)
SELECT * FROM down
"""

NODES_SQL = """
WITH shown AS (SELECT * FROM _tree WHERE depth <= $depth),
below AS (SELECT top, count(*) AS below FROM _tree WHERE depth > $depth GROUP BY top),
parents AS (
    SELECT child, count(*) AS parents FROM lineage_edges
    WHERE child IN (SELECT model_id FROM shown) GROUP BY child
)
SELECT t.model_id, t.parent, t.depth, t.relation, m.license, m.downloads,
       m.id IS NOT NULL AS crawled, coalesce(p.parents, 0) AS parents,
       coalesce(NOT e.documented, false) AS inferred, coalesce(b.below, 0)
FROM shown t
LEFT JOIN below b ON b.top = t.model_id
LEFT JOIN parents p ON p.child = t.model_id
LEFT JOIN models m ON m.id = t.model_id
LEFT JOIN lineage_edges e ON e.child = t.model_id AND e.parent = t.parent
ORDER BY t.depth DESC
"""


# The same nodes from the crawl's closure, which stores every column of a node and its position
# in the order of _ordered (VARCHAR compares by code point, as Python's str does). Only the first
# $max children of each shown node are shown (all when NULL); kids: each one's children.
CLOSURE_NODES_SQL = """
WITH RECURSIVE tree AS (
    SELECT *, row_number() OVER (PARTITION BY parent ORDER BY position) AS rank
    FROM root_closure WHERE root = $root AND depth <= $depth
),
kids AS (SELECT parent, count(*) AS n FROM tree GROUP BY parent),
shown(model_id) AS (
    SELECT model_id FROM tree WHERE depth = 0
    UNION ALL
    SELECT t.model_id FROM tree t JOIN shown s ON t.parent = s.model_id
    WHERE t.rank <= coalesce($max, t.rank)
)
SELECT t.model_id, t.parent, t.depth, t.relation, t.license, t.downloads, t.crawled, t.parents,
       false AS inferred, t.descendants, coalesce(k.n, 0)
FROM tree t JOIN shown s USING (model_id) LEFT JOIN kids k ON k.parent = t.model_id
ORDER BY t.position
"""

CLOSURE_TOTALS_SQL = """
SELECT max(descendants), max(depth) FROM root_closure WHERE root = $root
"""

CLOSURE_RELATIONS_SQL = """
SELECT relation, count(*) FROM root_closure WHERE root = $root AND depth > 0
GROUP BY relation ORDER BY count(*) DESC, relation
"""


class Node(NamedTuple):
    model_id: str
    parent: str | None
    depth: int
    relation: str | None
    license: str | None
    downloads: int | None
    crawled: bool
    parents: int
    inferred: bool  # its edge on the tree is inferred (inferred edges on, analysis.edges)
    descendants: int


@dataclass(frozen=True)
class FamilyTree:
    """The shown nodes (down to `depth`, parents before children; the first `max_children` of
    each node's children when given), how many children each shown node has, and the whole
    tree's totals."""

    model_id: str
    depth: int
    nodes: list[Node]
    descendants: int
    max_depth: int
    relations: dict[str, int]
    children: dict[str, int]  # shown nodes above the depth limit with children: how many
    max_children: int | None = None

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(self.nodes, columns=Node._fields)


def _with_counts(rows: list[tuple]) -> list[Node]:
    """Descendants per shown node, bottom up: its hidden ones plus each shown child's subtree.

    `rows` come deepest first and end in the hidden count; only the shown nodes are visited.
    """
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row[0]] += row[-1]
        if row[1] is not None:
            counts[row[1]] += counts[row[0]] + 1
    return [Node(*row[:-1], counts[row[0]]) for row in rows]


def _ordered(nodes: list[Node]) -> list[Node]:
    """Parents before children; siblings by descendants, then downloads, then id."""
    nodes.sort(key=lambda n: (n.depth, -n.descendants, -(n.downloads or 0), n.model_id))
    return nodes


def _shown(nodes: list[Node], max_children: int | None) -> list[Node]:
    """The first `max_children` children of each shown node (`nodes` ordered), all if None."""
    if max_children is None:
        return nodes
    shown, kept = nodes[:1], {nodes[0].model_id: 0}  # shown node -> its children kept
    for node in nodes[1:]:
        if kept.get(node.parent, max_children) < max_children:
            kept[node.parent] += 1
            kept[node.model_id] = 0
            shown.append(node)
    return shown


def family_tree(conn: duckdb.DuckDBPyConnection, model_id: str, depth: int = 2,
                max_children: int | None = None) -> FamilyTree:
    """Walk down from `model_id`; unknown ids (neither crawled nor anyone's parent) raise.
    `max_children` keeps only the first children of each node (what `render` shows): the
    counts still cover the whole tree."""
    if depth < 0:
        raise AnalysisError("depth must be 0 or more")
    if max_children is not None and max_children < 1:
        raise AnalysisError("max_children must be 1 or more")
    if _in_closure(conn, model_id):  # needs no lineage view (analysis.db.connect(views=False))
        return _from_closure(conn, model_id, depth, max_children)
    ensure_installed(conn)
    return _walked(conn, model_id, depth, max_children)


def _in_closure(conn: duckdb.DuckDBPyConnection, model_id: str) -> bool:
    """Whether the crawl's root_closure holds this tree for the connection's edges."""
    return (edges.current(conn) is None and closure.is_current(conn)
            and conn.execute("SELECT EXISTS (SELECT 1 FROM root_closure WHERE root = $root)",
                             {"root": model_id}).fetchall()[0][0])


def _from_closure(conn: duckdb.DuckDBPyConnection, model_id: str, depth: int,
                  max_children: int | None) -> FamilyTree:
    params = {"root": model_id}
    rows = conn.execute(CLOSURE_NODES_SQL,
                        {**params, "depth": depth, "max": max_children}).fetchall()
    nodes = [Node(*row[:-1]) for row in rows]
    children = {row[0]: row[-1] for row in rows if row[-1]}
    total, max_depth = conn.execute(CLOSURE_TOTALS_SQL, params).fetchall()[0]
    relations = dict(conn.execute(CLOSURE_RELATIONS_SQL, params).fetchall())
    return FamilyTree(model_id, depth, nodes, total, max_depth, relations, children,
                      max_children)


def _walked(conn: duckdb.DuckDBPyConnection, model_id: str, depth: int,
            max_children: int | None) -> FamilyTree:
    """The tree by walking down the connection's lineage_edges (any model, any edge set)."""
    known = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM models WHERE id = $id) "
        "OR EXISTS (SELECT 1 FROM lineage_edges WHERE parent = $id)",
        {"id": model_id},
    ).fetchall()[0][0]
    if not known:
        near = nearest_ids(conn, model_id)
        raise AnalysisError(f"unknown model: {model_id} (not crawled, and no model names it)"
                            + (f"; did you mean {' or '.join(near)}?" if near else ""))
    conn.execute(TREE_SQL, {"root": model_id, "depth": depth}).fetchall()
    nodes = _ordered(_with_counts(conn.execute(NODES_SQL, {"depth": depth}).fetchall()))
    total, max_depth = conn.execute("SELECT count(*) - 1, max(depth) FROM _tree").fetchall()[0]
    relations = dict(conn.execute(
        "SELECT relation, count(*) FROM _tree WHERE depth > 0 GROUP BY relation "
        "ORDER BY count(*) DESC, relation"
    ).fetchall())
    conn.execute("DROP TABLE _tree").fetchall()
    shown = _shown(nodes, max_children)
    ids = {node.model_id for node in shown}
    children = Counter(node.parent for node in nodes if node.parent in ids)
    return FamilyTree(model_id, depth, shown, total, max_depth, relations, dict(children),
                      max_children)


# The same id in another case, crawled or named as a parent (ids are case-insensitive on the
# Hub); else the crawled ids most like it (Jaro-Winkler, 0.4 s over 2M ids).
SAME_ID_SQL = """
SELECT id FROM (SELECT id FROM models WHERE lower(id) = lower($id)
                UNION SELECT parent FROM edges WHERE lower(parent) = lower($id))
ORDER BY id LIMIT $n
"""
LIKE_ID_SQL = """
SELECT id FROM (SELECT id, jaro_winkler_similarity(lower(id), lower($id)) AS similarity
                FROM models)
WHERE similarity >= $min ORDER BY similarity DESC, id LIMIT $n
"""
MIN_SIMILARITY = 0.85  # a typo or two in an id of 20 characters or more


def nearest_ids(conn: duckdb.DuckDBPyConnection, model_id: str, n: int = 3) -> list[str]:
    """Stored ids the user may have meant: the same id in another case first, else the
    crawled ids closest in spelling."""
    params = {"id": model_id, "n": n}
    same = [row[0] for row in conn.execute(SAME_ID_SQL, params).fetchall()]
    return same or [row[0] for row in conn.execute(
        LIKE_ID_SQL, {**params, "min": MIN_SIMILARITY}).fetchall()]


def _label(node: Node) -> Text:
    """One node: id, relation, license, descendants, downloads; plain Text, never markup, its
    escapes made visible (hf_lineage.printable)."""
    text = Text(printable(node.model_id), style="bold" if node.depth == 0 else "")
    if node.depth > 0:
        text.append(f"  [{printable(node.relation)}{', inferred' if node.inferred else ''}]",
                    style="yellow" if node.inferred else "cyan")
    text.append(f"  {printable(node.license or 'no license')}",
                style="green" if node.license else "red")
    noun = "descendant" if node.descendants == 1 else "descendants"
    text.append(f"  {node.descendants:,} {noun}", style="magenta")
    if node.downloads is not None:
        text.append(f"  {node.downloads:,} download{'' if node.downloads == 1 else 's'}",
                    style="dim")
    if node.parents > 1:
        text.append(f"  +{node.parents - 1} parents", style="yellow")
    if not node.crawled:
        text.append("  (not crawled)", style="red")
    return text


def render(family: FamilyTree, max_children: int = 10) -> Tree:
    """A rich Tree: each node's children by descendant count, at most max_children shown (the
    family's own limit when it kept fewer)."""
    max_children = min(max_children, family.max_children or max_children)
    children: dict[str, list[Node]] = defaultdict(list)
    for node in family.nodes[1:]:
        children[node.parent].append(node)
    by_id = {node.model_id: node for node in family.nodes}
    relations = ", ".join(f"{printable(k)} {v:,}" for k, v in family.relations.items())
    tree = Tree(_label(family.nodes[0]))
    tree.add(Text(f"{family.descendants:,} descendants, {family.max_depth} generations deep"
                  f"{'; ' + relations if relations else ''}; shown to depth {family.depth}",
                  style="italic"))
    stack = [(tree, family.model_id)]
    while stack:
        branch, parent = stack.pop()
        kids = children.get(parent, [])[:max_children]
        for node in kids:
            stack.append((branch.add(_label(node)), node.model_id))
        rest = family.children.get(parent, 0) - len(kids)
        if rest:
            hidden = by_id[parent].descendants - sum(n.descendants + 1 for n in kids)
            branch.add(Text(f"… {rest:,} more children ({hidden:,} models)", style="dim"))
    return tree
