"""`hf-lineage tree` from the crawl's root_closure: the same tree as the walk, never a stale one.

The walk itself is checked against a plain Python walk in test_analysis_lineage.py
(test_tree_and_descendants_equal_a_plain_walk, which covers roots read from the closure too).
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import duckdb
import pytest
from rich.console import Console

from analysis.db import connect
from analysis.tree import FamilyTree, _in_closure, _walked, family_tree, render
from crawler.roots import load_roots
from crawler.store import Database


def text(tree: FamilyTree, max_children: int) -> str:
    console = Console(file=io.StringIO(), width=200, color_system=None)
    console.print(render(tree, max_children))
    return console.file.getvalue()


@pytest.fixture(scope="module", params=[300, 2000])
def hub_conn(request, generated_db):
    conn = connect(generated_db(request.param, seed=request.param))
    yield conn
    conn.close()


def test_closure_and_walk_give_the_same_tree(hub_conn):
    roots = [r for (r,) in hub_conn.execute(
        "SELECT root FROM root_closure GROUP BY root ORDER BY count(*) DESC, root LIMIT 5"
    ).fetchall()]
    assert len(roots) == 5
    merges = 0
    for root in roots:
        assert _in_closure(hub_conn, root)
        for depth, max_children in [(0, None), (2, None), (6, None), (2, 2), (4, 1)]:
            got = family_tree(hub_conn, root, depth, max_children)
            assert got == _walked(hub_conn, root, depth, max_children)
            merges += sum(node.parents > 1 for node in got.nodes)
        full, cut = family_tree(hub_conn, root, 3), family_tree(hub_conn, root, 3, 3)
        assert text(cut, 3) == text(full, 3)  # only the shown nodes fetched, the same picture
        assert len(cut.nodes) <= len(full.nodes)
    assert merges > 0  # the trees compared hold models with several parents


def tree_of(path: Path, root: str, **options) -> tuple[FamilyTree, bool]:
    """The tree of `root` on a fresh analysis connection, and whether the closure gave it."""
    conn = connect(path, **options)
    try:
        return family_tree(conn, root, 2), _in_closure(conn, root)
    finally:
        conn.close()


def test_a_stale_closure_is_not_used(generated_db, tmp_path):
    path = tmp_path / "hub.duckdb"
    shutil.copy(generated_db(2000, seed=2000), path)
    conn = duckdb.connect(str(path), read_only=True)
    root, child = conn.execute(
        "SELECT root, model_id FROM root_closure WHERE depth = 1 AND parents = 1 "
        "ORDER BY descendants DESC, model_id LIMIT 1").fetchone()
    conn.close()
    before, used = tree_of(path, root)
    assert used
    assert not tree_of(path, root, inferred=0.0)[1]  # the closure holds documented edges only

    with Database(path) as db:  # a run that changes edges and dies before it ends
        run_id = db.runs.start("incremental")
        with db.transaction() as tx:
            tx.execute("DELETE FROM edges WHERE child = ? AND parent = ?", [child, root])
    after, used = tree_of(path, root)
    assert not used
    assert after.descendants < before.descendants
    assert child not in {node.model_id for node in after.nodes}

    with Database(path) as db:  # the run ends ok but nothing wrote the closure again
        db.runs.finish(run_id, "incremental", "ok", None, None)
    assert tree_of(path, root) == (after, False)

    with Database(path) as db:
        db.closure.write(run_id, list(load_roots().root_models()))
    assert tree_of(path, root) == (after, True)

    conn = duckdb.connect(str(path))  # edges changed outside any run
    conn.execute("INSERT INTO edges (child, parent, relation, source) VALUES (?, ?, 'merge', "
                 "'card')", [child, root])
    conn.close()
    again, used = tree_of(path, root)
    assert not used
    assert again.descendants == before.descendants


def test_a_connection_without_views_installs_them_only_for_a_walk(generated_db):
    path = generated_db(300, seed=300)
    root = "meta-llama/Llama-3.1-8B"
    conn = duckdb.connect(str(path), read_only=True)
    child = conn.execute(  # not a configured root: walked
        "SELECT min(model_id) FROM root_closure WHERE root = ? AND depth = 1 "
        "AND model_id NOT IN (SELECT root FROM root_closure)", [root]).fetchone()[0]
    conn.close()
    for model in (root, child):
        conn = connect(path, views=False)
        try:
            got = family_tree(conn, model, 2, 3)
            installed = conn.execute("SELECT count(*) FROM duckdb_views() WHERE temporary "
                                     "AND view_name = 'lineage_edges'").fetchone()[0]
        finally:
            conn.close()
        assert installed == (model == child)
        full = connect(path)
        try:
            assert got == family_tree(full, model, 2, 3)
        finally:
            full.close()


def test_a_crawl_and_an_infer_run_leave_a_current_closure(serve, tmp_path):
    from crawler.crawl import crawl, infer_database
    from hub_double.generator import generated_store
    from tests.crawl_helpers import fast_client

    serve(generated_store(1000, seed=5))
    path = tmp_path / "family.duckdb"
    crawl(path, "family", client=fast_client(), cards=False)
    for _ in range(2):  # after the crawl, then after an inference run over it
        conn = connect(path)
        try:
            roots = [r for (r,) in conn.execute(
                "SELECT root FROM root_closure GROUP BY root ORDER BY count(*) DESC, root "
                "LIMIT 3").fetchall()]
            assert len(roots) == 3
            for root in roots:
                assert _in_closure(conn, root)
                assert family_tree(conn, root, 3) == _walked(conn, root, 3, None)
        finally:
            conn.close()
        infer_database(path, client=fast_client())
