"""Item 3: an incremental crawl after 1% of the Hub changed: requests against the minimum.

A baseline full crawl of the Hub is made once per size and kept. Its cards are then recorded
as stored at each model's sha (one SQL statement on the bench's copy, standing in for a
baseline crawl that fetched them all, which would only cost time here). Each run copies the
store and the baseline, touches 1% of the models (new sha and lastModified, as a push does;
a different random 1% each run) and runs `crawl(db, 'incremental', cards=True)`.

Minimum needed: the listing sorted by lastModified has to reach one model older than the
watermark to know it saw every change, so ceil((changed + 1) / 1000) pages, plus one README
request per changed model (its sha changed, so its card may have).
"""

from __future__ import annotations

import math
import random
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from bench.common import CACHE, Section, at_most, info, median
from bench.hubs import cached_store, copy_store, serve
from bench.listing import AMPLE, PAGE, crawl_full, fresh_db
from hub_double.store import HubStore

TARGET = 1.1


def baseline(store: Path, n: int, seed: int, name: str = "incremental-base",
             crawled: Path | None = None) -> Path:
    """A completed full crawl of the Hub (a copy of `crawled`, if given and whole) with every
    card recorded as stored at its model's sha."""
    path = CACHE / f"{name}-{n}-s{seed}.duckdb"
    if path.exists():
        return path
    partial = fresh_db(CACHE / f"{name}-{n}-s{seed}.partial.duckdb")
    if crawled is not None and crawled.exists() and not Path(f"{crawled}.wal").exists():
        shutil.copyfile(crawled, partial)
    else:
        crawl_full(store, partial)
    conn = duckdb.connect(str(partial))
    conn.execute("INSERT OR REPLACE INTO cards (model_id, sha, fetched_at, truncated) "
                 "SELECT id, sha, now(), false FROM models WHERE sha IS NOT NULL")
    conn.execute("CHECKPOINT")
    conn.close()
    Path(f"{partial}.crawl-lock").unlink(missing_ok=True)
    partial.rename(path)
    return path


def one_run(store: Path, base: Path, share: float, run: int) -> tuple[dict, dict, int]:
    work = CACHE / "incremental-work"
    work.mkdir(exist_ok=True)
    hub = copy_store(store, work / "hub.duckdb")
    db = fresh_db(work / "crawl.duckdb")
    shutil.copyfile(base, db)
    mutable = HubStore(hub)
    ids = [r[0] for r in mutable.cursor().execute("SELECT id FROM models").fetchall()]
    changed = random.Random(run).sample(ids, round(share * len(ids)))
    mutable.touch(changed, datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=run))
    mutable.close()
    from bench.worker import run_worker

    with serve(hub) as double:
        out = run_worker({"task": "crawl", "mode": "incremental", "db": str(db),
                          "endpoint": double.url, "budgets": AMPLE, "cards": True},
                         endpoint=double.url)
        counts = dict(double.log.counts())
    return out, counts, len(changed)


def incremental(n: int, runs: int, seed: int, share: float = 0.01) -> Section:
    section = Section(
        "3. Incremental",
        "python -m bench.run --only incremental",
        f"A generated {n:,}-model Hub (seed {seed}), a baseline full crawl, then {share:.0%} of "
        "the models touched (new sha and lastModified) and an incremental crawl with cards; no "
        "added latency (request counts do not depend on it).",
    )
    store, _ = cached_store(n, seed, 0.35)
    base = baseline(store, n, seed)
    ratios, totals, minima = [], [], []
    for run in range(runs):
        out, counts, changed = one_run(store, base, share, run)
        minimum = math.ceil((changed + 1) / PAGE) + changed
        total = sum(counts.values())
        ratios.append(total / minimum)
        totals.append(float(total))
        minima.append(minimum)
        section.details.append(
            f"run {run + 1}: {changed:,} changed; requests {counts}; crawler saw "
            f"{out['models_changed']:,} changed, fetched {out['cards_fetched']:,} cards; "
            f"minimum {minimum:,}")
    section.figures += [
        info("requests made", totals, "requests",
             note=f"minimum needed {median([float(m) for m in minima]):,.0f}"),
        at_most("requests / minimum needed", ratios, "x", TARGET),
    ]
    return section
