"""The analysis with inferred edges: the switch (off gives the documented figures exactly; on
adds inferred members above the threshold, never for a child with a documented parent), the
closure's documented marks against a plain walk, the report's side-by-side section, the
timeline's split and the LLaMA-1 wave of spring 2023, on hand-built crawler databases."""

from __future__ import annotations

import math
import random
from collections import deque
from datetime import datetime

import duckdb
import pandas as pd
import pytest

from analysis import anatomy, edges, inferred, licenses, lineage, metrics, report, timeline
from analysis.db import connect
from crawler.roots import Release, Roots
from hf_lineage.errors import AnalysisError
from tests.analysis_fixtures import (
    INFERRED_MEMBERS,
    INFERRED_ROWS,
    add_edges,
    add_inferred,
    add_models,
    create_db,
    inferred_graph,
    llama1_wave_graph,
    tiny_roots,
)


@pytest.fixture(scope="module")
def paths(tmp_path_factory):
    """(the graph with its inferred edges, the same graph without them)."""
    folder = tmp_path_factory.mktemp("inferred")
    return (inferred_graph(folder / "with.duckdb"),
            inferred_graph(folder / "without.duckdb", inferred=False))


def members(conn, documented: bool | None = None) -> dict[str, set[str]]:
    """Descendants (depth > 0) per family; only the documented or inferred-only ones if said."""
    rows = conn.execute(
        "SELECT family, model_id FROM family_membership WHERE depth > 0 "
        "AND ($d IS NULL OR documented = $d)", {"d": documented}).fetchall()
    out: dict[str, set[str]] = {}
    for family, model in rows:
        out.setdefault(family, set()).add(model)
    return out


def figures(conn) -> dict[str, pd.DataFrame]:
    """Every family figure the report rests on, for comparing two edge sets."""
    return {
        "sizes": metrics.sizes(conn, "release"), "relations": metrics.relation_shares(conn),
        "depth": metrics.depth_distribution(conn), "growth": metrics.growth(conn, "release"),
        "milestones": metrics.milestones(conn), "bridges": metrics.bridges(conn),
        "drift": licenses.flows(conn, "family"), "anatomy": anatomy.anatomy(conn),
        "weekly": timeline.new_derivatives(conn, "release", "week"),
        "windows": timeline.windows(conn), "aligned": timeline.aligned(conn, days=30),
        "members": conn.execute("SELECT * FROM family_members ORDER BY model_id").df(),
        "issues": lineage.issues(conn),
    }


# -- the switch ---------------------------------------------------------------------------------

def test_off_gives_exactly_the_figures_without_inferred_edges(paths):
    with_inferred, without = paths
    off, plain = connect(with_inferred, tiny_roots()), connect(without, tiny_roots())
    got, expected = figures(off), figures(plain)
    assert off.execute("SELECT count(*) FROM lineage_edges WHERE NOT documented"
                       ).fetchall() == [(0,)]
    off.close(), plain.close()
    for name, frame in expected.items():
        pd.testing.assert_frame_equal(got[name], frame, obj=name)
    assert (expected["members"]["documented"]).all()


@pytest.mark.parametrize("threshold", sorted(INFERRED_MEMBERS))
def test_on_adds_the_inferred_members_above_the_threshold(paths, threshold):
    conn = connect(paths[0], tiny_roots(), inferred=threshold)
    assert members(conn, documented=False) == INFERRED_MEMBERS[threshold]
    used = conn.execute("SELECT child, parent, confidence FROM lineage_edges "
                        "WHERE NOT documented").fetchall()
    with_documented_parent = conn.execute(
        "SELECT count(*) FROM lineage_edges l WHERE NOT documented "
        "AND EXISTS (SELECT 1 FROM edges e WHERE e.child = l.child)").fetchall()
    conn.close()
    expected = {(c, p, conf) for c, p, _, _, conf, *resolved in INFERRED_ROWS
                if conf >= threshold and resolved != [False] and c != p
                and c not in {"d/both"}}  # d/both documents its parent
    assert set(used) == expected
    assert with_documented_parent == [(0,)]


