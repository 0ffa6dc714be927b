"""Item 6: the budget read from the Hub's headers, for each plan the double simulates.

The double enforces each plan's published quota (429 past it) in fixed windows and states it
on every answer (`RateLimit-Policy`, `RateLimit`), as the Hub does. The crawler is given no
budget: it starts at the anonymous published limit and must adopt what the headers say. The
work is a full listing (api bucket) whose page size is set so that it lasts about `WINDOWS`
windows at the plan's pace, so the share of the budget used is measured over whole windows.
Windows are shortened from the Hub's 300 s, and the quotas with them (same rate), so a run
stays short; used share = list requests per second / (quota / window).
"""

from __future__ import annotations

import math

from bench.common import CACHE, Figure, Section, at_least, at_most, median
from bench.hubs import cached_store, serve
from bench.listing import fresh_db
from bench.worker import run_worker
from hub_double.faults import BUCKET_OF_KIND, PLANS, Quota

PLAN_NAMES = ("anonymous", "free", "pro", "enterprise")
WINDOW_S = 15  # the Hub's is 300 s; quotas are scaled by WINDOW_S / 300
WINDOWS = 2  # windows of listing per run
USED_TARGET = 90.0  # % of the budget


def plan_crawl(store, plan: str) -> tuple[dict, dict, Quota]:
    """A full listing, no budget given, against a double enforcing and stating `plan`."""
    quota = Quota.plan(plan, window_s=WINDOW_S, scale=WINDOW_S / 300)
    pages = WINDOWS * quota.limits["api"]
    hub_models = store_models(store)
    db = fresh_db(CACHE / "budgets.duckdb")
    with serve(store, quota=quota, page_size=math.ceil(hub_models / pages)) as double:
        out = run_worker({"task": "crawl", "mode": "full", "db": str(db), "endpoint": double.url,
                          "cards": False}, endpoint=double.url)
        entries = list(double.log.entries)
    statuses = {"api": sum(BUCKET_OF_KIND[e.kind] == "api" and e.status != 429
                           for e in entries),
                "429": sum(e.status == 429 for e in entries)}
    return out, statuses, quota


def store_models(store) -> int:
    import duckdb

    conn = duckdb.connect(str(store), read_only=True)
    try:
        return conn.execute("SELECT count(*) FROM models").fetchone()[0]
    finally:
        conn.close()


def budgets(hub: int, runs: int, seed: int) -> Section:
    section = Section(
        "7. Budgets from the headers",
        "python -m bench.run --only budgets",
        f"A generated {hub:,}-model Hub (seed {seed}); for each plan the double enforces the "
        f"plan's quotas scaled to a {WINDOW_S} s window (same rate as per 300 s) and states them "
        "in RateLimit-Policy/RateLimit; `crawl(db, 'full', cards=False)` with no budget given, "
        f"its listing paged to last about {WINDOWS} windows at the plan's pace.",
    )
    store, _ = cached_store(hub, seed, 0.35)
    for plan in PLAN_NAMES:
        adopted, used, errors = [], [], []
        for _ in range(runs):
            out, statuses, quota = plan_crawl(store, plan)
            budget = out["budgets"]["api"]
            adopted.append(float(budget["requests"]))
            limit = quota.limits["api"]
            used.append(statuses["api"] / out["wall_s"] / (limit / WINDOW_S) * 100)
            errors.append(float(statuses["429"]))
        stated = quota.limits["api"]
        value = median(adopted)
        section.figures += [
            Figure(f"{plan}: api budget read from the headers", value, "requests",
                   f"= {stated} requests", all(a == stated for a in adopted), runs, adopted,
                   note=f"per {WINDOW_S} s, i.e. {PLANS[plan]['api']:,} per 300 s; source: "
                   f"{budget['source']}", miss_by="" if value == stated else "not adopted"),
            at_least(f"{plan}: share of the api budget used", used, "%", USED_TARGET,
                     note="api requests answered / crawl wall time (opening and closing the "
                     "database included)"),
            at_most(f"{plan}: 429 answers provoked", errors, "429s", 0.0),
        ]
    return section
