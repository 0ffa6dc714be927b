"""Item 4: a family crawl of a Hub whose LLaMA/DeepSeek family is a small part of it.

The generated Hub's lineage share is set so the family (ground truth: models whose `family` is
not NULL) has about the size asked for. The crawl starts from an empty database and is not
told the Hub's size (`hub_size=None`): with no `hub_size` stored yet it assumes the real Hub's
2.2M models when weighing filters against a listing, as a first real crawl would. Cards are
off: the figure counts the requests that discover the family.
"""

from __future__ import annotations

import math

import duckdb

from bench.common import CACHE, Section, at_most, info, median
from bench.hubs import cached_store, family_size, serve
from bench.listing import AMPLE, PAGE, fresh_db
from bench.worker import run_worker

PER_MODEL_TARGET = 0.25
LISTING_TARGET = 1.1


def recall(db: str, store: str) -> float:
    """Share of the true family that the crawl stored."""
    conn = duckdb.connect(db, read_only=True)
    try:
        conn.execute(f"ATTACH '{store}' AS hub (READ_ONLY)")
        return conn.execute(
            "SELECT avg(CASE WHEN m.id IS NULL THEN 0 ELSE 1 END) FROM hub.truth_models t "
            "LEFT JOIN models m ON m.id = t.id WHERE t.family IS NOT NULL").fetchone()[0]
    finally:
        conn.close()


def family(n: int, lineage_share: float, runs: int, seed: int,
           hub_size: int | None = None) -> Section:
    store, gen_s = cached_store(n, seed, lineage_share)
    truth = family_size(store)
    section = Section(
        "4. Family crawl",
        "python -m bench.run --only family",
        f"A generated {n:,}-model Hub (seed {seed}, lineage share {lineage_share:g}) holding "
        f"{truth:,} LLaMA/DeepSeek models (ground truth); `crawl(db, 'family', cards=False, "
        f"hub_size={hub_size})` from an empty database; no added latency"
        + (" (without hub_size the crawl assumes the real Hub's 2.2M models)."
           if hub_size is None else "."),
    )
    if gen_s:
        section.details.append(f"generated the Hub in {gen_s:.0f} s (cached)")
    per_model, vs_listing, found = [], [], []
    listing_cost = math.ceil(n / PAGE)
    db = CACHE / f"family-{n}.duckdb"
    for _ in range(runs):
        with serve(store) as double:
            out = run_worker({"task": "crawl", "mode": "family", "db": str(fresh_db(db)),
                              "endpoint": double.url, "budgets": AMPLE, "cards": False,
                              "hub_size": hub_size},
                             endpoint=double.url)
            counts = dict(double.log.counts())
        total = sum(counts.values())
        per_model.append(total / out["models_in_db"])
        vs_listing.append(total / listing_cost)
        found.append(float(out["models_in_db"]))
        section.details.append(
            f"strategy {out['strategy']!r}; requests {counts}; {out['models_in_db']:,} family "
            f"models stored; wall {out['wall_s']:.0f} s; peak RSS {out['peak_rss_mb']:.0f} MB")
    section.details.append(f"recall against the ground truth: {recall(str(db), str(store)):.4f}")
    section.figures += [
        info("family models discovered", found, "models", note=f"ground truth {truth:,}"),
        at_most("requests per discovered model", per_model, "requests/model",
                PER_MODEL_TARGET),
        at_most("requests / a full listing's cost", vs_listing, "x", LISTING_TARGET,
                note=f"a full listing costs {listing_cost:,} pages"),
    ]
    section.details.append(f"median requests: {median(vs_listing) * listing_cost:,.0f}")
    return section
