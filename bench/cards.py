"""Item 2: card fetching. Crawler against the naive loop of ModelCard.load, and a tight budget.

Ample budget: the double adds 50 ms to every request; a full crawl of a small Hub (its listing
is a few pages) then fetches every card with the crawler's defaults (16 workers); cards/s is
cards fetched / the seconds from the card pump's first workers to its last write. The naive
loop (`ModelCard.load(id)` per model, errors skipped, a fresh HF_HOME, HF_ENDPOINT pointing at
the same double) runs on the first models of the same Hub, alternated with the crawler run by
run.

Tight budget: the double enforces a fixed-window quota on the resolvers bucket (429 past it)
and the crawler's limiter is given the same budget and window; used share = card requests per
second / (budget / window). Windows are shortened from the Hub's 300 s so a run stays short.
"""

from __future__ import annotations

from bench.common import CACHE, Section, at_least, at_most, info, median
from bench.hubs import cached_store, serve
from bench.listing import AMPLE, fresh_db
from bench.worker import run_worker

LATENCY_MS = 50.0
SPEEDUP_TARGET = 10.0


def crawler_cards(store, latency_ms: float, budgets: dict[str, int],
                  window_s: float | None = None,
                  quota: tuple[dict[str, int], float] | None = None) -> tuple[dict, dict]:
    db = fresh_db(CACHE / "cards.duckdb")
    with serve(store, latency_ms, quota) as double:
        task = {"task": "crawl", "mode": "full", "db": str(db), "endpoint": double.url,
                "budgets": budgets, "window_s": window_s, "cards": True}
        out = run_worker(task, endpoint=double.url)
        entries = list(double.log.entries)
    statuses = {"resolve": sum(e.kind == "resolve" for e in entries),
                "429": sum(e.status == 429 for e in entries)}
    return out, statuses


def naive_cards(store, ids: list[str], latency_ms: float) -> tuple[dict, dict]:
    with serve(store, latency_ms) as double:
        out = run_worker({"task": "naive_cards", "ids": ids}, endpoint=double.url)
        counts = dict(double.log.counts())
    return out, counts


def model_ids(store, limit: int) -> list[str]:
    import duckdb

    conn = duckdb.connect(str(store), read_only=True)
    try:
        return [r[0] for r in conn.execute("SELECT id FROM models ORDER BY idx LIMIT ?",
                                           [limit]).fetchall()]
    finally:
        conn.close()


def cards(hub: int, naive_n: int, tight_hub: int, tight: tuple[int, float], runs: int,
          seed: int) -> Section:
    section = Section(
        "2. Cards",
        "python -m bench.run --only cards",
        f"A generated {hub:,}-model Hub (seed {seed}); the double adds {LATENCY_MS:g} ms to "
        "every request. Crawler: `crawl(db, 'full', cards=True)` with 16 card workers and an "
        f"ample budget; naive: `for id in ids: ModelCard.load(id)` over the first {naive_n} "
        "models of the same Hub; the two alternate, run by run, each in its own process.",
    )
    store, _ = cached_store(hub, seed, 0.35)
    ids = model_ids(store, naive_n)
    fast, slow, naive_requests = [], [], []
    for _ in range(runs):
        out, statuses = crawler_cards(store, LATENCY_MS, AMPLE)
        fast.append(out["cards_fetched"] / out["cards_s"])
        naive, counts = naive_cards(store, ids, LATENCY_MS)
        slow.append(len(ids) / naive["wall_s"])
        naive_requests.append(counts.get("resolve", 0) / len(ids))
    speedups = [f / s for f, s in zip(fast, slow, strict=True)]
    section.figures += [
        info("crawler cards/s (50 ms latency, ample budget)", fast, "cards/s"),
        info("naive ModelCard.load loop cards/s (50 ms latency)", slow, "cards/s",
             note=f"{median(naive_requests):.1f} requests per card (HEAD + GET)"),
        at_least("crawler / naive speed-up", speedups, "x", SPEEDUP_TARGET,
                 note="ratio of the two figures measured in the same run, median over runs"),
    ]

    budget, window_s = tight
    tight_store, _ = cached_store(tight_hub, seed, 0.35)
    used, errors = [], []
    for _ in range(runs):
        budgets = {"api": AMPLE["api"], "resolvers": budget}
        out, statuses = crawler_cards(tight_store, LATENCY_MS, budgets, window_s,
                                      ({"resolvers": budget}, window_s))
        rate = statuses["resolve"] / out["cards_s"]
        used.append(rate / (budget / window_s) * 100)
        errors.append(float(statuses["429"]))
    section.details.append(
        f"tight budget: {budget} card requests per {window_s:g} s window (enforced by the double "
        f"with 429), a {tight_hub:,}-model Hub, 50 ms latency; the same budget is given to the "
        "crawler's limiter")
    section.figures += [
        at_least("tight budget: share of the budget used", used, "%", 90.0),
        at_most("tight budget: 429 answers provoked", errors, "429s", 0.0),
    ]
    return section