def test_documented_members_and_roots_are_those_of_the_documented_analysis(paths):
    off, on = connect(paths[0], tiny_roots()), connect(paths[0], tiny_roots(), inferred=0.3)
    assert members(on, documented=True) == members(off)
    for view in ("family_roots", "lineage_release_dates", "release_roots"):
        query = f"SELECT * FROM {view} ORDER BY ALL"
        assert on.execute(query).fetchall() == off.execute(query).fetchall(), view
    # an organisation model with an inferred parent stays the root of its discovered release
    assert on.execute("SELECT is_root FROM model_family WHERE model_id = 'meta-llama/Guard-2'"
                      ).fetchall() == [(True,)]
    assert on.execute("SELECT family, documented FROM family_members "
                      "WHERE model_id = 'i/bridge'").fetchall() == [("bridge", False)]
    off.close(), on.close()


def test_the_descendants_and_tree_follow_the_switch(paths):
    off, on = connect(paths[0], tiny_roots()), connect(paths[0], tiny_roots(), inferred=0.5)
    query = "SELECT model_id FROM descendants('meta-llama/L2') ORDER BY ALL"
    assert off.execute(query).fetchall() == [("d/ft",), ("d/ft-q",)]
    assert on.execute(query).fetchall() == [("d/ft",), ("d/ft-q",), ("i/doc-below",),
                                            ("i/strong",), ("i/strong-GGUF",)]
    assert on.execute("SELECT ancestor FROM ancestors_of('i/doc-below') ORDER BY ALL"
                      ).fetchall() == [("i/strong",), ("meta-llama/L2",)]
    off.close(), on.close()


def test_switching_a_connection_recomputes_the_cached_closure(paths):
    conn = connect(paths[0], tiny_roots())
    lineage.prepare(conn)

    def llama_models() -> int:
        sizes = metrics.sizes(conn)
        return int(sizes.set_index("family").loc["llama", "models"])

    assert llama_models() == 7
    lineage.use_edges(conn, 0.5)
    assert llama_models() == 12
    with lineage.edges_as(conn, None):
        assert llama_models() == 7
    assert llama_models() == 12
    lineage.prepare(conn, tiny_roots())  # installing other roots keeps the edge set
    assert llama_models() == 12
    lineage.use_edges(conn, 0.95)
    assert llama_models() == 8
    conn.close()


@pytest.mark.parametrize("bad", [1.5, -0.1, math.nan, True, "0.5"])
def test_bad_thresholds_are_refused(paths, bad):
    with pytest.raises(AnalysisError, match="inferred"):
        connect(paths[0], tiny_roots(), inferred=bad)


def test_a_database_crawled_before_inference_existed(paths, tmp_path):
    old = tmp_path / "v2.duckdb"
    old.write_bytes(paths[1].read_bytes())
    writer = duckdb.connect(str(old))
    writer.execute("DROP TABLE inferred_edges")
    writer.close()
    conn, plain = connect(old, tiny_roots(), inferred=0.5), connect(paths[1], tiny_roots())
    assert members(conn) == members(plain)
    assert inferred.compare(conn) is None
    conn.close(), plain.close()


# -- the closure against a plain walk -----------------------------------------------------------

def walk(start: str, edges: list[tuple[str, str]]) -> dict[str, int]:
    """Shortest depth of every model below `start` along (child, parent) edges."""
    children: dict[str, list[str]] = {}
    for child, parent in edges:
        children.setdefault(parent, []).append(child)
    depth, queue = {start: 0}, deque([start])
    while queue:
        node = queue.popleft()
        for child in children.get(node, []):
            if child not in depth:
                depth[child] = depth[node] + 1
                queue.append(child)
    return depth


