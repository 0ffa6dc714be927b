"""Where a full listing's ingest time goes, step by step (issue 24: 33,333 models/s at 3M).

    python -m bench.ingest_profile [--models 200000] [--seed 7]

Fetches the listing pages of a cached generated Hub from the double once, to files (HTTP is
not measured; bench.hubs.pages_on_disk), then drives the crawler's own `ListingStore` over
them into a fresh database as a full crawl does (stage every page, move the stage every
APPLY_EVERY pages, release the file between batches) and prints the wall and CPU seconds of
each step (CPU: the whole process's, both threads). The parse of the next stage part runs in
the read-ahead thread, beside the writes: its seconds overlap the others.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import CACHE
from bench.hubs import pages_on_disk
from bench.listing import fresh_db
from bench.worker import Stopwatch
from crawler.modes.base import APPLY_EVERY
from crawler.store import Database, Tally, listing
from crawler.store.meta import Checkpoints
from crawler.store.read_ahead import ReadAhead
from crawler.store.stage import PageStage

# (label, owner, attribute): the steps timed, outermost first
STEPS: list[tuple[str, Any, str]] = [
    ("stage a page (file write + check)", listing.ListingStore, "stage_page"),
    ("  write and fsync the page file", PageStage, "write"),
    ("move the stage into the tables", listing.ListingStore, "apply_staged"),
    ("  wait for the read-ahead's parse", ReadAhead, "_next"),
    ("  insert models, tags, edges, snapshots", listing, "apply_page"),
    ("parse a part (read-ahead thread)", listing.ListingStore, "_read_part"),
    ("release the file (checkpoint)", Database, "release"),
]


def instrument() -> dict[str, Stopwatch]:
    watches: dict[str, Stopwatch] = {}
    for label, owner, name in STEPS:
        watches[label] = Stopwatch()
        original: Callable[..., Any] = getattr(owner, name)
        setattr(owner, name, watches[label].wrap(original))
    return watches


def ingest(pages: list[Path], db_path: Path) -> tuple[float, int, list[float]]:
    """Stage and apply the page files as a full crawl does (each read as the crawl receives
    it); returns (wall seconds, models stored, seconds per tenth of the pages)."""
    start = time.perf_counter()
    tenths, tenth = [], max(len(pages) // 10, 1)
    with Database(fresh_db(db_path)) as db:
        run_id = db.runs.start("full")
        checkpoints = Checkpoints("full")
        for number, path in enumerate(pages, 1):
            db.listing.stage_page(path.read_text(encoding="utf-8"), checkpoints, "listing",
                                  f"page-{number}", run_id, Tally())
            if number % APPLY_EVERY == 0:
                db.listing.apply_staged(run_id, Tally())
            db.release(force=False)
            if number % tenth == 0:
                tenths.append(time.perf_counter() - start - sum(tenths))
        db.listing.apply_staged(run_id, Tally())
        wall = time.perf_counter() - start
        return wall, db.conn.execute("SELECT count(*) FROM models").fetchone()[0], tenths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    pages = pages_on_disk(args.models, args.seed)
    watches = instrument()
    wall, models, tenths = ingest(pages, CACHE / "ingest-profile.duckdb")
    print(f"{models:,} models in {len(pages):,} pages: {wall:.2f} s, "
          f"{models / wall:,.0f} models/s")
    print("seconds per tenth of the pages (the database growing): "
          + ", ".join(f"{t:.1f}" for t in tenths))
    print(f"{'step':42s} {'wall s':>8s} {'cpu s':>8s} {'calls':>7s} {'s per 100k':>11s}")
    for label, watch in watches.items():
        print(f"{label:42s} {watch.seconds:8.2f} {watch.cpu_seconds:8.2f} {watch.calls:7,d} "
              f"{watch.seconds / models * 100_000:11.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
