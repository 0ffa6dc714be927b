"""Time the analysis on a large random Hub: the closure, every report metric, the report, a tree.

    .venv/bin/python -m tests.analysis_bench --models 2000000 --db /tmp/bench.duckdb

The database is generated once (about a minute for two million models) and reused. Fewer
background roots make bigger families: the default 30 puts about 40% of the Hub in the two
families and over 100,000 descendants under the biggest root, harsher than the real Hub.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from analysis import db, licenses, lineage, metrics, openness, report
from analysis.tree import family_tree, render
from tests.analysis_fixtures import create_db, random_hub


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(label: str, work: Callable[[], object]) -> object:
    wall, used = time.perf_counter(), cpu()
    result = work()
    print(f"{label:34s} {time.perf_counter() - wall:7.2f} s wall {cpu() - used:7.2f} s cpu")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=2_000_000)
    parser.add_argument("--background-roots", type=int, default=30)
    parser.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "bench.duckdb")
    args = parser.parse_args()
    if not args.db.exists():
        writer = create_db(args.db)
        timed(f"generate {args.models:,} models", lambda: random_hub(
            writer, args.models, seed=1, background_roots=args.background_roots))
        writer.close()

    conn = db.connect(args.db)
    timed("lineage.prepare (closure)", lambda: lineage.prepare(conn))
    print(conn.execute("SELECT family, count(*) FROM model_family GROUP BY ALL").fetchall())
    for name, work in [
        ("lineage.issues", lambda: lineage.issues(conn)),
        ("metrics.sizes x2", lambda: [metrics.sizes(conn, lv) for lv in ("family", "release")]),
        ("metrics.relation_shares x2",
         lambda: [metrics.relation_shares(conn, lv) for lv in ("family", "release")]),
        ("metrics.quantization_formats", lambda: metrics.quantization_formats(conn)),
        ("metrics.downloads x2",
         lambda: [metrics.downloads(conn, lv) for lv in ("family", "release")]),
        ("metrics.top_derivatives", lambda: metrics.top_derivatives(conn)),
        ("metrics.growth x2", lambda: [metrics.growth(conn, lv) for lv in ("family", "release")]),
        ("metrics.milestones", lambda: metrics.milestones(conn, "release")),
        ("metrics.bridges", lambda: metrics.bridges(conn)),
        ("licenses.flows x2", lambda: [licenses.flows(conn, lv) for lv in ("family", "release")]),
        ("licenses.naming_rule_summary", lambda: licenses.naming_rule_summary(conn)),
        ("openness.summary", lambda: openness.summary(conn)),
    ]:
        timed(name, work)
    conn.close()

    conn = db.connect(args.db)  # a fresh connection: the report pays for the closure itself
    with tempfile.TemporaryDirectory() as out:
        timed("report.write_report (everything)", lambda: report.write_report(conn, out))
    conn.close()

    conn = db.connect(args.db)
    lineage.prepare(conn)
    biggest = conn.execute(
        "SELECT root, count(*) FROM model_roots GROUP BY root ORDER BY 2 DESC LIMIT 1"
    ).fetchall()[0]
    conn.close()
    conn = db.connect(args.db)  # as `hf-lineage tree` does: nothing cached
    tree = timed(f"tree {biggest[0]} ({biggest[1] - 1:,} below)",
                 lambda: family_tree(conn, biggest[0], 2))
    timed("tree render", lambda: render(tree))
    conn.close()


if __name__ == "__main__":
    main()
