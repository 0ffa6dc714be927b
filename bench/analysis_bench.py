"""Item 5: the analysis on the big crawl database: every metric, the report, a tree, closure.

Each run is a fresh child process (`bench.analysis_task`); the database is the one the full
listing benchmark (item 1) crawled from the biggest Hub. The tree is timed on the root with the
most descendants, both as the library call `hf-lineage tree` makes (connect, walk, render) and
as the whole command (interpreter start and imports included).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from bench.common import Section, at_most, info, median
from bench.worker import ROOT, run_worker

REPORT_TARGET_S = 30.0
TREE_TARGET_S = 0.5  # the library call
TREE_COMMAND_TARGET_S = 1.0  # the whole command, Python start included


def cli_tree_seconds(db: Path, root: str) -> float:
    exe = Path(sys.executable).with_name("hf-lineage")
    start = time.perf_counter()
    subprocess.run([str(exe), "tree", root, "--db", str(db)], cwd=ROOT, check=True,
                   capture_output=True)
    return time.perf_counter() - start


def analysis(db: Path, runs: int, n_models: int) -> Section:
    section = Section(
        "5. Analysis",
        "python -m bench.run --only listing analysis",
        f"The database of the {n_models:,}-model full crawl (item 1); each run in a fresh "
        "process with fresh connections. The closure is the `model_roots` view (every "
        "(model, root, depth) pair) computed live; networkx builds a DiGraph from the same "
        "edges and runs a BFS from every root (edge fetch into Python not included).",
    )
    results = [run_worker({"task": "analysis", "db": str(db), "networkx": i == 0})
               for i in range(runs)]
    first = results[0]
    metric_total = [r["prepare_s"] + sum(r["metrics"].values()) for r in results]
    section.figures += [
        at_most("every metric of the report (closure + each call, summed)", metric_total, "s",
                REPORT_TARGET_S),
        at_most("the report (write_report: HTML + Markdown + charts)",
                [r["report_s"] for r in results], "s", REPORT_TARGET_S),
        at_most(f"tree of {first['root']} ({first['descendants']:,} descendants), library "
                "call", [r["tree_s"] for r in results], "s", TREE_TARGET_S,
                note="connect as the command does (no lineage views) + family_tree(depth 2, 10 "
                     "children per node) + render to text"),
    ]
    cli = [cli_tree_seconds(db, first["root"]) for _ in range(runs)]
    section.figures.append(at_most("`hf-lineage tree` whole command (Python start included)",
                                   cli, "s", TREE_COMMAND_TARGET_S))
    closure = first["closure"]
    if closure:
        ratio = closure["networkx_s"] / closure["sql_s"]
        section.figures += [
            info("lineage closure (SQL, model_roots)", [closure["sql_s"]], "s",
                 note=f"{closure['pairs']:,} (model, root) pairs from {closure['roots']} "
                 "roots"),
            info("same closure with networkx", [closure["networkx_s"]], "s",
                 note=f"{closure['networkx_pairs']:,} pairs; {closure['edges']:,} edges "
                 f"fetched in {closure['fetch_s']:.1f} s (not included)"),
            info("networkx / SQL time", [ratio], "x"),
        ]
    slowest = sorted(((median([r["metrics"][k] for r in results]), k)
                      for k in first["metrics"]), reverse=True)
    section.details.append(f"closure (lineage.prepare): "
                           f"{median([r['prepare_s'] for r in results]):.2f} s; metrics, "
                           "median s: " + ", ".join(f"{k} {v:.2f}" for v, k in slowest))
    return section
