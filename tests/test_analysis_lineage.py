"""Lineage views and macros: a hand-built graph whose answers are known by construction, and
generated Hubs of several sizes checked against networkx."""

from __future__ import annotations

from collections import Counter

import duckdb
import networkx as nx
import pandas as pd
import pytest

from analysis import lineage
from analysis.db import connect
from crawler.roots import load_roots
from hf_lineage.errors import StorageError
from tests.analysis_fixtures import tiny_roots


def rows(conn: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    return conn.execute(sql, params or []).fetchall()


# -- hand-built graph ---------------------------------------------------------------------------

def test_family_roots_are_listed_models_and_parentless_organisation_models(hand):
    roots = rows(hand, "SELECT model_id, family, release, discovered, released "
                       "FROM family_roots ORDER BY model_id")
    assert [r[:4] for r in roots] == [
        ("deepseek-ai/R1", "deepseek", "DeepSeek-R1", False),
        ("deepseek-ai/R1-Distill-Llama", "deepseek", "DeepSeek-R1", False),
        # an organisation model with no parent in the families: a release of its own, named by
        # its name's stem and dated by its creation
        ("meta-llama/CodeLlama", "llama", "CodeLlama", True),
        ("meta-llama/L2", "llama", "Llama 2", False),
        ("meta-llama/L31", "llama", "Llama 3.1", False),
    ]  # meta-llama/Guard is an organisation model too, but a fine-tune of L31
    created = rows(hand, "SELECT created_at::DATE FROM models WHERE id = 'meta-llama/CodeLlama'")
    assert roots[2][4] == created[0][0]


def test_ancestors_of_a_merge_count_the_shared_ancestor_once(hand):
    got = rows(hand, "SELECT ancestor, depth, relation_path FROM ancestors_of('c/merge') "
                     "ORDER BY depth, ancestor")
    assert got == [
        ("a/ft2", 1, ["merge"]),
        ("b/q1-GGUF", 1, ["merge"]),
        ("a/ft1", 2, ["merge", "finetune"]),  # reached through both parents, listed once
        ("meta-llama/L2", 3, ["merge", "finetune", "finetune"]),
    ]
    view = rows(hand, "SELECT ancestor, depth FROM ancestors WHERE model_id = 'c/merge' "
                      "ORDER BY depth, ancestor")
    assert view == [(a, d) for a, d, _ in got]


def test_cycles_and_self_loops_never_loop_and_are_not_own_ancestors(hand):
    assert rows(hand, "SELECT ancestor, depth FROM ancestors_of('x/c2') ORDER BY ancestor") == [
        ("meta-llama/L2", 2), ("x/c1", 1)]
    assert rows(hand, "SELECT ancestor FROM ancestors_of('s/self')") == [("meta-llama/L31",)]
    assert rows(hand, "SELECT count(*) FROM ancestors WHERE model_id = ancestor") == [(0,)]


def test_descendants_macro(hand):
    got = rows(hand, "SELECT model_id, parent, depth FROM descendants('meta-llama/L2') "
                     "ORDER BY depth, model_id")
    assert got == [
        ("a/ft1", "meta-llama/L2", 1), ("d/adapter", "meta-llama/L2", 1),
        ("x/c1", "meta-llama/L2", 1), ("a/ft2", "a/ft1", 2), ("b/q1-GGUF", "a/ft1", 2),
        ("x/c2", "x/c1", 2), ("c/merge", "a/ft2", 3),  # the smaller parent id, at equal depth
    ]
    assert rows(hand, "SELECT count(*) FROM descendants('x/c1')") == [(1,)]  # x/c2 only


def test_model_roots_and_family_members(hand):
    members = hand.execute("SELECT * FROM family_members ORDER BY model_id").df()
    by_id = members.set_index("model_id")
    assert set(by_id.index) == {
        "meta-llama/L2", "meta-llama/L31", "meta-llama/CodeLlama", "meta-llama/Guard",
        "deepseek-ai/R1", "deepseek-ai/R1-Distill-Llama", "a/ft1", "a/ft2", "b/q1-GGUF",
        "c/merge", "d/adapter", "x/c1", "x/c2", "s/self", "m/half", "e/dist-ft",
    }  # not m/orphan (only parent never crawled), z/base, z/ft (outside the families)
    assert by_id.loc["deepseek-ai/R1-Distill-Llama", "family"] == "bridge"
    assert list(by_id.loc["deepseek-ai/R1-Distill-Llama", "families"]) == ["deepseek", "llama"]
    assert by_id.loc["deepseek-ai/R1-Distill-Llama", "is_root"]
    assert list(by_id.loc["e/dist-ft", "roots"]) == ["deepseek-ai/R1-Distill-Llama",
                                                     "meta-llama/L31"]
    assert list(by_id.loc["e/dist-ft", "releases"]) == ["DeepSeek-R1", "Llama 3.1"]
    assert by_id.loc["e/dist-ft", "depth"] == 1 and by_id.loc["e/dist-ft", "is_bridge"]
    assert by_id.loc["c/merge", "depth"] == 3 and by_id.loc["x/c2", "depth"] == 2
    assert by_id.loc["m/half", "family"] == "llama" and by_id.loc["m/half", "depth"] == 1
    llama_depth = dict(rows(hand, "SELECT model_id, depth FROM family_membership "
                                  "WHERE family = 'llama'"))
    assert llama_depth["e/dist-ft"] == 2 and llama_depth["deepseek-ai/R1-Distill-Llama"] == 1


def test_issues_report_self_loops_missing_parents_and_cycles(hand):
    issues = lineage.issues(hand)
    assert sorted(map(tuple, issues[["kind", "model_id", "detail"]].to_numpy())) == [
        ("cycle", "x/c1", "x/c1 -> x/c2"),
        ("cycle", "x/c2", "x/c1 -> x/c2"),
        ("missing_parent", "m/half", "ghost/none"),
        ("missing_parent", "m/orphan", "ghost/none"),
        ("self_loop", "s/self", "finetune"),
    ]


def test_prepare_caches_and_reinstall_restores_live_views(hand):
    lineage.prepare(hand)
    cached = rows(hand, "SELECT count(*) FROM model_roots")
    lineage.install(hand, tiny_roots())
    assert rows(hand, "SELECT count(*) FROM model_roots") == cached
    assert "_cache_root_reach" not in str(rows(hand, "SELECT sql FROM duckdb_views() "
                                                     "WHERE view_name = 'root_reach'"))


def test_connect_refuses_missing_and_foreign_databases(tmp_path):
    with pytest.raises(StorageError, match="database not found"):
        connect(tmp_path / "nope.duckdb")
    duckdb.connect(str(tmp_path / "other.duckdb")).close()
    with pytest.raises(StorageError, match="not an hf-lineage database"):
        connect(tmp_path / "other.duckdb")


def test_connection_is_read_only(hand):
    with pytest.raises(duckdb.Error, match="read-only"):
        hand.execute("DELETE FROM models")


# -- generated Hubs against networkx ------------------------------------------------------------

def graph_of(edges: pd.DataFrame) -> nx.DiGraph:
    """parent -> child, self-loops dropped (the views ignore them)."""
    graph = nx.DiGraph()
    graph.add_edges_from((p, c) for c, p in edges[["child", "parent"]].itertuples(index=False)
                         if c != p)
    return graph


def expected_model_roots(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """model_roots recomputed with networkx: roots from the config, BFS depth from each."""
    roots = load_roots()
    models = conn.execute("SELECT id, author FROM models").df()
    graph = graph_of(conn.execute("SELECT child, parent FROM edges").df())
    graph.add_nodes_from(models["id"])
    listed = {m: r for r, ms in ((r, r.models) for r in roots.releases) for m in ms}
    org = {mid: roots.organisations[a] for mid, a in models.itertuples(index=False)
           if a in roots.organisations and mid not in listed}
    candidates = set(listed) | set(org)
    implicit = {m for m in org if not (nx.ancestors(graph, m) & (candidates - {m}))}
    out = []
    found = (set(listed) & set(models["id"])) | implicit  # a root not crawled is no root
    for root in sorted(found):
        family = listed[root].family if root in listed else org[root]
        for model, depth in nx.single_source_shortest_path_length(graph, root).items():
            out.append((model, root, family, depth))
    return pd.DataFrame(out, columns=["model_id", "root", "family", "depth"])


@pytest.fixture(scope="module")
def random_db(hub) -> duckdb.DuckDBPyConnection:
    """The analysis connection on each generated Hub (conftest's `hub`)."""
    return hub[0]


def test_generated_hubs_hold_the_hard_cases(random_db):
    """What the cross-checks here and in the metric and license tests must meet on every size:
    merges, parents never crawled, cycles, bridges between the families, organisation roots
    roots.toml does not list."""
    edges = random_db.execute("SELECT child, parent, relation FROM edges").df()
    crawled = {r[0] for r in random_db.execute("SELECT id FROM models").fetchall()}
    assert (edges["relation"] == "merge").sum() >= 5
    assert (~edges["parent"].isin(crawled)).sum() >= 5
    assert any(len(c) > 1 for c in nx.strongly_connected_components(graph_of(edges)))
    roots = expected_model_roots(random_db)
    families = roots.groupby("model_id")["family"].nunique()
    assert (families > 1).sum() >= 3  # the bridges, and some documented descendants at 300
    listed = set(load_roots().root_models())
    assert len(set(roots["root"]) - listed) >= 5


def test_model_roots_match_networkx(random_db):
    got = random_db.execute("SELECT model_id, root, family, depth FROM model_roots").df()
    want = expected_model_roots(random_db)
    key = ["model_id", "root"]
    pd.testing.assert_frame_equal(
        got.sort_values(key).reset_index(drop=True).astype({"depth": "int64"}),
        want.drop_duplicates(key).sort_values(key).reset_index(drop=True),
    )


def test_family_members_match_networkx(random_db):
    want = expected_model_roots(random_db).groupby("model_id").agg(
        families=("family", lambda f: sorted(set(f))), depth=("depth", "min"))
    want["family"] = [f[0] if len(f) == 1 else "bridge" for f in want["families"]]
    got = random_db.execute("SELECT model_id, family, depth FROM family_members").df()
    merged = got.merge(want.reset_index(), on="model_id", how="outer", suffixes=("", "_want"))
    assert (merged["family"] == merged["family_want"]).all()
    assert (merged["depth"] == merged["depth_want"]).all()


def test_ancestors_and_descendants_match_networkx(random_db):
    edges = random_db.execute("SELECT child, parent FROM edges").df()
    graph = graph_of(edges)
    if random_db.execute("SELECT count(*) FROM models").fetchall()[0][0] <= 2000:
        got = random_db.execute("SELECT model_id, ancestor, depth FROM ancestors").df()
        want = pd.DataFrame(
            [(m, a, d) for m in graph for a, d in
             nx.single_source_shortest_path_length(graph.reverse(copy=False), m).items()
             if a != m], columns=["model_id", "ancestor", "depth"])
        key = ["model_id", "ancestor"]
        pd.testing.assert_frame_equal(
            got.sort_values(key).reset_index(drop=True).astype({"depth": "int64"}),
            want.sort_values(key).reset_index(drop=True))
    busiest = edges["parent"].value_counts().index[:5]
    for model in busiest:
        got = dict(rows(random_db, "SELECT model_id, depth FROM descendants(?)", [model]))
        want = nx.single_source_shortest_path_length(graph, model)
        want.pop(model)
        assert got == want


def test_cycles_match_networkx(random_db):
    graph = graph_of(random_db.execute("SELECT child, parent FROM edges").df())
    want = {m: min(c) for c in nx.strongly_connected_components(graph) if len(c) > 1 for m in c}
    got = lineage.find_cycles(random_db)
    assert dict(zip(got["model_id"], got["cycle"], strict=True)) == want
    assert want  # cards naming their own child close cycles


Walked = dict[str, tuple[str | None, str | None, int]]  # model -> (parent, relation, depth)


def walk_down(conn: duckdb.DuckDBPyConnection, root: str) -> Walked:
    """The tree below `root` by a plain level-by-level walk in Python: each model once, at its
    shortest depth, under the smallest of its parents on the level above; the root at 0."""
    children: dict[str, list[tuple[str, str]]] = {}
    for child, parent, relation in rows(conn, "SELECT child, parent, relation FROM edges"):
        if child != parent:
            children.setdefault(parent, []).append((child, relation or "unspecified"))
    found: Walked = {root: (None, None, 0)}
    level, depth = [root], 0
    while level:
        depth += 1
        below: dict[str, tuple[str, str]] = {}
        for parent in sorted(level):  # the smallest parent claims a child first
            for child, relation in children.get(parent, []):
                if child not in found and child not in below:
                    below[child] = (parent, relation)
        found.update({c: (p, r, depth) for c, (p, r) in below.items()})
        level = list(below)
    return found


def subtree_sizes(found: Walked) -> dict[str, int]:
    """Descendants of each model in the walked tree (each under its chosen parent)."""
    sizes = dict.fromkeys(found, 0)
    for model, (parent, _, _) in sorted(found.items(), key=lambda kv: -kv[1][2]):
        if parent is not None:
            sizes[parent] += sizes[model] + 1
    return sizes


def test_tree_and_descendants_equal_a_plain_walk(random_db):
    from analysis.tree import family_tree

    models = {m: (lic, dl) for m, lic, dl in rows(random_db,
                                                  "SELECT id, license, downloads FROM models")}
    parents = dict(rows(random_db, "SELECT child, count(*) FROM edges WHERE child <> parent "
                                   "GROUP BY child"))
    busiest = [r[0] for r in rows(random_db, "SELECT parent FROM edges WHERE child <> parent "
                                             "GROUP BY parent ORDER BY count(*) DESC, parent "
                                             "LIMIT 4")]
    # the biggest configured roots: their trees come from the crawl's root_closure
    biggest = [r[0] for r in rows(random_db, "SELECT root FROM root_closure GROUP BY root "
                                             "ORDER BY count(*) DESC, root LIMIT 2")]
    for root, depth in [(m, 2) for m in busiest + biggest] + [(busiest[0], 0), (busiest[0], 5),
                                                               (biggest[0], 5)]:
        found = walk_down(random_db, root)
        sizes = subtree_sizes(found)
        macro = {m: (p, d) for m, p, d in rows(
            random_db, "SELECT model_id, parent, depth FROM descendants(?)", [root])}
        assert macro == {m: (p, d) for m, (p, _, d) in found.items() if m != root}
        tree = family_tree(random_db, root, depth)
        assert (tree.descendants, tree.max_depth) == (len(found) - 1,
                                                      max(d for _, _, d in found.values()))
        assert tree.relations == dict(Counter(r for _, r, d in found.values() if d > 0))
        want = {m: (p, d, r, *models.get(m, (None, None)), m in models, parents.get(m, 0),
                    False, sizes[m])  # documented edges: none inferred
                for m, (p, r, d) in found.items() if d <= depth}
        assert {n.model_id: tuple(n)[1:] for n in tree.nodes} == want
        assert len(tree.nodes) == len(want)  # no model shown twice