@pytest.mark.parametrize("seed", range(4))
def test_closure_depths_and_documented_marks_match_a_walk(tmp_path, seed):
    rng = random.Random(seed)
    ids = [f"m/{k}" for k in range(70)]
    roots = ids[:3]

    def parent(k: int) -> str:  # mostly an older model; sometimes any, which makes cycles
        return rng.choice(ids[:k] if rng.random() < 0.9 else ids)

    documented = list(dict.fromkeys(
        (ids[k], parent(k)) for k in range(3, len(ids)) for _ in range(rng.choice([0, 1, 1, 2]))))
    inferred_rows = list({(ids[k], parent(k)): (rng.choice(["finetune", "quantized"]),
                                                 rng.choice(["card_text", "repo_name"]),
                                                 round(rng.random(), 2), rng.random() > 0.1)
                          for k in range(3, len(ids)) for _ in range(rng.choice([0, 1, 2]))
                          }.items())
    path = tmp_path / "random.duckdb"
    db = create_db(path)
    add_models(db, [{"id": m, "created_at": datetime(2024, 1, 1)} for m in ids])
    add_edges(db, [(c, p, "finetune") for c, p in documented])
    add_inferred(db, [(c, p, *rest) for (c, p), rest in inferred_rows])
    db.close()
    config = Roots(families={"f": "F"}, organisations={},
                   releases=(Release("f", "R", datetime(2024, 1, 1).date(), "mit",
                                     tuple(roots)),))
    threshold = 0.4
    has_parent = {c for c, _ in documented}
    used = [(c, p) for (c, p), (_, _, conf, resolved) in inferred_rows
            if resolved and conf >= threshold and c not in has_parent and c != p]
    plain = [(c, p) for c, p in documented if c != p]
    conn = connect(path, config, inferred=threshold)
    got = {(r, m): (d, doc) for r, m, d, doc in conn.execute(
        "SELECT root, model_id, depth, documented FROM root_reach").fetchall()}
    conn.close()
    expected = {}
    for root in roots:
        reach, by_documented = walk(root, plain + used), walk(root, plain)
        expected |= {(root, m): (d, m in by_documented) for m, d in reach.items()}
    assert got == expected
    marks = [documented for _, documented in expected.values()]
    assert len(marks) > 30 and marks.count(False) >= 5  # the graph exercises both kinds


# -- the report ---------------------------------------------------------------------------------

def test_the_report_sets_both_edge_sets_side_by_side(paths):
    for threshold, llama in ((None, 7), (0.5, 12)):
        conn = connect(paths[0], tiny_roots(), inferred=threshold)
        data = report.collect(conn)
        page = report.render_html(data)
        summary = report.render_markdown(data)
        assert edges.current(conn) == threshold  # the comparison switched back
        conn.close()
        assert data.frames["sizes_family"].set_index("family").loc["llama", "models"] == llama
        table = data.comparison.members.set_index("family")
        assert table.loc["llama", ["documented", "inferred_only", "total"]].tolist() == \
            [7, 5, 12]
        assert table.loc["llama", ["card_text", "repo_name", "adapter_config", "card_merge",
                                   inferred.BELOW_INFERRED]].tolist() == [1, 1, 1, 1, 1]
        assert table.loc["deepseek", ["documented", "inferred_only"]].tolist() == [2, 1]
        sizes = data.comparison.frames["sizes"].set_index(["family", "measure"])
        assert sizes.loc[("llama", "models")].tolist() == [7, 12, 5]
        assert sizes.loc[("llama", "max_depth")].tolist() == [2, 2, 0]
        assert data.comparison.available.used == 7
        assert ">Documented and inferred lineage<" in page and "Members per family" in page
        assert "## Documented and inferred lineage" in summary
        said = "documented edges + inferred edges with confidence &gt;= 0.5" if threshold \
            else "Lineage: documented edges only"
        assert said in page and said in summary
        assert ("hatched" in page) and ("through inferred edges only" in page)


