"""Run the benchmark suite against the Hub double and write BENCHMARKS.md.

    python -m bench.run [--out BENCHMARKS.md] [--quick] [--only NAME ...] [--seed N]

Full sizes follow issue 6 (a 2,000,000-model Hub, 200,000 for incremental crawls) and issue 24
(a 3,000,000-model Hub for the full listing, its ingest and a day of it); --quick uses small
ones to iterate. Generated Hubs and crawl databases are cached under data/bench/.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.common import CACHE, ROOT, Figure, Section, machine
from bench.report import render

LAST_RUN = CACHE / "last-run.json"
NAMES = ("listing", "analysis", "cards", "incremental", "family", "sql", "budgets", "hub-stats",
         "day")


@dataclass(frozen=True)
class Sizes:
    listing: tuple[int, ...]  # Hub sizes listed in full; the last is the big one
    listing_runs: tuple[int, ...]  # runs per size
    cards_hub: int
    naive_cards: int
    tight_hub: int
    tight: tuple[int, float]  # card requests per window, window seconds
    incremental: int
    family_hub: int
    family_share: float  # lineage share giving ~100,000 family models at 2M
    family_hub_size: int | None  # told to the family crawl (None: it assumes 2.2M)
    runs: int
    big_runs: int  # runs of the analysis on the big database
    sql_models: int  # models (15 tags each) of the sql output database
    budgets_hub: int  # the Hub listed once per plan
    budget_runs: int
    hub_stats: int  # the Hub written as a hub-stats dump, imported beside a full crawl of it
    day_hub: int  # the Hub whose day is measured
    day_windows: dict[str, int]  # plans whose day is measured, and the window (s) of each


# the day's windows: the plans' own (300 s, k = 1). A scaled window (W < 300 s, k = 300 / W
# times the rate) multiplies the crawl's fixed costs (start, the trees at the end) by k and asks
# two shared cores to keep up with k times the rate: at 200k, W = 60 s read 1.85x the slower
# bucket's time where W = 300 s reads 1.01x.
DAY_WINDOWS = {"free": 300, "anonymous": 300}
FULL = Sizes(listing=(200_000, 3_000_000), listing_runs=(3, 1), cards_hub=3_000,
             naive_cards=200, tight_hub=300, tight=(50, 5.0), incremental=200_000,
             family_hub=2_000_000, family_share=0.043, family_hub_size=None, runs=3,
             big_runs=3, sql_models=2_000_000, budgets_hub=20_000, budget_runs=3,
             hub_stats=3_000_000, day_hub=200_000, day_windows=DAY_WINDOWS)
QUICK = Sizes(listing=(20_000, 50_000), listing_runs=(3, 1), cards_hub=1_000,
              naive_cards=60, tight_hub=300, tight=(50, 5.0), incremental=20_000,
              family_hub=50_000, family_share=0.043, family_hub_size=50_000, runs=3,
              big_runs=1, sql_models=100_000, budgets_hub=20_000, budget_runs=1,
              hub_stats=100_000, day_hub=50_000, day_windows=DAY_WINDOWS)


def run_section(name: str, sizes: Sizes, seed: int) -> Section:
    if name == "listing":
        from bench.listing import listing

        runs = dict(zip(sizes.listing, sizes.listing_runs, strict=True))
        return listing(list(sizes.listing), runs, seed)[0]
    if name == "analysis":
        from bench.analysis_bench import analysis
        from bench.listing import listing

        big = sizes.listing[-1]
        db = CACHE / f"full-{big}-s{seed}.duckdb"
        if not db.exists() or Path(f"{db}.wal").exists():
            listing([big], {big: 1}, seed, floor=False)
        return analysis(db, sizes.big_runs, big)
    if name == "cards":
        from bench.cards import cards

        return cards(sizes.cards_hub, sizes.naive_cards, sizes.tight_hub, sizes.tight,
                     sizes.runs, seed)
    if name == "incremental":
        from bench.incremental import incremental

        return incremental(sizes.incremental, sizes.runs, seed)
    if name == "sql":
        from bench.sql_output import sql_output

        return sql_output(sizes.sql_models, sizes.big_runs)
    if name == "budgets":
        from bench.budgets import budgets

        return budgets(sizes.budgets_hub, sizes.budget_runs, seed)
    if name == "hub-stats":
        from bench.hub_stats import hub_stats

        return hub_stats(sizes.hub_stats, seed)
    if name == "day":
        from bench.day import day

        return day(sizes.day_hub, seed, sizes.day_windows)
    from bench.family import family

    return family(sizes.family_hub, sizes.family_share, 1, seed, sizes.family_hub_size)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument("--quick", action="store_true", help="small sizes, to iterate")
    parser.add_argument("--only", nargs="+", choices=NAMES, default=list(NAMES))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rerender", action="store_true",
                        help=f"rewrite --out from the last run's results ({LAST_RUN.name})")
    parser.add_argument("--note", default="", help="a remark on the run's conditions")
    args = parser.parse_args(argv)
    if args.rerender:
        saved = json.loads(LAST_RUN.read_text(encoding="utf-8"))
        sections = [Section(**{**s, "figures": [Figure(**f) for f in s["figures"]]})
                    for s in saved["sections"]]
        args.out.write_text(render(sections, saved["machine"], saved["command"],
                                   saved["quick"], saved["elapsed_s"], args.note),
                            encoding="utf-8")
        return 0
    sizes = QUICK if args.quick else FULL
    start = time.perf_counter()
    sections = []
    for name in NAMES:
        if name not in args.only:
            continue
        began = time.perf_counter()
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        section = run_section(name, sizes, args.seed)
        for f in section.figures:
            print(f"  {f.name}: {f.value:,.3f} {f.unit} [{f.result()}]", file=sys.stderr)
        print(f"  ({time.perf_counter() - began:.0f} s)", file=sys.stderr, flush=True)
        sections.append(section)
    command = "python -m bench.run --out BENCHMARKS.md" + (" --quick" if args.quick else "")
    if set(args.only) != set(NAMES):
        command += " --only " + " ".join(args.only)
    elapsed, info = time.perf_counter() - start, machine()
    CACHE.mkdir(parents=True, exist_ok=True)
    LAST_RUN.write_text(json.dumps({
        "sections": [asdict(s) for s in sections], "machine": info, "command": command,
        "quick": args.quick, "elapsed_s": elapsed}, indent=1), encoding="utf-8")
    args.out.write_text(render(sections, info, command, args.quick, elapsed, args.note),
                        encoding="utf-8")
    print(f"bench: wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
