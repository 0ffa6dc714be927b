"""A model's family tree in the terminal: descendants with counts, relations and licenses.

One recursive query walks down from the model along shortest paths (USING KEY: each descendant
once, cycles cut) and tags every node with its ancestor at the depth limit, so the hidden part
of the tree is counted by one GROUP BY. A descendant with several parents sits under the parent
on its shortest path (marked "+N parents"), so the counts add up. Only the shown nodes reach
Python, and pandas is not imported: a 100,000-descendant tree takes well under a second.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from rich.text import Text
from rich.tree import Tree

from analysis.lineage import ensure_installed
from hf_lineage.errors import AnalysisError

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
    """The shown nodes (down to `depth`, parents before children) and the whole tree's totals."""

    model_id: str
    depth: int
    nodes: list[Node]
    descendants: int
    max_depth: int
    relations: dict[str, int]

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
    nodes = [Node(*row[:-1], counts[row[0]]) for row in rows]
    nodes.sort(key=lambda n: (n.depth, -n.descendants, -(n.downloads or 0), n.model_id))
    return nodes


def family_tree(conn: duckdb.DuckDBPyConnection, model_id: str, depth: int = 2) -> FamilyTree:
    """Walk down from `model_id`; unknown ids (neither crawled nor anyone's parent) raise."""
    if depth < 0:
        raise AnalysisError("depth must be 0 or more")
    ensure_installed(conn)
    known = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM models WHERE id = $id) "
        "OR EXISTS (SELECT 1 FROM lineage_edges WHERE parent = $id)",
        {"id": model_id},
    ).fetchall()[0][0]
    if not known:
        raise AnalysisError(f"unknown model: {model_id} (not crawled, and no model names it)")
    conn.execute(TREE_SQL, {"root": model_id, "depth": depth}).fetchall()
    nodes = _with_counts(conn.execute(NODES_SQL, {"depth": depth}).fetchall())
    total, max_depth = conn.execute("SELECT count(*) - 1, max(depth) FROM _tree").fetchall()[0]
    relations = dict(conn.execute(
        "SELECT relation, count(*) FROM _tree WHERE depth > 0 GROUP BY relation "
        "ORDER BY count(*) DESC, relation"
    ).fetchall())
    conn.execute("DROP TABLE _tree").fetchall()
    return FamilyTree(model_id, depth, nodes, total, max_depth, relations)


def _label(node: Node) -> Text:
    """One node: id, relation, license, descendants, downloads; plain Text, never markup."""
    text = Text(node.model_id, style="bold" if node.depth == 0 else "")
    if node.depth > 0:
        text.append(f"  [{node.relation}{', inferred' if node.inferred else ''}]",
                    style="yellow" if node.inferred else "cyan")
    text.append(f"  {node.license or 'no license'}", style="green" if node.license else "red")
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
    """A rich Tree: each node's children by descendant count, at most max_children shown."""
    children: dict[str, list[Node]] = defaultdict(list)
    for node in family.nodes[1:]:
        children[node.parent].append(node)
    relations = ", ".join(f"{k} {v:,}" for k, v in family.relations.items())
    tree = Tree(_label(family.nodes[0]))
    tree.add(Text(f"{family.descendants:,} descendants, {family.max_depth} generations deep"
                  f"{'; ' + relations if relations else ''}; shown to depth {family.depth}",
                  style="italic"))
    stack = [(tree, family.model_id)]
    while stack:
        branch, parent = stack.pop()
        kids = children.get(parent, [])
        for node in kids[:max_children]:
            stack.append((branch.add(_label(node)), node.model_id))
        rest = kids[max_children:]
        if rest:
            hidden = sum(n.descendants + 1 for n in rest)
            branch.add(Text(f"… {len(rest):,} more children ({hidden:,} models)", style="dim"))
    return tree