def test_the_report_says_in_one_line_when_nothing_was_inferred(paths, tmp_path):
    conn = connect(paths[1], tiny_roots(), inferred=0.5)
    page, summary = (p.read_text(encoding="utf-8")
                     for p in report.write_report(conn, tmp_path / "out"))
    conn.close()
    section = page.split(">Documented and inferred lineage</h2>")[1].split("<h2>")[0]
    assert section == f"<p class='note'>{report.html.escape(report.NO_INFERRED)}</p>"
    assert "holds no inferred edges" in summary


# -- the timeline -------------------------------------------------------------------------------

def test_new_derivatives_split_documented_and_inferred(paths):
    conn = connect(paths[0], tiny_roots(), inferred=0.5)
    weekly = timeline.new_derivatives(conn, "family", "week")
    monthly = timeline.new_derivatives(conn, "family", "month")
    inferred_only = {f: len(m) for f, m in members(conn, documented=False).items()}
    off = connect(paths[0], tiny_roots())
    assert "new_inferred" not in timeline.new_derivatives(off, "family", "week")
    off.close(), conn.close()
    for frame in (weekly, monthly):
        assert (frame["new_documented"] + frame["new_inferred"]
                == frame["new_derivatives"]).all()
        assert frame.groupby("family")["new_inferred"].sum().to_dict() == inferred_only
    assert monthly.set_index(["family", "period_start"]).loc[
        ("llama", pd.Timestamp("2023-07-01")), ["new_documented", "new_inferred"]].tolist() \
        == [2, 2]  # d/ft, d/ft-q; i/strong, i/strong-GGUF


@pytest.fixture(scope="module")
def wave(tmp_path_factory):
    return llama1_wave_graph(tmp_path_factory.mktemp("wave") / "wave.duckdb")


def test_the_llama1_wave_appears_with_inferred_edges(wave):
    """Spring 2023: documented lineage shows nothing below LLaMA 1 until base_model existed;
    the inferred edges show the derivatives after the leak, around Alpaca, Vicuna, GPT4All and
    Koala, marked as inferred."""
    off, on = connect(wave), connect(wave, inferred=0.5)
    spring = (pd.Timestamp("2023-03-01"), pd.Timestamp("2023-06-30"))
    curves = {}
    for name, conn in (("off", off), ("on", on)):
        weekly = timeline.new_derivatives(conn, "release", "week")
        llama1 = weekly[weekly["release"] == "LLaMA 1"]
        curves[name] = llama1[llama1["period_start"].between(*spring)]
        windows = timeline.windows(conn, (30,)).set_index(["event", "family"])
        curves[name + "_windows"] = windows
    assert curves["off"]["new_derivatives"].sum() == 0
    spring_on = curves["on"]
    assert spring_on["new_derivatives"].sum() == 7  # eachadea/vicuna-13b: only weak evidence
    assert spring_on["new_documented"].sum() == 0
    first = spring_on[spring_on["new_derivatives"] > 0]["period_start"].min()
    assert first >= pd.Timestamp("2023-03-03") - pd.Timedelta(days=6)  # the leak's week
    for event in ("Alpaca", "Vicuna", "GPT4All", "Koala"):
        assert curves["off_windows"].loc[(event, "llama"), "after"] == 0, event
        assert curves["on_windows"].loc[(event, "llama"), "after"] > 0, event
    summary = timeline.aligned_summary(timeline.aligned(on, ["LLaMA 1"], 90))
    assert summary["by_day_90"].tolist() == [7]
    marked, plain = timeline.chart(on, "weekly"), timeline.chart(off, "weekly")
    assert "LLaMA: through inferred edges only" in marked and "<pattern" in marked
    assert "through inferred edges only" not in plain and "<pattern" not in plain
    assert "Alpaca (2023-03-13)" in marked
    off.close(), on.close()
