"""Item 5's measurements, run in a child process (`bench.worker`, task `analysis`).

One call: every metric of the report timed one by one after the closure (`lineage.prepare`),
the whole report on a fresh connection, `hf-lineage tree` work on a fresh connection, and the
lineage closure (the `model_roots` view, uncached) against networkx on the same edges.
"""

from __future__ import annotations

import io
import tempfile
import time
from collections.abc import Callable
from typing import Any


def _timed(work: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def metric_calls(conn: Any) -> list[tuple[str, Callable[[], object]]]:
    """The calls `analysis.report.collect` makes, one by one."""
    from analysis import licenses, lineage, metrics, openness

    calls: list[tuple[str, Callable[[], object]]] = [("lineage.issues",
                                                      lambda: lineage.issues(conn))]
    for level in ("family", "release"):
        calls += [(f"metrics.sizes({level})", lambda lv=level: metrics.sizes(conn, lv)),
                  (f"metrics.relation_shares({level})",
                   lambda lv=level: metrics.relation_shares(conn, lv)),
                  (f"metrics.downloads({level})", lambda lv=level: metrics.downloads(conn, lv)),
                  (f"metrics.growth({level})", lambda lv=level: metrics.growth(conn, lv)),
                  (f"licenses.flows({level})", lambda lv=level: licenses.flows(conn, lv))]
    calls += [
        ("metrics.partition_sizes", lambda: metrics.partition_sizes(conn)),
        ("metrics.depth_distribution", lambda: metrics.depth_distribution(conn, "family")),
        ("metrics.quantization_formats", lambda: metrics.quantization_formats(conn, "family")),
        ("metrics.top_derivatives", lambda: metrics.top_derivatives(conn, "family", 10)),
        ("metrics.milestones", lambda: metrics.milestones(conn, "release")),
        ("metrics.bridges", lambda: metrics.bridges(conn)),
        ("licenses.declared_licenses", lambda: licenses.declared_licenses(conn, "family")),
        ("licenses.naming_rule_summary", lambda: licenses.naming_rule_summary(conn)),
        ("openness.summary", lambda: openness.summary(conn, "family")),
    ]
    return calls


def biggest_root(path: str) -> tuple[str, int]:
    from analysis import db, lineage

    conn = db.connect(path)
    lineage.prepare(conn)
    root, n = conn.execute("SELECT root, count(*) - 1 FROM model_roots GROUP BY root "
                           "ORDER BY 2 DESC LIMIT 1").fetchone()
    conn.close()
    return root, n


def tree_seconds(path: str, root: str) -> tuple[float, int]:
    """What `hf-lineage tree ROOT` does after importing: connect, walk, render to text."""
    from rich.console import Console

    from analysis import db
    from analysis.tree import family_tree, render

    start = time.perf_counter()
    conn = db.connect(path, views=False)  # as the command connects
    tree = family_tree(conn, root, 2, max_children=10)  # as the command calls it
    Console(file=io.StringIO(), width=120).print(render(tree))
    seconds = time.perf_counter() - start
    conn.close()
    return seconds, tree.descendants


def closure_vs_networkx(path: str) -> dict[str, float]:
    import networkx as nx

    from analysis import db

    conn = db.connect(path)
    sql_s, _ = _timed(lambda: conn.execute(
        "CREATE TEMP TABLE closure AS SELECT model_id, root, depth FROM model_roots"))
    pairs = conn.execute("SELECT count(*) FROM closure").fetchone()[0]
    roots = [r[0] for r in conn.execute("SELECT DISTINCT root FROM closure").fetchall()]
    fetch_s, edges = _timed(lambda: conn.execute(
        "SELECT parent, child FROM lineage_edges WHERE parent <> child").fetchall())
    conn.close()

    def networkx_closure() -> int:
        graph = nx.DiGraph()
        graph.add_edges_from(edges)
        return sum(len(nx.single_source_shortest_path_length(graph, r)) if r in graph else 1
                   for r in roots)

    nx_s, nx_pairs = _timed(networkx_closure)
    return {"sql_s": sql_s, "networkx_s": nx_s, "fetch_s": fetch_s, "pairs": pairs,
            "networkx_pairs": nx_pairs, "roots": len(roots), "edges": len(edges)}


def run(task: dict[str, Any]) -> dict[str, Any]:
    from analysis import db, lineage, report

    path = task["db"]
    conn = db.connect(path)
    prepare_s, _ = _timed(lambda: lineage.prepare(conn))
    metrics = {name: _timed(call)[0] for name, call in metric_calls(conn)}
    conn.close()

    conn = db.connect(path)  # a fresh connection: the report pays for the closure itself
    with tempfile.TemporaryDirectory() as out:
        report_s, _ = _timed(lambda: report.write_report(conn, out))
    conn.close()

    root, below = task.get("root") or biggest_root(path)
    tree_s, descendants = tree_seconds(path, root)
    return {"prepare_s": prepare_s, "metrics": metrics, "report_s": report_s, "root": root,
            "tree_s": tree_s, "descendants": descendants,
            "closure": closure_vs_networkx(path) if task.get("networkx") else None}
