"""Item 1: a full listing of the Hub: requests against the minimum, ingest rate, peak memory.

The crawler runs in its own process (`bench.worker`), the double in a thread of this one, with
no added latency (the ingest rate excludes the double's time anyway). The ingest rate is
models stored / seconds spent inside `ListingStore.stage_page` (writing each page's file and
checking it), `ListingStore.apply_staged` (moving the staged pages into models, tags, edges and
snapshots) and `Database.release` (committing and handing the file to readers): the crawler
fetches a page, then stages it, so those seconds contain no HTTP and no work of the double.
Beside it, the floor (`bench.ingest_floor`): DuckDB alone storing the same pages' columns.
"""

from __future__ import annotations

import math
from pathlib import Path

from bench.common import CACHE, Figure, Section, at_least, at_most, info, median
from bench.hubs import cached_store, serve
from bench.ingest_floor import floor_figures
from bench.worker import run_worker

PAGE = 1000  # the largest page the Hub's listing serves (limit=1000)
AMPLE = {"api": 10_000_000, "resolvers": 10_000_000}
INGEST_TARGET = 33_333  # models/s: Enterprise Plus, 10,000 pages of 1,000 per 5 minutes
RSS_TARGET_MB = 1024


def fresh_db(path: Path) -> Path:
    for suffix in ("", ".wal", ".crawl-lock"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


def crawl_full(store: Path, db: Path, fresh: bool = True) -> tuple[dict, dict]:
    """One full crawl (no cards) of the Hub in `store` into `db`, a fresh one by default."""
    with serve(store) as double:
        out = run_worker({"task": "crawl", "mode": "full",
                          "db": str(fresh_db(db) if fresh else db),
                          "endpoint": double.url, "budgets": AMPLE, "cards": False},
                         endpoint=double.url)
        counts = dict(double.log.counts())
    return out, counts


def recrawl_figure(store: Path, db: Path, n: int) -> Figure:
    """A second full crawl into the database of the first: every model is known, so each
    part of the stage is merged into the models stored (an update of every row)."""
    again, _ = crawl_full(store, db, fresh=False)
    if again["status"] != "ok" or again["models_in_db"] != n:
        raise RuntimeError(f"the second full crawl of {n:,} models ended {again['status']} "
                           f"with {again['models_in_db']:,} models stored")
    return info(f"{n:,} models: a second full crawl (every model known): ingest rate",
                [again["models_seen"] / again["ingest_s"]], "models/s",
                note=f"peak RSS {again['peak_rss_mb']:.0f} MB")


def listing(sizes: list[int], runs: dict[int, int], seed: int,
            floor: bool = True) -> tuple[Section, dict[int, Path]]:
    """Item 1 at each size; with `floor`, DuckDB's bare write of the smallest size's pages."""
    section = Section(
        "1. Full listing",
        "python -m bench.run --only listing",
        "`crawl(db, 'full', cards=False)` in a child process against the double (page size "
        "1000, no added latency) serving a generated Hub (seed "
        f"{seed}, lineage share 0.35); a fresh database per run.",
    )
    dbs: dict[int, Path] = {}
    peaks: dict[int, float] = {}
    rates_of: dict[int, float] = {}
    for n in sizes:
        store, gen_s = cached_store(n, seed, 0.35)
        if gen_s:
            section.details.append(f"generated the {n:,}-model Hub in {gen_s:.0f} s (cached)")
        db = CACHE / f"full-{n}-s{seed}.duckdb"
        results = [crawl_full(store, db) for _ in range(runs.get(n, 1))]
        dbs[n] = db
        minimum = math.ceil(n / PAGE)
        lists = [float(c.get("list", 0)) for _, c in results]
        rates = [o["models_seen"] / o["ingest_s"] for o, _ in results]
        rss = [o["peak_rss_mb"] for o, _ in results]
        peaks[n] = median(rss)
        rates_of[n] = median(rates)
        section.figures += [
            at_most(f"{n:,} models: list requests", lists, "requests", minimum + 1,
                    note=f"minimum {minimum:,} pages of {PAGE:,}; target = minimum + 1"),
            at_least(f"{n:,} models: ingest rate (crawler's ingest calls only)", rates,
                     "models/s", INGEST_TARGET,
                     note=f"median {median([o['ingest_s'] for o, _ in results]):.1f} s in "
                     f"{results[0][0]['ingest_calls']:,} ingest calls"),
            at_most(f"{n:,} models: crawler peak RSS", rss, "MB", RSS_TARGET_MB,
                    note=f"{median([o['base_rss_mb'] for o, _ in results]):.0f} MB after "
                    "imports, before crawling"),
            info(f"{n:,} models: crawl wall time (double included)",
                 [o["wall_s"] for o, _ in results], "s",
                 note=f"{median([o['models_seen'] / o['wall_s'] for o, _ in results]):,.0f} "
                 "models/s end to end"),
        ]
        if n == min(sizes):
            section.figures.append(recrawl_figure(store, db, n))
        other = {k: v for k, v in results[0][1].items() if k != "list"}
        if other:
            section.details.append(f"{n:,}: other requests {other}")
    if floor:
        small = min(sizes)
        floors = floor_figures(small, seed, runs.get(small, 1))
        section.figures += floors
        section.figures.append(info(
            f"{small:,} models: crawler's ingest rate / the floor at the same buffer pool",
            [rates_of[small] / floors[0].value], "x",
            note="the share of DuckDB's bare write speed the crawler's whole ingest reaches"))
    if len(peaks) > 1:
        small, big = min(peaks), max(peaks)
        ratio = peaks[big] / peaks[small]
        section.figures.append(Figure(
            f"peak RSS at {big:,} / at {small:,} models (flat in Hub size)", ratio, "x",
            "<= 1.25 x", ratio <= 1.25, 1,
            miss_by="" if ratio <= 1.25 else f"grows {ratio:.2f}x for {big // small}x models"))
    return section, dbs
